// Calls that name files by path: open, stat, directories, links, permissions, times.
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/vfs.h"
#include "linux/path_args.h"
#include "proc/process.h"
#include "linux/syscalls.h"
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
            return parent.directory->create(parent.last(), fs::InodeType::Regular, mode, Process::current().cred.fsuid,
                                            Process::current().cred.fsgid);
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
Result<u64> open_tmpfile(int dirfd, u64 user_path, u32 flags, u32 mode) {
    // As Linux: O_TMPFILE includes O_DIRECTORY, excludes O_CREAT, and needs write access.
    if ((flags & (O_TMPFILE | fs::O_CREAT)) != O_TMPFILE || !wants_write(flags))
        return Error(EINVAL);
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    auto directory = TRY(fs::resolve(*base, path->view(), true));
    if (!directory->is_directory()) return Error(ENOTDIR);
    auto inode = TRY(directory->create_unnamed(mode & ~current_umask() & 07777, process().cred.fsuid, process().cred.fsgid,
                                               !(flags & fs::O_EXCL)));
    auto file = TRY(inode->open(flags & (kKeptFlags | O_TMPFILE_ONLY)));
    // Linux names it "#ino" in the directory, and it reads as deleted.
    char name[24];
    text::format_into(name, sizeof name, "#{}", inode->ino());
    name_open_file(*file, fs::Dentry::create(directory, name, inode));
    return static_cast<u64>(TRY(process().fds().allocate(file, flags & fs::O_CLOEXEC)));
}

Result<u64> do_open(int dirfd, u64 user_path, u32 flags, u32 mode) {
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
            inode = TRY(parent.directory->create(parent.last(), fs::InodeType::Regular, mode & ~current_umask() & 07777,
                                                 process().cred.fsuid, process().cred.fsgid));
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
        // Linux truncates even for O_RDONLY when the caller could write the file.
        if ((flags & fs::O_TRUNC) && inode->type() == fs::InodeType::Regular && !created)
            TRY(inode->truncate(0));
    }
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

Result<void> write_stat(u64 user, fs::Inode& inode) {
    fs::Stat st;
    TRY(inode.stat(st));
    return UserPtr<fs::Stat>(user).write(st);
}

Result<RefPtr<fs::Inode>> stat_target(int dirfd, u64 user_path, u32 flags) {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | 0x6000)) return Error(EINVAL);
    return lookup_at(dirfd, user_path, flags);
}

struct StatFs {
    i64 f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
    i32 f_fsid[2];
    i64 f_namelen, f_frsize, f_flags, f_spare[4];
};
static_assert(sizeof(StatFs) == 120);

Result<void> write_statfs(u64 user, fs::Inode& inode) {
    fs::Filesystem& filesystem = inode.filesystem();
    StatFs s{};
    s.f_type = static_cast<i64>(filesystem.magic());
    s.f_bsize = 4096;
    s.f_frsize = 4096;
    s.f_blocks = static_cast<i64>(filesystem.blocks_total());
    s.f_bfree = static_cast<i64>(filesystem.blocks_free());
    s.f_bavail = s.f_bfree;
    s.f_files = s.f_blocks;
    s.f_ffree = s.f_bfree;
    s.f_fsid[0] = static_cast<i32>(filesystem.device());
    s.f_namelen = fs::kNameMax;
    s.f_flags = 0x20;  // ST_NOATIME... relatime-like: reported as in /proc/mounts
    return UserPtr<StatFs>(user).write(s);
}

Result<u64> do_mkdir(int dirfd, u64 user_path, u32 mode) {
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, path->view(), parent));
    if (parent.last() == "." || parent.last() == "..") return Error(EEXIST);
    TRY(parent.directory->create(parent.last(), fs::InodeType::Directory, mode & ~current_umask() & 07777,
                                 process().cred.fsuid, process().cred.fsgid));
    return 0;
}

