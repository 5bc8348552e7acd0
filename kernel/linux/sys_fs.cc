// Calls that name files by path: open, stat, directories, links, permissions, times.
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/vfs.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "linux/abi_types.h"
#include "linux/path_args.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"
#include "text/format.h"

namespace linux_abi {

using proc::Process;

namespace {

constexpr u32 O_TMPFILE_ONLY = 020000000, O_TMPFILE = O_TMPFILE_ONLY | fs::O_DIRECTORY;
// The open(2) flags a descriptor keeps (F_GETFL shows them); the creation flags go.
constexpr u32 kKeptFlags = fs::O_ACCMODE | fs::O_APPEND | fs::O_NONBLOCK | fs::O_DSYNC | fs::O_DIRECT | fs::O_LARGEFILE |
                           fs::O_DIRECTORY | fs::O_NOFOLLOW | fs::O_NOATIME | fs::O_PATH | fs::O_CLOEXEC | 04010000;

Process& process() { return Process::current(); }

u32 current_umask() {
    MutexLocker lock(process().fs_lock);
    return process().umask;
}

bool wants_write(u32 flags) { return (flags & fs::O_ACCMODE) != fs::O_RDONLY; }

// Follows a chain of symlinks whose last target does not exist, and creates that target.
Result<RefPtr<fs::Inode>> create_through_link(RefPtr<fs::Inode> directory, RefPtr<fs::Inode> link, u32 mode) {
    auto target = OwnPtr<PathArg>::make();
    if (!target) return Error(ENOMEM);
    for (int depth = 0; depth < 40; depth++) {
        target->length = TRY(link->readlink(target->text, sizeof target->text - 1));
        target->text[target->length] = '\0';
        fs::ParentPath parent;
        TRY(fs::resolve_parent(*directory, target->view(), parent));
        auto next = parent.directory->lookup(parent.last());
        if (next.is_error()) {
            if (next.error() != ENOENT) return Error(next.error());
            auto owner = Process::current().new_inode_owner(*parent.directory, false, mode);
            return parent.directory->create(parent.last(), fs::InodeType::Regular, owner.permissions,
                                            Process::current().cred.fsuid, owner.gid);
        }
        if (next.value()->type() != fs::InodeType::Symlink) return next.value();
        directory = parent.directory;
        link = next.value();
    }
    return Error(ELOOP);
}

// Remembers the name a file was opened by (/proc/self/fd, /proc/self/maps).
void name_open_file(fs::File& file, RefPtr<fs::Dentry> name) {
    if (auto* inode_file = file.inode_file()) inode_file->set_dentry(static_cast<RefPtr<fs::Dentry>&&>(name));
}

// O_TMPFILE: an unnamed regular file in the directory `user_path` names, on its file system.
Result<u64> open_tmpfile(int dirfd, UserPath user_path, u32 flags, u32 mode) {
    // As Linux: O_TMPFILE includes O_DIRECTORY, excludes O_CREAT, and needs write access.
    if ((flags & (O_TMPFILE | fs::O_CREAT)) != O_TMPFILE || !wants_write(flags))
        return Error(EINVAL);
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    auto directory = TRY(fs::resolve(*base, path->view(), true));
    if (!directory->is_directory()) return Error(ENOTDIR);
    auto owner = process().new_inode_owner(*directory, false, mode & ~current_umask() & 07777);
    auto inode = TRY(directory->create_unnamed(owner.permissions, process().cred.fsuid, owner.gid, !(flags & fs::O_EXCL)));
    auto file = TRY(inode->open(flags & (kKeptFlags | O_TMPFILE_ONLY)));
    // Linux names it "#ino" in the directory, and it reads as deleted.
    char name[24];
    text::format_into(name, sizeof name, "#{}", inode->ino());
    name_open_file(*file, fs::Dentry::create(directory, name, inode));
    return static_cast<u64>(TRY(process().fds().allocate(file, flags & fs::O_CLOEXEC)));
}

Result<u64> do_open(int dirfd, UserPath user_path, u32 flags, u32 mode) {
    // open(2) and openat(2) drop what O_PATH does not use (O_CREAT, O_TMPFILE...), as Linux.
    if (flags & fs::O_PATH) flags &= fs::O_PATH | fs::O_DIRECTORY | fs::O_NOFOLLOW | fs::O_CLOEXEC;
    if (flags & O_TMPFILE_ONLY) return open_tmpfile(dirfd, user_path, flags, mode);
    if ((flags & fs::O_CREAT) && (flags & fs::O_DIRECTORY)) return Error(EINVAL);  // as Linux 6.4 and later
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    RefPtr<fs::Inode> inode;
    RefPtr<fs::Dentry> name;
    bool created = false, created_through_link = false;
    if (flags & fs::O_CREAT) {
        fs::ParentPath parent;
        TRY(fs::resolve_parent(*base, path->view(), parent));
        if (parent.trailing_slash) return Error(EISDIR);
        auto existing = parent.directory->lookup(parent.last());
        if (existing.is_ok()) {
            if (flags & fs::O_EXCL) return Error(EEXIST);
            inode = existing.value();
            if (inode->type() == fs::InodeType::Symlink) {
                if (flags & fs::O_NOFOLLOW) return Error(ELOOP);
                auto followed = fs::resolve(*base, path->view(), true, &name);
                if (followed.is_error() && followed.error() == ENOENT) {
                    // A dangling link: O_CREAT creates the file it points to, as on Linux.
                    inode = TRY(create_through_link(parent.directory, inode, mode & ~current_umask() & 07777));
                    created = created_through_link = true;  // its name is searched for
                } else {
                    inode = TRY(static_cast<Result<RefPtr<fs::Inode>>&&>(followed));
                }
            }
        } else if (existing.error() == ENOENT) {
            if (parent.last() == "." || parent.last() == "..") return Error(EISDIR);
            auto owner = process().new_inode_owner(*parent.directory, false, mode & ~current_umask() & 07777);
            inode = TRY(parent.directory->create(parent.last(), fs::InodeType::Regular, owner.permissions,
                                                 process().cred.fsuid, owner.gid));
            created = true;
        } else {
            return Error(existing.error());
        }
        if (!name && !created_through_link) name = fs::Dentry::create(parent.directory, parent.last(), inode);
    } else {
        inode = TRY(fs::resolve(*base, path->view(), !(flags & fs::O_NOFOLLOW), &name));
        if ((flags & fs::O_NOFOLLOW) && inode->type() == fs::InodeType::Symlink && !(flags & fs::O_PATH))
            return Error(ELOOP);
    }
    if ((flags & fs::O_DIRECTORY) && !inode->is_directory()) return Error(ENOTDIR);
    if (!(flags & fs::O_PATH)) {
        if (inode->is_directory() && (wants_write(flags) || (flags & fs::O_CREAT && !created))) {
            if (wants_write(flags)) return Error(EISDIR);
        }
        // A read-only mount's files and directories open for reading only, as Linux's
        // may_open says (device nodes, FIFOs and sockets on it still open for writing).
        bool plain = inode->type() == fs::InodeType::Regular || inode->is_directory();
        if (plain && (wants_write(flags) || (flags & fs::O_TRUNC)) && inode->filesystem().mounted_read_only())
            return Error(EROFS);
        // Linux truncates even for O_RDONLY when the caller could write the file.
        if ((flags & fs::O_TRUNC) && inode->type() == fs::InodeType::Regular && !created)
            TRY(inode->truncate(0));
    }
    bool device = inode->type() == fs::InodeType::CharDevice || inode->type() == fs::InodeType::BlockDevice;
    if (device && inode->filesystem().no_dev && !(flags & fs::O_PATH)) return Error(EACCES);  // MS_NODEV
    auto file = TRY(inode->open(flags & kKeptFlags));
    name_open_file(*file, static_cast<RefPtr<fs::Dentry>&&>(name));
    return static_cast<u64>(TRY(process().fds().allocate(file, flags & fs::O_CLOEXEC)));
}

struct Statx {
    u32 stx_mask, stx_blksize;
    u64 stx_attributes;
    u32 stx_nlink, stx_uid, stx_gid;
    u16 stx_mode, pad1;
    u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    struct {
        i64 tv_sec;
        u32 tv_nsec;
        i32 pad;
    } stx_atime, stx_btime, stx_ctime, stx_mtime;
    u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
    u64 stx_mnt_id;
    u64 spare[13];
};
static_assert(sizeof(Statx) == 256);

Result<void> write_stat(UserPtr<fs::Stat> user, fs::Inode& inode) {
    fs::Stat st;
    TRY(inode.stat(st));
    return user.write(st);
}

Result<RefPtr<fs::Inode>> stat_target(int dirfd, UserPath user_path, u32 flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | 0x6000)) return Error(EINVAL);
    return lookup_at(dirfd, user_path, flags);
}

