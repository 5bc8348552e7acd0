// setitimer, getitimer and alarm: the process's real-time interval timer, which sends
// SIGALRM when it expires (and re-arms itself with its interval). The virtual and profiling
// timers count CPU time, which Osprey does not account yet: ENOSYS for those.
#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "linux/process_state.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "mm/user_memory.h"
#include "sched/clock.h"
#include "sched/timer.h"
#include "sync/spinlock.h"

namespace linux_abi {

namespace {

constexpr int ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
constexpr u64 kNsPerUs = 1000, kNsPerSecond = 1'000'000'000;

struct TimeVal {
    i64 sec, usec;
};
struct ITimerVal {
    TimeVal interval, value;
};

void on_expiry(Timer& timer) {
    auto* state = static_cast<ProcessState*>(timer.context);
    RealTimer& real = state->real;
    u64 next = 0;
    {
        IrqSpinLockGuard guard(real.lock);
        if (!real.armed) return;
        if (real.interval_ns) {
            // Periods missed while nobody looked collapse into one signal, as on Linux.
            (void)ktime::next_period(real.deadline_tsc, real.interval_ns);
            next = real.deadline_tsc;
        } else {
            real.armed = false;
        }
    }
    if (next) timers::arm(real.timer, next);
    SigInfo info{};
    info.si_signo = SIGALRM;
    info.si_code = SI_KERNEL;
    (void)signals::send_to(state->owner, 0, SIGALRM, info);
}

u64 to_ns(const TimeVal& t) { return static_cast<u64>(t.sec) * kNsPerSecond + static_cast<u64>(t.usec) * kNsPerUs; }

TimeVal to_timeval(u64 ns) {
    return {static_cast<i64>(ns / kNsPerSecond), static_cast<i64>((ns % kNsPerSecond + kNsPerUs - 1) / kNsPerUs)};
}

bool valid(const TimeVal& t) { return t.sec >= 0 && t.usec >= 0 && t.usec < 1'000'000; }

// The timer as getitimer reports it: what is left (at least 1 µs while armed), the interval.
ITimerVal current_locked(const RealTimer& real) {
    ITimerVal out{};
    out.interval = to_timeval(real.interval_ns);
    if (real.armed) {
        u64 left = ktime::ns_until(real.deadline_tsc);
        out.value = to_timeval(left ? left : 1000);
    }
    return out;
}

Result<ITimerVal> set_real(const ITimerVal& wanted) {
    ProcessState* state = TRY(state_of(proc::Process::current()));
    RealTimer& real = state->real;
    timers::cancel(real.timer);
    ITimerVal old;
    u64 deadline = 0;
    {
        IrqSpinLockGuard guard(real.lock);
        old = current_locked(real);
        real.timer.callback = on_expiry;
        real.timer.context = state;
        u64 value = to_ns(wanted.value);
        real.interval_ns = to_ns(wanted.interval);
        real.armed = value != 0;
        if (real.armed) {
            real.deadline_tsc = ktime::deadline_after_ns(value);
            if (real.deadline_tsc == 0) real.armed = false;  // beyond any deadline
            deadline = real.deadline_tsc;
        }
    }
    if (deadline) timers::arm(real.timer, deadline);
    return old;
}

Result<void> check_which(int which) {
    if (which == ITIMER_REAL) return {};
    if (which == ITIMER_VIRTUAL || which == ITIMER_PROF) {
        static bool logged = false;
        if (!logged) klog::warn("setitimer/getitimer: ITIMER_VIRTUAL and ITIMER_PROF need CPU-time accounting: ENOSYS");
        logged = true;
        return Error(ENOSYS);
    }
    return Error(EINVAL);
}

}  // namespace

Result<void> sys_setitimer(int which, UserPtr<ITimerVal> new_value, UserPtr<ITimerVal> old_value) {
    TRY(check_which(which));
    // A null new value disarms, as Linux still accepts.
    ITimerVal wanted{};
    if (!new_value.is_null()) wanted = TRY(new_value.read());
    if (!valid(wanted.value) || !valid(wanted.interval)) return Error(EINVAL);
    if (!old_value.is_null()) TRY(old_value.read());  // a bad old-value pointer changes nothing
    ITimerVal old = TRY(set_real(wanted));
    if (!old_value.is_null()) TRY(old_value.write(old));
    return {};
}

Result<void> sys_getitimer(int which, UserPtr<ITimerVal> value) {
    TRY(check_which(which));
    ITimerVal now{};
    auto* state = static_cast<ProcessState*>(__atomic_load_n(&proc::Process::current().extension, __ATOMIC_ACQUIRE));
    if (state) {
        IrqSpinLockGuard guard(state->real.lock);
        now = current_locked(state->real);
    }
    return value.write(now);
}

Result<u64> sys_alarm(u32 seconds) {
    ITimerVal wanted{};
    wanted.value.sec = seconds;
    ITimerVal old = TRY(set_real(wanted));
    // The seconds that were left, rounded to the nearest, and at least 1 if any were.
    if (old.value.sec == 0 && old.value.usec == 0) return 0;
    u64 left = static_cast<u64>(old.value.sec) + (old.value.usec >= 500'000 ? 1 : 0);
    return left ? left : 1;
}

OSPREY_CALLS(setitimer, getitimer, alarm)

}  // namespace linux_abi
