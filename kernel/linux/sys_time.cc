// Clocks and sleeps, on the TSC-based monotonic clock (sched/clock.h).
#include "arch/x86_64/cpu.h"
#include "linux/abi_types.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sync/wait_queue.h"

namespace linux_abi {

namespace {

struct Timeval {
    i64 tv_sec;
    i64 tv_usec;
};

Result<u64> clock_now(int clock) {
    switch (clock) {
        case CLOCK_REALTIME:
        case CLOCK_REALTIME_COARSE:
        case CLOCK_REALTIME_ALARM:
        case CLOCK_TAI:
            return ktime::realtime_ns();
        case CLOCK_MONOTONIC:
        case CLOCK_MONOTONIC_RAW:
        case CLOCK_MONOTONIC_COARSE:
        case CLOCK_BOOTTIME:
        case CLOCK_BOOTTIME_ALARM:
        // FIXME: per-thread CPU time accounting; the monotonic clock is an upper bound.
        case CLOCK_PROCESS_CPUTIME_ID:
        case CLOCK_THREAD_CPUTIME_ID:
            return ktime::monotonic_ns();
    }
    return Error(EINVAL);
}

Result<u64> read_timespec_ns(UserPtr<Timespec> user) {
    Timespec ts = TRY(user.read());
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return Error(EINVAL);
    if (static_cast<u64>(ts.tv_sec) > (~0ull >> 1) / 1000000000) return ~0ull >> 1;
    return static_cast<u64>(ts.tv_sec) * 1000000000 + static_cast<u64>(ts.tv_nsec);
}

Result<void> write_timespec(UserPtr<Timespec> user, u64 ns) {
    return user.write({static_cast<i64>(ns / 1000000000), static_cast<i64>(ns % 1000000000)});
}

// Sleeps until the clock reaches `deadline_ns`; EINTR when a signal arrives first.
Result<void> sleep_until(int clock, u64 deadline_ns) {
    u64 now = TRY(clock_now(clock));
    if (deadline_ns <= now) return {};
    u64 deadline_tsc = ktime::deadline_after_ns(deadline_ns - now);
    WaitQueue never;  // nothing wakes it but the deadline or a signal
    auto waited = never.wait_interruptible([] { return false; }, deadline_tsc);
    if (waited.is_error() && waited.error() != ETIMEDOUT) return Error(EINTR);
    return {};
}

}  // namespace

Result<void> sys_clock_gettime(int clock, UserPtr<Timespec> time) {
    u64 ns = TRY(clock_now(clock));
    return write_timespec(time, ns);
}

Result<void> sys_clock_getres(int clock, UserPtr<Timespec> resolution) {
    TRY(clock_now(clock));
    if (!resolution.is_null()) TRY(write_timespec(resolution, 1));
    return {};
}

Result<void> sys_gettimeofday(UserPtr<Timeval> time, UserPtr<u64> timezone) {
    if (!time.is_null()) {
        u64 ns = ktime::realtime_ns();
        TRY(time.write({static_cast<i64>(ns / 1000000000), static_cast<i64>(ns / 1000 % 1000000)}));
    }
    if (!timezone.is_null()) TRY(timezone.write(0));  // struct timezone: UTC
    return {};
}

Result<u64> sys_time(UserPtr<i64> time) {
    u64 seconds = ktime::realtime_ns() / 1000000000;
    if (!time.is_null()) TRY(time.write(static_cast<i64>(seconds)));
    return seconds;
}

Result<void> sys_nanosleep(UserPtr<Timespec> duration, UserPtr<Timespec> remaining) {
    u64 ns = TRY(read_timespec_ns(duration));
    u64 start = ktime::monotonic_ns();
    auto slept = sleep_until(CLOCK_MONOTONIC, start + ns);
    if (slept.is_error()) {
        if (!remaining.is_null()) {
            u64 elapsed = ktime::monotonic_ns() - start;
            TRY(write_timespec(remaining, elapsed < ns ? ns - elapsed : 0));
        }
        return Error(slept.error());
    }
    return {};
}

Result<void> sys_clock_nanosleep(int clock, int flags, UserPtr<Timespec> request, UserPtr<Timespec> remaining) {
    if (clock == CLOCK_THREAD_CPUTIME_ID) return Error(EINVAL);
    u64 ns = TRY(read_timespec_ns(request));
    u64 now = TRY(clock_now(clock));
    bool absolute = flags & TIMER_ABSTIME;
    u64 deadline = absolute ? ns : now + ns;
    auto slept = sleep_until(clock, deadline);
    if (slept.is_error()) {
        if (!absolute && !remaining.is_null()) {
            u64 later = clock_now(clock).value_or(deadline);
            TRY(write_timespec(remaining, later < deadline ? deadline - later : 0));
        }
        return Error(slept.error());
    }
    return {};
}

OSPREY_CALLS(clock_gettime, clock_getres, gettimeofday, time, nanosleep, clock_nanosleep)

}  // namespace linux_abi