struct StatFs {
    i64 f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    i32 f_fsid[2];
    i64 f_namelen, f_frsize, f_flags, f_spare[4];
};
static_assert(sizeof(StatFs) == 120);

Result<void> write_statfs(UserPtr<StatFs> user, fs::Inode& inode) {
    fs::Filesystem& filesystem = inode.filesystem();
    StatFs s{};
    s.f_type = static_cast<i64>(filesystem.magic());
    s.f_bsize = 4096;
    s.f_frsize = 4096;
    s.f_blocks = static_cast<i64>(filesystem.blocks_total());
    s.f_bfree = static_cast<i64>(filesystem.blocks_free());
    s.f_bavail = static_cast<i64>(filesystem.blocks_available());
    s.f_files = static_cast<i64>(filesystem.inodes_total());
    s.f_ffree = static_cast<i64>(filesystem.inodes_free());
    s.f_fsid[0] = static_cast<i32>(filesystem.device());
    s.f_namelen = fs::kNameMax;
    // ST_VALID, and the mount's flags as Linux reports them (ST_RDONLY, ST_NODEV, ST_NOEXEC).
    s.f_flags = 0x20 | (filesystem.mounted_read_only() ? 1 : 0) | (filesystem.no_dev ? 4 : 0) |
                (filesystem.no_exec ? 8 : 0);
    return user.write(s);
}

