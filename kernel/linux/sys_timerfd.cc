// timerfd_create, timerfd_settime, timerfd_gettime (fs/timerfd).
#include "fs/fd_table.h"
#include "fs/timerfd.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

using proc::Process;

namespace {

struct TimerfdSpec {
    i64 interval_sec, interval_nsec, value_sec, value_nsec;
};

Result<u64> to_ns(i64 sec, i64 nsec) {
    if (sec < 0 || nsec < 0 || nsec >= 1000000000) return Error(EINVAL);
    if (static_cast<u64>(sec) > (1ull << 62) / 1000000000) return 1ull << 62;
    return static_cast<u64>(sec) * 1000000000 + static_cast<u64>(nsec);
}

TimerfdSpec to_itimerspec(const fs::TimerSpec& spec) {
    return {static_cast<i64>(spec.interval_ns / 1000000000), static_cast<i64>(spec.interval_ns % 1000000000),
            static_cast<i64>(spec.value_ns / 1000000000), static_cast<i64>(spec.value_ns % 1000000000)};
}

Result<RefPtr<fs::File>> timerfd(int fd) {
    auto file = TRY(Process::current().fds().get(fd));
    if (!fs::is_timerfd(*file)) return Error(EINVAL);
    return file;
}

}  // namespace

Result<int> sys_timerfd_create(int clock, u32 flags) {
    auto file = TRY(fs::create_timerfd(clock, flags));
    return Process::current().fds().allocate(file, flags & fs::TFD_CLOEXEC);
}

Result<void> sys_timerfd_settime(int fd, u32 flags, UserPtr<TimerfdSpec> new_value, UserPtr<TimerfdSpec> old_value) {
    auto file = TRY(timerfd(fd));
    TimerfdSpec its = TRY(new_value.read());
    fs::TimerSpec spec{TRY(to_ns(its.interval_sec, its.interval_nsec)), TRY(to_ns(its.value_sec, its.value_nsec))};
    fs::TimerSpec old = TRY(fs::timerfd_settime(*file, flags, spec));
    if (!old_value.is_null()) TRY(old_value.write(to_itimerspec(old)));
    return {};
}

Result<void> sys_timerfd_gettime(int fd, UserPtr<TimerfdSpec> value) {
    auto file = TRY(timerfd(fd));
    return value.write(to_itimerspec(fs::timerfd_gettime(*file)));
}

OSPREY_CALLS(timerfd_create, timerfd_settime, timerfd_gettime)

}  // namespace linux_abi
