// mount(2) and umount2: file systems a program mounts itself (docs/storage.md). The ones
// the kernel can make are tmpfs, 9p (a host folder the VM was given, by its mount tag) and
// ext4 (on a disk, named by its block special file); the others Linux knows answer
// ENODEV, as for a file system the kernel was built without.
#include "fs/devfs_block.h"
#include "fs/ext4/ext4_fs.h"
#include "fs/inode_file.h"
#include "fs/ninep/ninep_fs.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "lib/atomic.h"
#include "linux/path_args.h"
#include "linux/syscall_adapter.h"
#include "mm/user_memory.h"
#include "proc/process.h"

namespace linux_abi {

namespace {

using proc::Process;

constexpr u64 MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
              MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024,
              MS_NODIRATIME = 2048, MS_BIND = 4096, MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768,
              MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25;
constexpr u64 MS_MGC_MASK = 0xffff0000, MS_MGC_VAL = 0xc0ed0000;
// MS_RDONLY, MS_NOEXEC and MS_NODEV are carried out (Filesystem::no_exec, no_dev). The
// others are true of every mount here already: no program runs set-user-ID, tmpfs and 9p
// write through at once and ext4 commits every call, no access times are kept to relax,
// and mandatory locks are gone from Linux too.
constexpr u64 kAcceptedFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC |
                               MS_NOSYMFOLLOW | MS_NOATIME | MS_NODIRATIME | MS_SILENT | MS_RELATIME |
                               MS_STRICTATIME | MS_LAZYTIME | MS_MANDLOCK;
constexpr u32 MNT_FORCE = 1, MNT_DETACH = 2, UMOUNT_NOFOLLOW = 8;

bool is_admin() { return Process::current().cred.euid == 0; }

Result<usize> read_string(UserPtr<const char> user, char* out, usize capacity) {
    if (user.is_null()) {
        out[0] = '\0';
        return 0;
    }
    return user_memory::copy_string(out, capacity, user.address());
}

// Whether any process works in `filesystem` or has a file of it open (umount without
// MNT_DETACH is refused then, as on Linux).
bool in_use(fs::Filesystem& filesystem) {
    for (int pid = Process::next_pid(1); pid; pid = Process::next_pid(pid + 1)) {
        RefPtr<Process> process = Process::find(pid);
        if (!process || process->reaped()) continue;
        if (auto cwd = process->working_directory(); cwd && &cwd->filesystem() == &filesystem) return true;
        for (int fd = process->next_fd(0); fd >= 0; fd = process->next_fd(fd + 1)) {
            auto file = process->file(fd);
            if (file.is_error()) continue;  // closed meanwhile
            if (auto* inode_file = fs::as_inode_file(*file.value());
                inode_file && &inode_file->inode().filesystem() == &filesystem)
                return true;
        }
    }
    return false;
}

// ext4 on the disk `user_source` names, as Linux's mount_bdev finds it: ENOENT for a
// source that does not exist (EINVAL for none at all), ENOTBLK for one that is not a
// block special file, EACCES for one on a MS_NODEV mount, ENXIO for a device number no
// disk has, EACCES for a writable mount of a read-only disk (util-linux's mount then
// retries with MS_RDONLY), EBUSY for a disk mounted already, EINVAL for one without ext4.
Result<void> mount_ext4(UserPtr<const char> user_source, RefPtr<fs::Inode> target, fs::MountFlags options) {
    if (user_source.is_null()) return Error(EINVAL);
    auto source = TRY(read_path(user_source));
    auto start = TRY(base_for(AT_FDCWD, *source));
    auto node = TRY(fs::resolve(*start, source->view()));
    if (node->type() != fs::InodeType::BlockDevice) return Error(ENOTBLK);
    if (node->filesystem().no_dev) return Error(EACCES);
    fs::Stat st;
    TRY(node->stat(st));
    block::BlockDevice* disk = devfs::disk_of_device_number(st.st_rdev);
    if (!disk) return Error(ENXIO);
    if (disk->read_only() && !options.read_only) return Error(EACCES);
    return fs::ext4fs::mount_disk(*disk, target, options);
}

}  // namespace

Result<void> sys_mount(UserPtr<const char> user_source, UserPath user_target, UserPtr<const char> user_type,
                       u64 flags, UserPtr<const char> user_data) {
    if (!is_admin()) return Error(EPERM);
    if ((flags & MS_MGC_MASK) == MS_MGC_VAL) flags &= ~MS_MGC_MASK;  // the old magic, ignored as Linux does
    auto target = TRY(lookup_at(AT_FDCWD, user_target, 0));
    if (!target->is_directory()) return Error(ENOTDIR);
    if (flags & (MS_REMOUNT | MS_BIND | MS_MOVE | MS_REC)) return Error(EINVAL);  // not supported yet
    if (flags & ~kAcceptedFlags) return Error(EINVAL);
    char type[32], data[256];
    TRY(read_string(user_type, type, sizeof type));
    TRY(read_string(user_data, data, sizeof data));
    std::string_view kind = type;
    fs::MountFlags options{(flags & MS_RDONLY) != 0, (flags & MS_NOEXEC) != 0, (flags & MS_NODEV) != 0};
    static kstd::Atomic<u64> g_next_tmpfs_device{0x50};
    if (kind == "tmpfs") {
        // tmpfs keeps no read-only mode: refused rather than mounted writable.
        if (options.read_only) return Error(EINVAL);
        auto* tmpfs = fs::RamFilesystem::create("tmpfs", g_next_tmpfs_device.fetch_add(1));
        if (!tmpfs) return Error(ENOMEM);
        tmpfs->root()->m_permissions = 01777;
        return fs::mount_on(target, *tmpfs, options);
    }
    if (kind == "9p") {
        // The source is the mount tag; the options Linux's 9p takes (trans=virtio,
        // version=9p2000.L, msize=...) describe what this client always does.
        char source[128];
        TRY(read_string(user_source, source, sizeof source));
        return fs::ninep::mount_on(source, target, options);
    }
    // ext4's options (data) are not read: what they tune (commit=, barrier, data=...) is
    // fixed here (docs/storage.md).
    if (kind == "ext4") return mount_ext4(user_source, target, options);
    if (kind.empty()) return Error(EINVAL);
    return Error(ENODEV);
}

Result<void> sys_umount2(UserPath user_target, u32 flags) {
    if (!is_admin()) return Error(EPERM);
    // MNT_EXPIRE (mark now, unmount at a second call if unused in between) is not kept:
    // refused rather than done at once. MNT_FORCE changes nothing for tmpfs, 9p and ext4.
    if (flags & ~(MNT_FORCE | MNT_DETACH | UMOUNT_NOFOLLOW)) return Error(EINVAL);
    auto target = TRY(lookup_at(AT_FDCWD, user_target, (flags & UMOUNT_NOFOLLOW) ? AT_SYMLINK_NOFOLLOW : 0));
    // MNT_DETACH: gone from the tree at once; what is open in it keeps working.
    TRY(fs::unmount(*target, (flags & MNT_DETACH) ? nullptr : in_use));
    return {};
}

OSPREY_CALLS(mount, umount2)

}  // namespace linux_abi