Result<u64> do_mkdir(int dirfd, UserPath user_path, u32 mode) {
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, path->view(), parent));
    if (parent.last() == "." || parent.last() == "..") return Error(EEXIST);
    auto owner = process().new_inode_owner(*parent.directory, true, mode & ~current_umask() & 07777);
    TRY(parent.directory->create(parent.last(), fs::InodeType::Directory, owner.permissions, process().cred.fsuid,
                                 owner.gid));
    return 0;
}

Result<u64> do_unlink(int dirfd, UserPath user_path, bool directory) {
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, path->view(), parent));
    // As Linux: unlink of either is EISDIR; rmdir of "." EINVAL, of ".." ENOTEMPTY.
    if ((parent.last() == "." || parent.last() == "..") && !directory) return Error(EISDIR);
    if (parent.last() == ".") return Error(EINVAL);
    if (parent.last() == "..") return Error(ENOTEMPTY);
    if (parent.trailing_slash && !directory) {
        auto target = TRY(parent.directory->lookup(parent.last()));
        return Error(target->is_directory() ? EISDIR : ENOTDIR);
    }
    TRY(parent.directory->unlink(parent.last(), directory));
    return 0;
}

Result<u64> do_rename(int old_dirfd, UserPath old_user, int new_dirfd, UserPath new_user, u32 flags) {
    auto old_path = TRY(read_path(old_user));
    auto new_path = TRY(read_path(new_user));
    auto old_base = TRY(base_for(old_dirfd, *old_path));
    auto new_base = TRY(base_for(new_dirfd, *new_path));
    fs::ParentPath from, to;
    TRY(fs::resolve_parent(*old_base, old_path->view(), from));
    TRY(fs::resolve_parent(*new_base, new_path->view(), to));
    if (from.last() == "." || from.last() == ".." || to.last() == "." || to.last() == "..") return Error(EBUSY);
    // "/" itself, and a directory something is mounted on, cannot move or be replaced
    // (sysfuzz renamed /tmp's mount point away, and the tmpfs with it).
    if (from.last().empty() || to.last().empty()) return Error(EBUSY);
    auto source = TRY(from.directory->lookup(from.last()));
    if (source->m_mounted) return Error(EBUSY);
    if (auto target = to.directory->lookup(to.last()); target.is_ok() && target.value()->m_mounted) return Error(EBUSY);
    if (&from.directory->filesystem() != &to.directory->filesystem()) return Error(EXDEV);
    if ((from.trailing_slash || to.trailing_slash) && !source->is_directory()) return Error(ENOTDIR);
    TRY(from.directory->rename(from.last(), *to.directory, to.last(), flags));
    return 0;
}

