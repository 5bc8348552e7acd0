// Path arguments of the *at() system calls: copying the path in, and the directory a
// relative path starts from (AT_FDCWD or a directory descriptor).
#pragma once

#include "fs/inode.h"
#include "fs/vfs.h"
#include "lib/own_ptr.h"
#include "linux/syscall.h"

namespace linux_abi {

constexpr int AT_FDCWD = -100;
constexpr u32 AT_SYMLINK_NOFOLLOW = 0x100, AT_REMOVEDIR = 0x200, AT_SYMLINK_FOLLOW = 0x400, AT_NO_AUTOMOUNT = 0x800,
              AT_EMPTY_PATH = 0x1000, AT_EACCESS = 0x200;

// A NUL-terminated path in the application's memory, as the calls take it.
using UserPath = UserPtr<const char>;

struct PathArg {
    char text[fs::kPathMax];
    usize length = 0;
    std::string_view view() const { return {text, length}; }
    bool empty() const { return length == 0; }
};

// Copies a user path: EFAULT, ENAMETOOLONG; an empty path is ENOENT unless allowed.
Result<void> copy_path(UserPath user_path, PathArg& out, bool allow_empty = false);
// The same into a heap buffer (4 KiB is too much for a kernel stack).
Result<OwnPtr<PathArg>> read_path(UserPath user_path, bool allow_empty = false);
// The directory to resolve `path` from: the root for absolute paths, else dirfd's.
Result<RefPtr<fs::Inode>> base_for(int dirfd, const PathArg& path);

// The directory a relative path starts from.
Result<RefPtr<fs::Inode>> start_directory(int dirfd);

// The inode `path` names from `dirfd` (AT_EMPTY_PATH: the descriptor's own inode, also
// for a null path).
Result<RefPtr<fs::Inode>> lookup_at(int dirfd, UserPath user_path, u32 flags, bool follow_default = true);

}  // namespace linux_abi
