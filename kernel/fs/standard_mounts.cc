#include "fs/standard_mounts.h"

#include <new>

#include "fs/devfs.h"
#include "cmdline/cmdline.h"
#include "fs/initramfs.h"
#include "fs/overlay.h"
#include "drivers/block/block_device.h"
#include "fs/ext4/ext4_fs.h"
#include "fs/ninep/ninep_fs.h"
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

// Mounts a tmpfs on `path` and moves the entries the image had there into it (the same
// inodes: nothing is copied).
Result<void> mount_tmpfs_keeping_content(std::string_view path, u64 device) {
    auto old_directory = TRY(ensure(path, 01777));
    constexpr usize kMaxEntries = 256;
    struct Kept {
        char name[kNameMax + 1];
        RefPtr<Inode> inode;
    };
    auto* kept = new (std::nothrow) Kept[kMaxEntries];
    if (!kept) return Error(ENOMEM);
    usize count = 0;
    DirEntry entry;
    for (u64 cursor = 2; count < kMaxEntries;) {
        auto more = old_directory->read_dir(cursor, entry);
        if (more.is_error() || !more.value()) break;
        auto inode = old_directory->lookup(entry.name);
        if (inode.is_error()) continue;
        __builtin_memcpy(kept[count].name, entry.name, sizeof entry.name);
        kept[count++].inode = inode.value();
    }
    auto mounted = mount_tmpfs(path, device);
    if (mounted.is_ok()) {
        RefPtr<Inode> tmpfs_root = TRY(resolve(*root(), path));
        for (usize i = 0; i < count; i++) (void)RamFilesystem::attach(*tmpfs_root, kept[i].name, kept[i].inode);
    }
    delete[] kept;
    return mounted;
}

// Creates a directory and its missing parents.
Result<void> ensure_all(std::string_view path) {
    for (usize end = 1; end <= path.size(); end++) {
        if (end != path.size() && path[end] != '/') continue;
        TRY(ensure(path.substr(0, end), 0755));
    }
    return {};
}

}  // namespace

Result<void> mount_volumes() {
    for (usize i = 0; i < block::device_count(); i++) {
        block::BlockDevice& disk = *block::device(i);
        std::string_view path = disk.guest_path();
        if (path.empty()) continue;  // attached without a mount point: a program may mount it
        if (!ext4fs::holds_ext4(disk)) {
            klog::warn("volume {}: {} holds no ext4 file system; it stays a device, /dev/{}", disk.serial(),
                       disk.name(), disk.name());
            continue;
        }
        TRY(ensure_all(path));
        auto directory = TRY(resolve(*root(), path));
        // A volume libs/ext4 refuses (corrupt, hostile, features it does not read) is left
        // unmounted, said on the kernel log with the reason: never a crash.
        if (auto mounted = ext4fs::mount_disk(disk, directory, {}); mounted.is_error()) {
            if (mounted.error() == ENOMEM) return mounted;
            klog::error("volume {}: the ext4 file system of {} is refused ({}); not mounted on {}", disk.serial(),
                        disk.name(), err::name(mounted.error()), path);
            continue;
        }
        klog::info("volume {}: {} mounted on {} (ext4)", disk.serial(), disk.name(), path);
    }
    return {};
}

Result<void> mount_shared_folders(std::string_view list) {
    for (std::string_view entry : cmdline::split_list(list)) {
        usize first = entry.find(':'), second = entry.rfind(':');
        if (first == std::string_view::npos || second == first) return Error(EINVAL);
        std::string_view tag = entry.substr(0, first), path = entry.substr(first + 1, second - first - 1),
                         mode = entry.substr(second + 1);
        if (tag.empty() || path.empty() || path[0] != '/' || (mode != "ro" && mode != "rw")) return Error(EINVAL);
        TRY(ensure_all(path));
        if (auto mounted = ninep::mount(tag, path, mode == "ro"); mounted.is_error()) {
            klog::error("9p: cannot mount the folder with tag '{}' on {}: {}", tag, path, err::name(mounted.error()));
            return mounted;
        }
        klog::info("9p: the host folder '{}' is on {}{}", tag, path, mode == "ro" ? ", read-only" : "");
    }
    return {};
}

namespace {

// The ext4 disk whose serial number root= names, as "/", with the initramfs's entries
// copied onto it. A disk that is missing or refused is said on the kernel log.
Result<void> mount_root_disk(std::string_view serial) {
    block::BlockDevice* disk = nullptr;
    for (usize i = 0; i < block::device_count() && !disk; i++)
        if (serial == block::device(i)->serial()) disk = block::device(i);
    if (!disk) {
        klog::error("root={}: no disk has that serial number", serial);
        return Error(ENODEV);
    }
    if (auto mounted = ext4fs::mount_root(*disk); mounted.is_error()) {
        klog::error("root={}: the ext4 file system of {} is refused ({})", serial, disk->name(),
                    err::name(mounted.error()));
        return mounted;
    }
    klog::info("rootfs: {} (ext4) mounted as /", disk->name());
    return initramfs::copy_onto_root();
}

}  // namespace

Result<void> mount_standard(std::optional<std::string_view> root_disk, std::optional<std::string_view> overlay) {
    if (root_disk) {
        TRY(mount_root_disk(*root_disk));
    } else {
        TRY(initramfs::populate_root());
    }
    // Before anything reads the root: the overlay may replace /.osprey/app.
    if (overlay) TRY(apply_overlay(*overlay));
    TRY(ensure("/dev", 0755));
    TRY(ensure("/proc", 0555));
    TRY(ensure("/sys", 0555));
    // /tmp is a tmpfs. What the image has there (a program built in /tmp on the host)
    // is grafted into it, so mounting hides nothing. On a root disk it stays the disk's
    // directory, as on a Debian system.
    if (!root_disk) TRY(mount_tmpfs_keeping_content("/tmp", 0x21));
    TRY(devfs::mount_at("/dev"));  // it has the /dev/shm directory the tmpfs goes on
    TRY(procfs::mount_at("/proc"));
    TRY(sysfs::mount_at("/sys"));
    TRY(ensure("/dev/shm", 01777));
    TRY(mount_tmpfs("/dev/shm", 0x22));
    return {};
}

void stop_volumes() { ext4fs::stop_all(); }

}  // namespace fs