Result<u64> do_link(int old_dirfd, UserPath old_user, int new_dirfd, UserPath new_user, u32 flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return Error(EINVAL);
    auto target = TRY(lookup_at(old_dirfd, old_user, flags, false));
    if (target->is_directory()) return Error(EPERM);
    auto new_path = TRY(read_path(new_user));
    auto base = TRY(base_for(new_dirfd, *new_path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, new_path->view(), parent));
    if (parent.last() == "." || parent.last() == "..") return Error(EEXIST);
    if (parent.trailing_slash) return Error(ENOENT);
    TRY(parent.directory->link(parent.last(), *target));
    return 0;
}

Result<u64> do_symlink(UserPath target_user, int dirfd, UserPath link_user) {
    auto target = TRY(read_path(target_user));
    auto link_path = TRY(read_path(link_user));
    auto base = TRY(base_for(dirfd, *link_path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, link_path->view(), parent));
    // "." and ".." always exist (a symlink by either name once made an entry no rmdir
    // could remove: sysfuzz, docs/fuzzing.md).
    if (parent.last() == "." || parent.last() == "..") return Error(EEXIST);
    if (parent.trailing_slash) return Error(ENOENT);
    auto owner = process().new_inode_owner(*parent.directory, false, 0777);
    TRY(parent.directory->symlink(parent.last(), target->view(), process().cred.fsuid, owner.gid));
    return 0;
}

// Regular files, FIFOs and socket names, as Linux. Device nodes are refused with EPERM,
// as in a container without CAP_MKNOD: a node here would reach no driver (/dev has the
// devices there are), said once on the kernel log.
Result<u64> do_mknod(int dirfd, UserPath user_path, u32 mode, u64 device) {
    (void)device;
    fs::InodeType type;
    switch (mode & fs::S_IFMT) {
        case 0:
        case fs::S_IFREG: type = fs::InodeType::Regular; break;
        case fs::S_IFIFO: type = fs::InodeType::Fifo; break;
        case fs::S_IFSOCK: type = fs::InodeType::Socket; break;
        case fs::S_IFCHR:
        case fs::S_IFBLK: {
            static kstd::Atomic<bool> told{false};
            if (!told.exchange(true, kstd::relaxed))
                klog::warn("mknod: device nodes are not made (a node would reach no driver; /dev has the devices): EPERM");
            return Error(EPERM);
        }
        case fs::S_IFDIR: return Error(EPERM);  // mkdir makes directories
        default: return Error(EINVAL);
    }
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, path->view(), parent));
    if (parent.last() == "." || parent.last() == "..") return Error(EEXIST);
    if (parent.trailing_slash) return Error(ENOENT);
    auto owner = process().new_inode_owner(*parent.directory, false, mode & ~current_umask() & 07777);
    TRY(parent.directory->create(parent.last(), type, owner.permissions, process().cred.fsuid, owner.gid));
    return 0;
}

