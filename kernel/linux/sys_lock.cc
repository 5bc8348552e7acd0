// flock(2), over fs/locks.
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/locks.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

using proc::Process;

Result<void> sys_flock(int fd, int op) {
    constexpr int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    auto file = TRY(Process::current().fds().get(fd));
    auto* inode_file = fs::as_inode_file(*file);
    if (!inode_file) return Error(EINVAL);
    int kind = op & ~LOCK_NB;
    if (kind == LOCK_UN) return fs::unlock(inode_file->inode(), file.get(), fs::LockSpace::Flock, 0, ~0ull);
    if (kind != LOCK_SH && kind != LOCK_EX) return Error(EINVAL);
    fs::LockRequest request{fs::LockSpace::Flock, kind == LOCK_EX, 0, ~0ull};
    return fs::lock(inode_file->inode(), file.get(), request, !(op & LOCK_NB));
}

OSPREY_CALLS(flock)

}  // namespace linux_abi