Result<u64> do_unlink(int dirfd, u64 user_path, bool directory) {
    auto path = TRY(read_path(user_path));
    auto base = TRY(base_for(dirfd, *path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, path->view(), parent));
    if (parent.last() == ".") return Error(EINVAL);
    if (parent.last() == "..") return Error(ENOTEMPTY);
    if (parent.trailing_slash && !directory) {
        auto target = TRY(parent.directory->lookup(parent.last()));
        return Error(target->is_directory() ? EISDIR : ENOTDIR);
    }
    TRY(parent.directory->unlink(parent.last(), directory));
    return 0;
}

Result<u64> do_rename(int old_dirfd, u64 old_user, int new_dirfd, u64 new_user, u32 flags) {
    auto old_path = TRY(read_path(old_user));
    auto new_path = TRY(read_path(new_user));
    auto old_base = TRY(base_for(old_dirfd, *old_path));
    auto new_base = TRY(base_for(new_dirfd, *new_path));
    fs::ParentPath from, to;
    TRY(fs::resolve_parent(*old_base, old_path->view(), from));
    TRY(fs::resolve_parent(*new_base, new_path->view(), to));
    if (from.last() == "." || from.last() == ".." || to.last() == "." || to.last() == "..") return Error(EBUSY);
    if (&from.directory->filesystem() != &to.directory->filesystem()) return Error(EXDEV);
    if (from.trailing_slash || to.trailing_slash) {
        auto source = TRY(from.directory->lookup(from.last()));
        if (!source->is_directory()) return Error(ENOTDIR);
    }
    TRY(from.directory->rename(from.last(), *to.directory, to.last(), flags));
    return 0;
}

Result<u64> do_link(int old_dirfd, u64 old_user, int new_dirfd, u64 new_user, u32 flags) {
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return Error(EINVAL);
    auto target = TRY(lookup_at(old_dirfd, old_user, flags, false));
    if (target->is_directory()) return Error(EPERM);
    auto new_path = TRY(read_path(new_user));
    auto base = TRY(base_for(new_dirfd, *new_path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, new_path->view(), parent));
    if (parent.trailing_slash) return Error(ENOENT);
    TRY(parent.directory->link(parent.last(), *target));
    return 0;
}

Result<u64> do_symlink(u64 target_user, int dirfd, u64 link_user) {
    auto target = TRY(read_path(target_user));
    auto link_path = TRY(read_path(link_user));
    auto base = TRY(base_for(dirfd, *link_path));
    fs::ParentPath parent;
    TRY(fs::resolve_parent(*base, link_path->view(), parent));
    if (parent.trailing_slash) return Error(ENOENT);
    TRY(parent.directory->symlink(parent.last(), target->view(), process().cred.fsuid, process().cred.fsgid));
    return 0;
}

Result<u64> do_readlink(int dirfd, u64 user_path, u64 user_buffer, i64 size) {
    if (size <= 0) return Error(EINVAL);
    auto inode = TRY(lookup_at(dirfd, user_path, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH));
    if (inode->type() != fs::InodeType::Symlink) return Error(EINVAL);
    char target[fs::kPathMax];
    usize length = TRY(inode->readlink(target, sizeof target));
    usize n = length < static_cast<u64>(size) ? length : static_cast<u64>(size);
    TRY(user_memory::copy_to(user_buffer, target, n));
    return n;
}

Result<u64> do_access(int dirfd, u64 user_path, int mode, u32 flags) {
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
    MutexLocker lock(inode->m_lock);
    inode->m_permissions = mode & 07777;
    inode->touch_changed();
    return 0;
}

Result<u64> do_chown(RefPtr<fs::Inode> inode, u32 uid, u32 gid) {
    if (process().cred.euid != 0) return Error(EPERM);
    MutexLocker lock(inode->m_lock);
    if (uid != ~0u) inode->m_uid = uid;
    if (gid != ~0u) inode->m_gid = gid;
    // A change of owner drops set-user-ID, and set-group-ID when the group can execute.
    if (inode->type() == fs::InodeType::Regular && (uid != ~0u || gid != ~0u)) {
        inode->m_permissions &= ~04000u;
        if (inode->m_permissions & 010) inode->m_permissions &= ~02000u;
    }
    inode->touch_changed();
    return 0;
}

}  // namespace