Result<usize> do_readlink(int dirfd, UserPath user_path, UserPtr<char> buffer, i64 size) {
    if (size <= 0) return Error(EINVAL);
    auto inode = TRY(lookup_at(dirfd, user_path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    if (inode->type() != fs::InodeType::Symlink) return Error(EINVAL);
    char target[fs::kPathMax];
    usize length = TRY(inode->readlink(target, sizeof target));
    usize n = length < static_cast<u64>(size) ? length : static_cast<u64>(size);
    TRY(buffer.write_array(target, n));
    return n;
}

Result<u64> do_access(int dirfd, UserPath user_path, int mode, u32 flags) {
    constexpr int F_OK = 0, X_OK = 1;
    if (mode & ~7) return Error(EINVAL);
    if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return Error(EINVAL);
    auto inode = TRY(lookup_at(dirfd, user_path, flags));
    if (mode == F_OK) return 0;
    // The application runs as root unless asked otherwise: read and write are granted;
    // execute needs an x bit somewhere (or a directory), as for root on Linux.
    u32 permissions = inode->m_permissions;
    // access(2) asks for the real ids, faccessat(AT_EACCESS) for the effective ones.
    const auto& cred = process().cred;
    u32 uid = (flags & AT_EACCESS) ? cred.euid : cred.ruid;
    u32 gid = (flags & AT_EACCESS) ? cred.egid : cred.rgid;
    if (uid != 0) {
        u32 shift = inode->m_uid == uid ? 6 : inode->m_gid == gid ? 3 : 0;
        if (((permissions >> shift) & mode & 7) != static_cast<u32>(mode)) return Error(EACCES);
        return 0;
    }
    if ((mode & X_OK) && !inode->is_directory() && !(permissions & 0111)) return Error(EACCES);
    return 0;
}

Result<u64> do_chmod(RefPtr<fs::Inode> inode, u32 mode) {
    TRY(inode->change_attributes({.permissions = mode & 07777}));
    return 0;
}

Result<u64> do_chown(RefPtr<fs::Inode> inode, u32 uid, u32 gid) {
    if (process().cred.euid != 0) return Error(EPERM);
    fs::AttributeChange change;
    if (uid != ~0u) change.uid = uid;
    if (gid != ~0u) change.gid = gid;
    // A change of owner drops set-user-ID, and set-group-ID when the group can execute.
    if (inode->type() == fs::InodeType::Regular && (uid != ~0u || gid != ~0u)) {
        u32 permissions = inode->mode() & 07777;
        u32 kept = permissions & ~04000u;
        if (kept & 010) kept &= ~02000u;
        if (kept != permissions) change.permissions = kept;
    }
    TRY(inode->change_attributes(change));
    return 0;
}

}  // namespace

Result<u64> sys_openat(int dirfd, UserPath path, u32 flags, u32 mode) { return do_open(dirfd, path, flags, mode); }
Result<u64> sys_open(UserPath path, u32 flags, u32 mode) { return do_open(AT_FDCWD, path, flags, mode); }
Result<u64> sys_creat(UserPath path, u32 mode) {
    return do_open(AT_FDCWD, path, fs::O_CREAT | fs::O_WRONLY | fs::O_TRUNC, mode);
}

Result<void> sys_stat(UserPath path, UserPtr<fs::Stat> user_stat) {
    auto inode = TRY(lookup_at(AT_FDCWD, path, 0));
    return write_stat(user_stat, *inode);
}
Result<void> sys_lstat(UserPath path, UserPtr<fs::Stat> user_stat) {
    auto inode = TRY(lookup_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW));
    return write_stat(user_stat, *inode);
}
namespace {
// newfstatat and statx: a path from dirfd, or with AT_EMPTY_PATH and an empty path the
// descriptor itself, whatever it is (a pipe or a console has no inode in the tree).
Result<void> stat_at(int dirfd, UserPath user_path, u32 flags, fs::Stat& out) {
    if (flags & AT_EMPTY_PATH) {
        char first = 0;
        if (!user_path.is_null()) first = TRY(user_path.read());
        if (first == '\0' && dirfd != AT_FDCWD) {
            auto file = TRY(process().fds().get(dirfd));
            return file->stat(out);
        }
    }
    auto inode = TRY(stat_target(dirfd, user_path, flags));
    return inode->stat(out);
}
}  // namespace

Result<void> sys_newfstatat(int dirfd, UserPath path, UserPtr<fs::Stat> user_stat, u32 flags) {
    fs::Stat st;
    TRY(stat_at(dirfd, path, flags, st));
    return user_stat.write(st);
}

