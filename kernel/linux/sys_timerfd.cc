// timerfd_create, timerfd_settime, timerfd_gettime (fs/timerfd).
#include "fs/fd_table.h"
#include "fs/timerfd.h"
#include "proc/process.h"
#include "linux/syscalls.h"

namespace linux_abi {

using proc::Process;

namespace {

struct ItimerSpec {
    i64 interval_sec, interval_nsec, value_sec, value_nsec;
};

Result<u64> to_ns(i64 sec, i64 nsec) {
    if (sec < 0 || nsec < 0 || nsec >= 1000000000) return Error(EINVAL);
    if (static_cast<u64>(sec) > (1ull << 62) / 1000000000) return 1ull << 62;
    return static_cast<u64>(sec) * 1000000000 + static_cast<u64>(nsec);
}

ItimerSpec to_itimerspec(const fs::TimerSpec& spec) {
    return {static_cast<i64>(spec.interval_ns / 1000000000), static_cast<i64>(spec.interval_ns % 1000000000),
            static_cast<i64>(spec.value_ns / 1000000000), static_cast<i64>(spec.value_ns % 1000000000)};
}

Result<RefPtr<fs::File>> timerfd(int fd) {
    auto file = TRY(Process::current().fds().get(fd));
    if (!fs::is_timerfd(*file)) return Error(EINVAL);
    return file;
}

}  // namespace

Result<u64> sys_timerfd_create(SyscallArgs& args) {
    u32 flags = static_cast<u32>(args[1]);
    auto file = TRY(fs::create_timerfd(args.i32_arg(0), flags));
    return static_cast<u64>(TRY(Process::current().fds().allocate(file, flags & fs::TFD_CLOEXEC)));
}

Result<u64> sys_timerfd_settime(SyscallArgs& args) {
    auto file = TRY(timerfd(args.fd(0)));
    ItimerSpec its = TRY(args.ptr<ItimerSpec>(2).read());
    fs::TimerSpec spec{TRY(to_ns(its.interval_sec, its.interval_nsec)), TRY(to_ns(its.value_sec, its.value_nsec))};
    fs::TimerSpec old = TRY(fs::timerfd_settime(*file, static_cast<u32>(args[1]), spec));
    if (args[3]) TRY(args.ptr<ItimerSpec>(3).write(to_itimerspec(old)));
    return 0;
}

Result<u64> sys_timerfd_gettime(SyscallArgs& args) {
    auto file = TRY(timerfd(args.fd(0)));
    TRY(args.ptr<ItimerSpec>(1).write(to_itimerspec(fs::timerfd_gettime(*file))));
    return 0;
}

}  // namespace linux_abi
