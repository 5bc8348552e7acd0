// The directory tree: the root file system, mounts, and path resolution with Linux
// semantics (absolute and relative paths, "." and "..", symlinks followed up to 40 deep,
// ENOTDIR/ENOENT/ENAMETOOLONG/ELOOP as Linux reports them). Magic links (/proc/self/fd/N)
// lead to the open file's inode, whatever its name or lack of one.
#pragma once

#include "fs/dentry.h"
#include "fs/inode.h"

namespace fs {

// Sets up "/" (the root file system).
Result<void> init_root(RefPtr<Inode> root);
RefPtr<Inode> root();
// How a mount behaves (mount(2)'s flags). read_only is the file system's own to carry out
// (9p takes it when made); no_exec and no_dev are set on it here (Filesystem::no_exec).
struct MountFlags {
    bool read_only = false;
    bool no_exec = false;
    bool no_dev = false;
};
// Mounts a file system on an existing directory (one place per file system: EBUSY).
Result<void> mount(std::string_view path, Filesystem& filesystem);
Result<void> mount_on(RefPtr<Inode> directory, Filesystem& filesystem, MountFlags flags = {});
// Takes off the file system whose root is `mounted_root` (what a path to its mount point
// leads to): EINVAL when that is no mount (or is "/"), EBUSY when another mount sits
// inside or on it, or `busy` says something still uses it. Files open in it keep working;
// new paths no longer lead there.
Result<void> unmount(Inode& mounted_root, bool (*busy)(Filesystem& filesystem));

struct MountInfo {
    const char* path;
    Filesystem* filesystem;
};
// The mounts in order ("/" first), for /proc/mounts.
usize mounts(MountInfo* out, usize capacity);

// Resolves `path` relative to `start` (ignored for absolute paths). follow_last: whether a
// final symlink is followed (open without O_NOFOLLOW, stat) or returned (lstat, readlink).
// name_out, when given: the name the inode was reached by (null for a directory reached by
// ".", ".." or a trailing slash; its path comes from the tree).
Result<RefPtr<Inode>> resolve(Inode& start, std::string_view path, bool follow_last = true,
                              RefPtr<Dentry>* name_out = nullptr);

// For calls that create or remove a name: the directory that holds the last component,
// and that component (trailing slashes mean it must be a directory).
struct ParentPath {
    RefPtr<Inode> directory;
    char name[kNameMax + 1];
    usize name_length = 0;
    bool trailing_slash = false;
    std::string_view last() const { return {name, name_length}; }
};
Result<void> resolve_parent(Inode& start, std::string_view path, ParentPath& out);

// The absolute path of a directory (getcwd), or of an inode whose directory is known.
Result<usize> path_of_directory(Inode& directory, char* out, usize capacity);

// The path of the file a name leads to, as /proc/self/fd and /proc/self/maps print it:
// the directory's path, then the name; a file renamed since is looked for where it is now;
// " (deleted)" follows when it has no name left (Linux's d_path). Not NUL-terminated.
Result<usize> path_of(const Dentry& name, char* out, usize capacity);

// A path of `inode` found by searching the tree of its file system from where it is mounted
// (bounded; other mounts are not entered). ENOENT when there is none.
Result<usize> search_path(Inode& inode, char* out, usize capacity);

}  // namespace fs