Result<void> sys_statx(int dirfd, UserPath path, u32 flags, u32 /*mask*/, UserPtr<Statx> user_statx) {
    fs::Stat st;
    TRY(stat_at(dirfd, path, flags, st));
    Statx x{};
    x.stx_mask = 0x7ff;  // STATX_BASIC_STATS
    x.stx_blksize = static_cast<u32>(st.st_blksize);
    x.stx_nlink = static_cast<u32>(st.st_nlink);
    x.stx_uid = st.st_uid;
    x.stx_gid = st.st_gid;
    x.stx_mode = static_cast<u16>(st.st_mode);
    x.stx_ino = st.st_ino;
    x.stx_size = static_cast<u64>(st.st_size);
    x.stx_blocks = static_cast<u64>(st.st_blocks);
    x.stx_atime = {static_cast<i64>(st.st_atime_sec), static_cast<u32>(st.st_atime_nsec), 0};
    x.stx_mtime = {static_cast<i64>(st.st_mtime_sec), static_cast<u32>(st.st_mtime_nsec), 0};
    x.stx_ctime = {static_cast<i64>(st.st_ctime_sec), static_cast<u32>(st.st_ctime_nsec), 0};
    x.stx_rdev_major = static_cast<u32>(st.st_rdev >> 8);
    x.stx_rdev_minor = static_cast<u32>(st.st_rdev & 0xff);
    x.stx_dev_major = static_cast<u32>(st.st_dev >> 8);
    x.stx_dev_minor = static_cast<u32>(st.st_dev & 0xff);
    return user_statx.write(x);
}

Result<void> sys_statfs(UserPath path, UserPtr<StatFs> user_statfs) {
    auto inode = TRY(lookup_at(AT_FDCWD, path, 0));
    return write_statfs(user_statfs, *inode);
}

Result<void> sys_fstatfs(int fd, UserPtr<StatFs> user_statfs) {
    auto file = TRY(process().fds().get(fd));
    auto* inode_file = fs::as_inode_file(*file);
    if (!inode_file) {
        StatFs s{};
        s.f_type = 0x50495045;  // PIPEFS_MAGIC, and the like for other special files
        s.f_bsize = 4096;
        s.f_namelen = fs::kNameMax;
        return user_statfs.write(s);
    }
    return write_statfs(user_statfs, inode_file->inode());
}

Result<u64> sys_mkdirat(int dirfd, UserPath path, u32 mode) { return do_mkdir(dirfd, path, mode); }
Result<u64> sys_mkdir(UserPath path, u32 mode) { return do_mkdir(AT_FDCWD, path, mode); }
Result<u64> sys_unlinkat(int dirfd, UserPath path, u32 flags) {
    if (flags & ~AT_REMOVEDIR) return Error(EINVAL);
    return do_unlink(dirfd, path, flags & AT_REMOVEDIR);
}
Result<u64> sys_unlink(UserPath path) { return do_unlink(AT_FDCWD, path, false); }
Result<u64> sys_rmdir(UserPath path) { return do_unlink(AT_FDCWD, path, true); }
Result<u64> sys_renameat2(int old_dirfd, UserPath old_path, int new_dirfd, UserPath new_path, u32 flags) {
    return do_rename(old_dirfd, old_path, new_dirfd, new_path, flags);
}
Result<u64> sys_renameat(int old_dirfd, UserPath old_path, int new_dirfd, UserPath new_path) {
    return do_rename(old_dirfd, old_path, new_dirfd, new_path, 0);
}
Result<u64> sys_rename(UserPath old_path, UserPath new_path) {
    return do_rename(AT_FDCWD, old_path, AT_FDCWD, new_path, 0);
}
Result<u64> sys_linkat(int old_dirfd, UserPath old_path, int new_dirfd, UserPath new_path, u32 flags) {
    return do_link(old_dirfd, old_path, new_dirfd, new_path, flags);
}
Result<u64> sys_link(UserPath old_path, UserPath new_path) { return do_link(AT_FDCWD, old_path, AT_FDCWD, new_path, 0); }
Result<u64> sys_mknodat(int dirfd, UserPath path, u32 mode, u64 device) { return do_mknod(dirfd, path, mode, device); }
Result<u64> sys_mknod(UserPath path, u32 mode, u64 device) { return do_mknod(AT_FDCWD, path, mode, device); }
Result<u64> sys_symlinkat(UserPath target, int dirfd, UserPath link) { return do_symlink(target, dirfd, link); }
Result<u64> sys_symlink(UserPath target, UserPath link) { return do_symlink(target, AT_FDCWD, link); }
// Linux takes the size as an int; Osprey checks all 64 bits (a size >= 2^31 is not negative).
Result<usize> sys_readlinkat(int dirfd, UserPath path, UserPtr<char> buffer, i64 size) {
    return do_readlink(dirfd, path, buffer, size);
}
Result<usize> sys_readlink(UserPath path, UserPtr<char> buffer, i64 size) {
    return do_readlink(AT_FDCWD, path, buffer, size);
}
Result<u64> sys_faccessat(int dirfd, UserPath path, int mode) { return do_access(dirfd, path, mode, 0); }
Result<u64> sys_faccessat2(int dirfd, UserPath path, int mode, u32 flags) { return do_access(dirfd, path, mode, flags); }
Result<u64> sys_access(UserPath path, int mode) { return do_access(AT_FDCWD, path, mode, 0); }

