#include "linux/path_args.h"

#include <new>

#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "proc/process.h"
#include "mm/heap.h"

namespace linux_abi {

using proc::Process;

Result<void> copy_path(UserPath user_path, PathArg& out, bool allow_empty) {
    out.length = TRY(user_memory::copy_string(out.text, sizeof out.text, user_path.address()));
    if (out.length == 0 && !allow_empty) return Error(ENOENT);
    return {};
}

Result<OwnPtr<PathArg>> read_path(UserPath user_path, bool allow_empty) {
    auto path = OwnPtr<PathArg>::make();
    if (!path) return Error(ENOMEM);
    TRY(copy_path(user_path, *path, allow_empty));
    return path;
}

Result<RefPtr<fs::Inode>> base_for(int dirfd, const PathArg& path) {
    if (path.length && path.text[0] == '/') return fs::root();
    return start_directory(dirfd);
}

Result<RefPtr<fs::Inode>> start_directory(int dirfd) {
    Process& process = Process::current();
    if (dirfd == AT_FDCWD) return process.working_directory();
    auto file = TRY(process.fds().get(dirfd));
    auto* inode_file = fs::as_inode_file(*file);
    if (!inode_file) return Error(ENOTDIR);
    return inode_file->inode_ref();
}

Result<RefPtr<fs::Inode>> lookup_at(int dirfd, UserPath user_path, u32 flags, bool follow_default) {
    // The path buffer is 4 KiB: from the heap, not the kernel stack.
    auto* path = new (std::nothrow) PathArg;
    if (!path) return Error(ENOMEM);
    struct Free {
        PathArg* p;
        ~Free() { delete p; }
    } free_path{path};
    if (user_path.is_null() && (flags & AT_EMPTY_PATH)) path->length = 0;  // the descriptor itself (fchdir, futimens)
    else TRY(copy_path(user_path, *path, flags & AT_EMPTY_PATH));
    if (path->empty()) {
        if (dirfd == AT_FDCWD) return start_directory(dirfd);
        auto file = TRY(Process::current().fds().get(dirfd));
        auto* inode_file = fs::as_inode_file(*file);
        if (!inode_file) return Error(ENOTDIR);  // FIXME: fstat-like use of pipes goes through fstat
        return inode_file->inode_ref();
    }
    bool follow = follow_default ? !(flags & AT_SYMLINK_NOFOLLOW) : (flags & AT_SYMLINK_FOLLOW);
    RefPtr<fs::Inode> start;
    if (path->text[0] != '/') start = TRY(start_directory(dirfd));
    else start = fs::root();
    return fs::resolve(*start, path->view(), follow);
}

}  // namespace linux_abi