Result<u64> sys_openat(SyscallArgs& args) { return do_open(args.fd(0), args[1], static_cast<u32>(args[2]), static_cast<u32>(args[3])); }
Result<u64> sys_open(SyscallArgs& args) { return do_open(AT_FDCWD, args[0], static_cast<u32>(args[1]), static_cast<u32>(args[2])); }
Result<u64> sys_creat(SyscallArgs& args) {
    return do_open(AT_FDCWD, args[0], fs::O_CREAT | fs::O_WRONLY | fs::O_TRUNC, static_cast<u32>(args[1]));
}

Result<u64> sys_stat(SyscallArgs& args) {
    auto inode = TRY(lookup_at(AT_FDCWD, args[0], 0));
    TRY(write_stat(args[1], *inode));
    return 0;
}
Result<u64> sys_lstat(SyscallArgs& args) {
    auto inode = TRY(lookup_at(AT_FDCWD, args[0], AT_SYMLINK_NOFOLLOW));
    TRY(write_stat(args[1], *inode));
    return 0;
}
namespace {
// newfstatat and statx: a path from dirfd, or with AT_EMPTY_PATH and an empty path the
// descriptor itself, whatever it is (a pipe or a console has no inode in the tree).
Result<void> stat_at(int dirfd, u64 user_path, u32 flags, fs::Stat& out) {
    if (flags & AT_EMPTY_PATH) {
        char first = 0;
        if (user_path) TRY(user_memory::copy_from(&first, user_path, 1));
        if (first == '\0' && dirfd != AT_FDCWD) {
            auto file = TRY(process().fds().get(dirfd));
            return file->stat(out);
        }
    }
    auto inode = TRY(stat_target(dirfd, user_path, flags));
    return inode->stat(out);
}
}  // namespace

Result<u64> sys_newfstatat(SyscallArgs& args) {
    fs::Stat st;
    TRY(stat_at(args.fd(0), args[1], static_cast<u32>(args[3]), st));
    TRY(args.ptr<fs::Stat>(2).write(st));
    return 0;
}

Result<u64> sys_statx(SyscallArgs& args) {
    fs::Stat st;
    TRY(stat_at(args.fd(0), args[1], static_cast<u32>(args[2]), st));
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
    TRY(args.ptr<Statx>(4).write(x));
    return 0;
}

Result<u64> sys_statfs(SyscallArgs& args) {
    auto inode = TRY(lookup_at(AT_FDCWD, args[0], 0));
    TRY(write_statfs(args[1], *inode));
    return 0;
}

Result<u64> sys_fstatfs(SyscallArgs& args) {
    auto file = TRY(process().fds().get(args.fd(0)));
    auto* inode_file = fs::as_inode_file(*file);
    if (!inode_file) {
        StatFs s{};
        s.f_type = 0x50495045;  // PIPEFS_MAGIC, and the like for other special files
        s.f_bsize = 4096;
        s.f_namelen = fs::kNameMax;
        TRY(args.ptr<StatFs>(1).write(s));
        return 0;
    }
    TRY(write_statfs(args[1], inode_file->inode()));
    return 0;
}

