// Memory: brk, mmap and friends, over the process's AddressSpace.
#include "fs/fd_table.h"
#include "linux/address_space.h"
#include "linux/process.h"
#include "linux/syscalls.h"

namespace linux_abi {

Result<u64> sys_brk(SyscallArgs& args) { return Process::current().memory().brk(args[0]); }

Result<u64> sys_mmap(SyscallArgs& args) {
    u32 flags = static_cast<u32>(args[3]);
    int fd = args.fd(4);
    if (!(flags & MAP_ANONYMOUS)) {
        // File mappings need the file layer (issue 7); descriptors today are consoles,
        // pipes and the like, which cannot be mapped.
        TRY(Process::current().fds().get(fd));
        return Error(ENODEV);
    }
    return Process::current().memory().mmap(args[0], args[1], static_cast<u32>(args[2]), flags, nullptr, 0);
}

Result<u64> sys_munmap(SyscallArgs& args) {
    TRY(Process::current().memory().munmap(args[0], args[1]));
    return 0;
}

Result<u64> sys_mprotect(SyscallArgs& args) {
    constexpr u32 PROT_GROWSDOWN = 0x01000000, PROT_GROWSUP = 0x02000000;
    u32 prot = static_cast<u32>(args[2]) & ~(PROT_GROWSDOWN | PROT_GROWSUP);
    TRY(Process::current().memory().mprotect(args[0], args[1], prot));
    return 0;
}

Result<u64> sys_madvise(SyscallArgs& args) {
    TRY(Process::current().memory().madvise(args[0], args[1], args.i32_arg(2)));
    return 0;
}

Result<u64> sys_mremap(SyscallArgs& args) {
    return Process::current().memory().mremap(args[0], args[1], args[2], static_cast<u32>(args[3]), args[4]);
}

// Memory is never swapped out: locking a range means backing it now.
Result<u64> sys_mlock(SyscallArgs& args) {
    u64 start = align_down(args[0], 4096);
    u64 end = align_up(args[0] + args[1], 4096);
    if (end < start) return Error(EINVAL);
    TRY(Process::current().memory().populate(start, end));
    return 0;
}

Result<u64> sys_munlock(SyscallArgs& args) {
    if (args[0] + args[1] < args[0]) return Error(EINVAL);
    return 0;
}

}  // namespace linux_abi