Result<u64> sys_chmod(UserPath path, u32 mode) { return do_chmod(TRY(lookup_at(AT_FDCWD, path, 0)), mode); }
Result<u64> sys_fchmodat(int dirfd, UserPath path, u32 mode) { return do_chmod(TRY(lookup_at(dirfd, path, 0)), mode); }
namespace {
// fchmod and fchown need a real open file: an O_PATH descriptor only names one.
Result<void> not_path_only(int fd) {
    auto file = TRY(process().fds().get(fd));
    if (file->status_flags() & fs::O_PATH) return Error(EBADF);
    return {};
}
}  // namespace

Result<u64> sys_fchmod(int fd, u32 mode) {
    TRY(not_path_only(fd));
    return do_chmod(TRY(lookup_at(fd, UserPath(), AT_EMPTY_PATH)), mode);
}
Result<u64> sys_chown(UserPath path, u32 uid, u32 gid) { return do_chown(TRY(lookup_at(AT_FDCWD, path, 0)), uid, gid); }
Result<u64> sys_lchown(UserPath path, u32 uid, u32 gid) {
    return do_chown(TRY(lookup_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)), uid, gid);
}
Result<u64> sys_fchownat(int dirfd, UserPath path, u32 uid, u32 gid, u32 flags) {
    return do_chown(TRY(lookup_at(dirfd, path, flags)), uid, gid);
}
Result<u64> sys_fchown(int fd, u32 uid, u32 gid) {
    TRY(not_path_only(fd));
    return do_chown(TRY(lookup_at(fd, UserPath(), AT_EMPTY_PATH)), uid, gid);
}

Result<void> sys_utimensat(int dirfd, UserPath path, UserPtr<Timespec> user_times, u32 flags) {
    constexpr i64 UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;
    Timespec times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    if (!user_times.is_null()) TRY(user_times.read_array(times, 2));
    for (auto& t : times)
        if (t.tv_nsec != UTIME_NOW && t.tv_nsec != UTIME_OMIT && (t.tv_nsec < 0 || t.tv_nsec >= 1000000000))
            return Error(EINVAL);
    // A null path: the descriptor itself (futimens).
    RefPtr<fs::Inode> inode = !path.is_null() ? TRY(lookup_at(dirfd, path, flags))
                                              : TRY(lookup_at(dirfd, UserPath(), AT_EMPTY_PATH));
    fs::Timestamp now = fs::now();
    fs::AttributeChange change;
    auto apply = [&](std::optional<fs::Timestamp>& field, const Timespec& t) {
        if (t.tv_nsec == UTIME_OMIT) return;
        field = t.tv_nsec == UTIME_NOW ? now : fs::Timestamp{t.tv_sec, t.tv_nsec};
    };
    apply(change.atime, times[0]);
    apply(change.mtime, times[1]);
    return inode->change_attributes(change);
}

Result<void> sys_truncate(UserPath path, i64 length) {
    if (length < 0) return Error(EINVAL);
    auto inode = TRY(lookup_at(AT_FDCWD, path, 0));
    if (inode->is_directory()) return Error(EISDIR);
    return inode->truncate(static_cast<u64>(length));
}

