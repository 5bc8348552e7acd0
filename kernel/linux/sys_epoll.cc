// epoll_create, epoll_ctl, epoll_wait and epoll_pwait, over fs/epoll.
#include "arch/x86_64/cpu.h"
#include "fs/epoll.h"
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "proc/process.h"
#include "linux/syscalls.h"
#include "linux/temporary_mask.h"
#include "sched/clock.h"

namespace linux_abi {

using proc::Process;

namespace {

constexpr int kMaxEvents = 0x7fffffff / sizeof(fs::EpollEvent);

Result<u64> create(u32 flags) {
    auto epoll = TRY(fs::create_epoll(flags));
    return static_cast<u64>(TRY(Process::current().fds().allocate(epoll, flags & fs::O_CLOEXEC)));
}

Result<u64> wait(SyscallArgs& args, int timeout_ms) {
    auto file = TRY(Process::current().fds().get(args.fd(0)));
    if (!fs::is_epoll(*file)) return Error(EINVAL);
    int max = args.i32_arg(2);
    if (max <= 0 || max > kMaxEvents) return Error(EINVAL);
    if (!user_memory::range_ok(args[1], static_cast<u64>(max) * sizeof(fs::EpollEvent))) return Error(EFAULT);
    u64 deadline = 0;
    if (timeout_ms == 0) deadline = ~0ull;
    if (timeout_ms > 0) deadline = cpu::rdtsc() + ktime::ns_to_tsc(static_cast<u64>(timeout_ms) * 1000000);
    return TRY(fs::epoll_wait(*file, args[1], static_cast<usize>(max), deadline));
}

}  // namespace

Result<u64> sys_epoll_create(SyscallArgs& args) {
    if (args.i32_arg(0) <= 0) return Error(EINVAL);
    return create(0);
}

Result<u64> sys_epoll_create1(SyscallArgs& args) { return create(static_cast<u32>(args[0])); }

Result<u64> sys_epoll_ctl(SyscallArgs& args) {
    auto& table = Process::current().fds();
    auto epoll = TRY(table.get(args.fd(0)));
    int fd = args.fd(2);
    auto target = TRY(table.get(fd));
    if (!fs::is_epoll(*epoll)) return Error(EINVAL);
    // Regular files and directories are always ready: Linux refuses to watch them.
    if (auto* inode_file = fs::as_inode_file(*target);
        inode_file && (inode_file->inode().type() == fs::InodeType::Regular || inode_file->inode().is_directory()))
        return Error(EPERM);
    int op = args.i32_arg(1);
    fs::EpollEvent event{};
    if (op != fs::EPOLL_CTL_DEL) event = TRY(args.ptr<fs::EpollEvent>(3).read());
    TRY(fs::epoll_ctl(*epoll, op, fd, target, event));
    return 0;
}

Result<u64> sys_epoll_wait(SyscallArgs& args) { return wait(args, args.i32_arg(3)); }

// The signal mask argument (args 4, 5) applies for the duration of the wait.
Result<u64> sys_epoll_pwait(SyscallArgs& args) {
    if (!args[4]) return wait(args, args.i32_arg(3));
    if (args[5] != sizeof(u64)) return Error(EINVAL);
    u64 mask = TRY(args.ptr<u64>(4).read());
    return with_temporary_mask(mask, [&] { return wait(args, args.i32_arg(3)); });
}

}  // namespace linux_abi
