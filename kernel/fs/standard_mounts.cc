#include "fs/standard_mounts.h"

#include "fs/devfs.h"
#include "fs/initramfs.h"
#include "fs/procfs.h"
#include "fs/sysfs.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/log.h"

namespace fs {

namespace {

// Creates a directory at an absolute path if missing (parents must exist).
Result<RefPtr<Inode>> ensure(std::string_view path, u32 permissions) {
    auto existing = resolve(*root(), path);
    if (existing.is_ok()) return existing.value();
    ParentPath parent;
    TRY(resolve_parent(*root(), path, parent));
    return parent.directory->create(parent.last(), InodeType::Directory, permissions, 0, 0);
}

Result<void> mount_tmpfs(std::string_view path, u64 device) {
    TRY(ensure(path, 01777));
    auto* tmpfs = RamFilesystem::create("tmpfs", device);
    if (!tmpfs) return Error(ENOMEM);
    tmpfs->root()->m_permissions = 01777;
    return mount(path, *tmpfs);
}

}  // namespace

Result<void> mount_standard() {
    TRY(initramfs::populate_root());
    TRY(ensure("/dev", 0755));
    TRY(ensure("/proc", 0555));
    TRY(ensure("/sys", 0555));
    // /tmp is a tmpfs unless the image brings content there (a mount would hide it; the
    // root file system is in memory and writable anyway).
    bool image_has_tmp = false;
    if (auto tmp = resolve(*root(), "/tmp"); tmp.is_ok()) {
        DirEntry entry;
        u64 cursor = 2;
        image_has_tmp = tmp.value()->read_dir(cursor, entry).value_or(false);
    }
    if (!image_has_tmp) TRY(mount_tmpfs("/tmp", 0x21));
    TRY(devfs::mount_at("/dev"));  // it has the /dev/shm directory the tmpfs goes on
    TRY(procfs::mount_at("/proc"));
    TRY(sysfs::mount_at("/sys"));
    TRY(ensure("/dev/shm", 01777));
    TRY(mount_tmpfs("/dev/shm", 0x22));
    return {};
}

}  // namespace fs