Result<void> sys_chdir(UserPath path) {
    auto inode = TRY(lookup_at(AT_FDCWD, path, 0));
    if (!inode->is_directory()) return Error(ENOTDIR);
    MutexLocker lock(process().fs_lock);
    process().cwd = inode;
    return {};
}

Result<void> sys_fchdir(int fd) {
    auto inode = TRY(lookup_at(fd, UserPath(), AT_EMPTY_PATH));
    if (!inode->is_directory()) return Error(ENOTDIR);
    MutexLocker lock(process().fs_lock);
    process().cwd = inode;
    return {};
}

Result<usize> sys_getcwd(UserPtr<char> buffer, usize size) {
    RefPtr<fs::Inode> cwd;
    {
        MutexLocker lock(process().fs_lock);
        cwd = process().cwd;
    }
    char path[fs::kPathMax];
    usize length = TRY(fs::path_of_directory(*cwd, path, sizeof path));
    if (length + 1 > size) return Error(ERANGE);
    TRY(buffer.write_array(path, length + 1));
    return length + 1;
}

}  // namespace linux_abi

// Extended attributes: Osprey's file systems keep none. Reads and listings say so (ENODATA,
// an empty list) after checking the file exists; setting one is not supported.
namespace linux_abi {

namespace {
Result<usize> no_attribute(RefPtr<fs::Inode>) { return Error(ENODATA); }
}  // namespace

Result<usize> sys_getxattr(UserPath path, UserPath /*name*/, UserPtr<u8> /*value*/, usize /*size*/) {
    return no_attribute(TRY(lookup_at(AT_FDCWD, path, 0)));
}
Result<usize> sys_lgetxattr(UserPath path, UserPath /*name*/, UserPtr<u8> /*value*/, usize /*size*/) {
    return no_attribute(TRY(lookup_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW)));
}
Result<usize> sys_fgetxattr(int fd, UserPath /*name*/, UserPtr<u8> /*value*/, usize /*size*/) {
    TRY(Process::current().fds().get(fd));
    return Error(ENODATA);
}
Result<usize> sys_listxattr(UserPath path, UserPtr<char> /*list*/, usize /*size*/) {
    TRY(lookup_at(AT_FDCWD, path, 0));
    return 0;
}
Result<usize> sys_llistxattr(UserPath path, UserPtr<char> /*list*/, usize /*size*/) {
    TRY(lookup_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW));
    return 0;
}
Result<usize> sys_flistxattr(int fd, UserPtr<char> /*list*/, usize /*size*/) {
    TRY(Process::current().fds().get(fd));
    return 0;
}
Result<void> sys_setxattr(UserPath path, UserPath /*name*/, UserPtr<const u8> /*value*/, usize /*size*/, int /*flags*/) {
    TRY(lookup_at(AT_FDCWD, path, 0));
    return Error(EOPNOTSUPP);
}
Result<void> sys_lsetxattr(UserPath path, UserPath /*name*/, UserPtr<const u8> /*value*/, usize /*size*/, int /*flags*/) {
    TRY(lookup_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW));
    return Error(EOPNOTSUPP);
}
Result<void> sys_fsetxattr(int fd, UserPath /*name*/, UserPtr<const u8> /*value*/, usize /*size*/, int /*flags*/) {
    TRY(Process::current().fds().get(fd));
    return Error(EOPNOTSUPP);
}

OSPREY_CALLS(open, openat, creat, stat, lstat, newfstatat, statx, statfs, fstatfs, mkdirat, mkdir, unlinkat, unlink,
             rmdir, renameat2, renameat, rename, linkat, link, symlinkat, symlink, readlinkat, readlink, faccessat,
             faccessat2, access, chmod, fchmodat, fchmod, chown, lchown, fchownat, fchown, utimensat, truncate, chdir,
             fchdir, getcwd, getxattr, lgetxattr, fgetxattr, listxattr, llistxattr, flistxattr, setxattr, lsetxattr,
             fsetxattr, mknodat, mknod)

}  // namespace linux_abi