Result<u64> sys_mkdirat(SyscallArgs& args) { return do_mkdir(args.fd(0), args[1], static_cast<u32>(args[2])); }
Result<u64> sys_mkdir(SyscallArgs& args) { return do_mkdir(AT_FDCWD, args[0], static_cast<u32>(args[1])); }
Result<u64> sys_unlinkat(SyscallArgs& args) {
    u32 flags = static_cast<u32>(args[2]);
    if (flags & ~AT_REMOVEDIR) return Error(EINVAL);
    return do_unlink(args.fd(0), args[1], flags & AT_REMOVEDIR);
}
Result<u64> sys_unlink(SyscallArgs& args) { return do_unlink(AT_FDCWD, args[0], false); }
Result<u64> sys_rmdir(SyscallArgs& args) { return do_unlink(AT_FDCWD, args[0], true); }
Result<u64> sys_renameat2(SyscallArgs& args) {
    return do_rename(args.fd(0), args[1], args.fd(2), args[3], static_cast<u32>(args[4]));
}
Result<u64> sys_renameat(SyscallArgs& args) { return do_rename(args.fd(0), args[1], args.fd(2), args[3], 0); }
Result<u64> sys_rename(SyscallArgs& args) { return do_rename(AT_FDCWD, args[0], AT_FDCWD, args[1], 0); }
Result<u64> sys_linkat(SyscallArgs& args) {
    return do_link(args.fd(0), args[1], args.fd(2), args[3], static_cast<u32>(args[4]));
}
Result<u64> sys_link(SyscallArgs& args) { return do_link(AT_FDCWD, args[0], AT_FDCWD, args[1], 0); }
Result<u64> sys_symlinkat(SyscallArgs& args) { return do_symlink(args[0], args.fd(1), args[2]); }
Result<u64> sys_symlink(SyscallArgs& args) { return do_symlink(args[0], AT_FDCWD, args[1]); }
Result<u64> sys_readlinkat(SyscallArgs& args) {
    return do_readlink(args.fd(0), args[1], args[2], static_cast<i64>(args[3]));
}
Result<u64> sys_readlink(SyscallArgs& args) { return do_readlink(AT_FDCWD, args[0], args[1], static_cast<i64>(args[2])); }
Result<u64> sys_faccessat(SyscallArgs& args) { return do_access(args.fd(0), args[1], args.i32_arg(2), 0); }
Result<u64> sys_faccessat2(SyscallArgs& args) {
    return do_access(args.fd(0), args[1], args.i32_arg(2), static_cast<u32>(args[3]));
}
Result<u64> sys_access(SyscallArgs& args) { return do_access(AT_FDCWD, args[0], args.i32_arg(1), 0); }

Result<u64> sys_chmod(SyscallArgs& args) { return do_chmod(TRY(lookup_at(AT_FDCWD, args[0], 0)), static_cast<u32>(args[1])); }
Result<u64> sys_fchmodat(SyscallArgs& args) {
    return do_chmod(TRY(lookup_at(args.fd(0), args[1], 0)), static_cast<u32>(args[2]));
}
namespace {
// fchmod and fchown need a real open file: an O_PATH descriptor only names one.
Result<void> not_path_only(int fd) {
    auto file = TRY(process().fds().get(fd));
    if (file->status_flags() & fs::O_PATH) return Error(EBADF);
    return {};
}
}  // namespace

Result<u64> sys_fchmod(SyscallArgs& args) {
    TRY(not_path_only(args.fd(0)));
    return do_chmod(TRY(lookup_at(args.fd(0), 0, AT_EMPTY_PATH)), static_cast<u32>(args[1]));
}
Result<u64> sys_chown(SyscallArgs& args) {
    return do_chown(TRY(lookup_at(AT_FDCWD, args[0], 0)), static_cast<u32>(args[1]), static_cast<u32>(args[2]));
}
Result<u64> sys_lchown(SyscallArgs& args) {
    return do_chown(TRY(lookup_at(AT_FDCWD, args[0], AT_SYMLINK_NOFOLLOW)), static_cast<u32>(args[1]),
                    static_cast<u32>(args[2]));
}
Result<u64> sys_fchownat(SyscallArgs& args) {
    return do_chown(TRY(lookup_at(args.fd(0), args[1], static_cast<u32>(args[4]))), static_cast<u32>(args[2]),
                    static_cast<u32>(args[3]));
}
Result<u64> sys_fchown(SyscallArgs& args) {
    TRY(not_path_only(args.fd(0)));
    return do_chown(TRY(lookup_at(args.fd(0), 0, AT_EMPTY_PATH)), static_cast<u32>(args[1]), static_cast<u32>(args[2]));
}

