// flock(2), over fs/locks.
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/locks.h"
#include "proc/process.h"
#include "linux/syscalls.h"

namespace linux_abi {

using proc::Process;

Result<u64> sys_flock(SyscallArgs& args) {
    constexpr int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
    auto file = TRY(Process::current().fds().get(args.fd(0)));
    auto* inode_file = fs::as_inode_file(*file);
    if (!inode_file) return Error(EINVAL);
    int op = args.i32_arg(1);
    int kind = op & ~LOCK_NB;
    if (kind == LOCK_UN) {
        TRY(fs::unlock(inode_file->inode(), file.get(), fs::LockSpace::Flock, 0, ~0ull));
        return 0;
    }
    if (kind != LOCK_SH && kind != LOCK_EX) return Error(EINVAL);
    fs::LockRequest request{fs::LockSpace::Flock, kind == LOCK_EX, 0, ~0ull};
    TRY(fs::lock(inode_file->inode(), file.get(), request, !(op & LOCK_NB)));
    return 0;
}

}  // namespace linux_abi
