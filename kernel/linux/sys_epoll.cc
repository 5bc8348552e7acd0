// epoll_create, epoll_ctl, epoll_wait and epoll_pwait, over fs/epoll.
#include "arch/x86_64/cpu.h"
#include "fs/epoll.h"
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"
#include "linux/temporary_mask.h"
#include "sched/clock.h"

namespace linux_abi {

using proc::Process;

namespace {

constexpr int kMaxEvents = 0x7fffffff / sizeof(fs::EpollEvent);

Result<int> create(u32 flags) {
    auto epoll = TRY(fs::create_epoll(flags));
    return Process::current().fds().allocate(epoll, flags & fs::O_CLOEXEC);
}

Result<u64> wait(int epfd, UserPtr<fs::EpollEvent> events, int max, int timeout_ms) {
    auto file = TRY(Process::current().fds().get(epfd));
    if (!fs::is_epoll(*file)) return Error(EINVAL);
    if (max <= 0 || max > kMaxEvents) return Error(EINVAL);
    if (!user_memory::range_ok(events.address(), static_cast<u64>(max) * sizeof(fs::EpollEvent))) return Error(EFAULT);
    u64 deadline = 0;
    if (timeout_ms == 0) deadline = ~0ull;
    if (timeout_ms > 0) deadline = cpu::rdtsc() + ktime::ns_to_tsc(static_cast<u64>(timeout_ms) * 1000000);
    return TRY(fs::epoll_wait(*file, events.address(), static_cast<usize>(max), deadline));
}

}  // namespace

Result<int> sys_epoll_create(int size) {
    if (size <= 0) return Error(EINVAL);
    return create(0);
}

Result<int> sys_epoll_create1(u32 flags) { return create(flags); }

Result<void> sys_epoll_ctl(int epfd, int op, int fd, UserPtr<fs::EpollEvent> user_event) {
    auto& table = Process::current().fds();
    auto epoll = TRY(table.get(epfd));
    auto target = TRY(table.get(fd));
    if (!fs::is_epoll(*epoll)) return Error(EINVAL);
    // Regular files and directories are always ready: Linux refuses to watch them.
    if (auto* inode_file = fs::as_inode_file(*target);
        inode_file && (inode_file->inode().type() == fs::InodeType::Regular || inode_file->inode().is_directory()))
        return Error(EPERM);
    fs::EpollEvent event{};
    if (op != fs::EPOLL_CTL_DEL) event = TRY(user_event.read());
    return fs::epoll_ctl(*epoll, op, fd, target, event);
}

Result<u64> sys_epoll_wait(int epfd, UserPtr<fs::EpollEvent> events, int max, int timeout_ms) {
    return wait(epfd, events, max, timeout_ms);
}

// The signal mask applies for the duration of the wait.
Result<u64> sys_epoll_pwait(int epfd, UserPtr<fs::EpollEvent> events, int max, int timeout_ms, UserPtr<u64> mask,
                            u64 mask_size) {
    if (mask.is_null()) return wait(epfd, events, max, timeout_ms);
    if (mask_size != sizeof(u64)) return Error(EINVAL);
    u64 blocked = TRY(mask.read());
    return with_temporary_mask(blocked, [&] { return wait(epfd, events, max, timeout_ms); });
}

OSPREY_CALLS(epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait)

}  // namespace linux_abi