Result<u64> sys_utimensat(SyscallArgs& args) {
    constexpr i64 UTIME_NOW = (1 << 30) - 1, UTIME_OMIT = (1 << 30) - 2;
    struct Timespec {
        i64 tv_sec, tv_nsec;
    } times[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
    if (args[2]) TRY(args.ptr<Timespec>(2).read_array(times, 2));
    for (auto& t : times)
        if (t.tv_nsec != UTIME_NOW && t.tv_nsec != UTIME_OMIT && (t.tv_nsec < 0 || t.tv_nsec >= 1000000000))
            return Error(EINVAL);
    u32 flags = static_cast<u32>(args[3]);
    RefPtr<fs::Inode> inode = args[1] ? TRY(lookup_at(args.fd(0), args[1], flags))
                                      : TRY(lookup_at(args.fd(0), 0, AT_EMPTY_PATH));
    MutexLocker lock(inode->m_lock);
    fs::Timestamp now = fs::now();
    auto apply = [&](fs::Timestamp& field, const Timespec& t) {
        if (t.tv_nsec == UTIME_OMIT) return;
        field = t.tv_nsec == UTIME_NOW ? now : fs::Timestamp{t.tv_sec, t.tv_nsec};
    };
    apply(inode->m_atime, times[0]);
    apply(inode->m_mtime, times[1]);
    inode->m_ctime = now;
    return 0;
}

Result<u64> sys_truncate(SyscallArgs& args) {
    if (static_cast<i64>(args[1]) < 0) return Error(EINVAL);
    auto inode = TRY(lookup_at(AT_FDCWD, args[0], 0));
    if (inode->is_directory()) return Error(EISDIR);
    TRY(inode->truncate(args[1]));
    return 0;
}

Result<u64> sys_chdir(SyscallArgs& args) {
    auto inode = TRY(lookup_at(AT_FDCWD, args[0], 0));
    if (!inode->is_directory()) return Error(ENOTDIR);
    MutexLocker lock(process().fs_lock);
    process().cwd = inode;
    return 0;
}

Result<u64> sys_fchdir(SyscallArgs& args) {
    auto inode = TRY(lookup_at(args.fd(0), 0, AT_EMPTY_PATH));
    if (!inode->is_directory()) return Error(ENOTDIR);
    MutexLocker lock(process().fs_lock);
    process().cwd = inode;
    return 0;
}

Result<u64> sys_getcwd(SyscallArgs& args) {
    RefPtr<fs::Inode> cwd;
    {
        MutexLocker lock(process().fs_lock);
        cwd = process().cwd;
    }
    char path[fs::kPathMax];
    usize length = TRY(fs::path_of_directory(*cwd, path, sizeof path));
    if (length + 1 > args[1]) return Error(ERANGE);
    TRY(user_memory::copy_to(args[0], path, length + 1));
    return length + 1;
}

}  // namespace linux_abi

// Extended attributes: Osprey's file systems keep none. Reads and listings say so (ENODATA,
// an empty list) after checking the file exists; setting one is not supported.
namespace linux_abi {

namespace {
Result<u64> no_attribute(RefPtr<fs::Inode>) { return Error(ENODATA); }
}  // namespace

Result<u64> sys_getxattr(SyscallArgs& args) { return no_attribute(TRY(lookup_at(AT_FDCWD, args[0], 0))); }
Result<u64> sys_lgetxattr(SyscallArgs& args) { return no_attribute(TRY(lookup_at(AT_FDCWD, args[0], AT_SYMLINK_NOFOLLOW))); }
Result<u64> sys_fgetxattr(SyscallArgs& args) {
    TRY(Process::current().fds().get(args.fd(0)));
    return Error(ENODATA);
}
Result<u64> sys_listxattr(SyscallArgs& args) {
    TRY(lookup_at(AT_FDCWD, args[0], 0));
    return 0;
}
Result<u64> sys_llistxattr(SyscallArgs& args) {
    TRY(lookup_at(AT_FDCWD, args[0], AT_SYMLINK_NOFOLLOW));
    return 0;
}
Result<u64> sys_flistxattr(SyscallArgs& args) {
    TRY(Process::current().fds().get(args.fd(0)));
    return 0;
}
Result<u64> sys_setxattr(SyscallArgs& args) {
    TRY(lookup_at(AT_FDCWD, args[0], 0));
    return Error(EOPNOTSUPP);
}
Result<u64> sys_lsetxattr(SyscallArgs& args) {
    TRY(lookup_at(AT_FDCWD, args[0], AT_SYMLINK_NOFOLLOW));
    return Error(EOPNOTSUPP);
}
Result<u64> sys_fsetxattr(SyscallArgs& args) {
    TRY(Process::current().fds().get(args.fd(0)));
    return Error(EOPNOTSUPP);
}

}  // namespace linux_abi
