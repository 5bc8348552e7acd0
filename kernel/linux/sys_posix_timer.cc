// timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete.
#include "linux/abi_types.h"
#include "linux/posix_timers.h"

#include <new>

#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "proc/process.h"
#include "linux/process_state.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "mm/user_memory.h"
#include "sched/clock.h"
#include "sched/timer.h"
#include "sync/spinlock.h"

namespace linux_abi {

using proc::Process;

namespace {

constexpr int SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
constexpr int SI_TIMER = -2;
constexpr u64 kTimerNsPerSecond = 1'000'000'000;
constexpr int kMaxTimers = kMaxPosixTimers;
constexpr int kOverrunMax = 0x7fffffff;  // DELAYTIMER_MAX

struct ItimerSpec {
    Timespec interval, value;
};
struct SigEvent {
    u64 value;  // sigval
    i32 signo;
    i32 notify;
    i32 tid;  // SIGEV_THREAD_ID
    i32 pad[11];
};
static_assert(sizeof(SigEvent) == 64);

// The timer fields of a siginfo (si_tid, si_overrun, si_value), after the common header.
struct TimerFields {
    i32 timer_id;
    i32 overrun;
    u64 value;
};

}  // namespace

struct PosixTimer {
    ProcessState* state = nullptr;  // whose timer it is (where its signal goes)
    Timer timer;
    int id = 0;
    bool realtime = false;
    int notify = SIGEV_SIGNAL;
    int signo = 0;
    int tid = 0;  // SIGEV_THREAD_ID
    u64 value = 0;
    bool armed = false;
    u64 deadline_tsc = 0;
    u64 interval_ns = 0;
    bool queued = false;    // its signal waits to be taken
    int overrun = 0;        // expirations while it waited
    int last_overrun = 0;   // reported with the last signal taken (timer_getoverrun)
};

namespace {

// Guards every process's table of timers (ProcessState::posix) and every timer's fields.
IrqSpinLock g_lock{"posix timers"};

int add_overrun(int overrun, u64 more) { return overrun + more > kOverrunMax ? kOverrunMax : overrun + static_cast<int>(more); }

void on_posix_timer_expiry(Timer& timer) {
    auto* self = static_cast<PosixTimer*>(timer.context);
    u64 next = 0;
    bool send = false;
    SigInfo info{};
    int tid = 0, signo = 0;
    {
        IrqSpinLockGuard guard(g_lock);
        if (!self->armed) return;
        u64 missed = 0;
        if (self->interval_ns) {
            missed = ktime::next_period(self->deadline_tsc, self->interval_ns);
            next = self->deadline_tsc;
        } else {
            self->armed = false;
        }
        if (self->notify != SIGEV_NONE) {
            if (self->queued) {
                self->overrun = add_overrun(self->overrun, 1 + missed);
            } else {
                self->queued = true;
                self->overrun = add_overrun(0, missed);
                send = true;
                info.si_signo = self->signo;
                info.si_code = SI_TIMER;
                auto* fields = reinterpret_cast<TimerFields*>(info.bytes);
                fields->timer_id = self->id;
                fields->overrun = 0;  // written when taken
                fields->value = self->value;
                tid = self->notify == SIGEV_THREAD_ID ? self->tid : 0;
                signo = self->signo;
            }
        }
    }
    if (next) timers::arm(self->timer, next);
    if (send && signals::send_to(self->state->owner, tid, signo, info).is_error()) {
        IrqSpinLockGuard guard(g_lock);
        self->queued = false;  // the thread is gone: nothing waits to be taken
    }
}

// The caller's timer `id` (the caller's own process keeps it alive).
Result<PosixTimer*> find(u64 id) {
    auto* state = static_cast<ProcessState*>(__atomic_load_n(&Process::current().extension, __ATOMIC_ACQUIRE));
    IrqSpinLockGuard guard(g_lock);
    if (!state || id >= static_cast<u64>(kMaxTimers) || !state->posix[id]) return Error(EINVAL);
    return state->posix[id];
}

Result<u64> to_ns(const Timespec& t) {
    if (t.tv_sec < 0 || t.tv_nsec < 0 || static_cast<u64>(t.tv_nsec) >= kTimerNsPerSecond) return Error(EINVAL);
    if (static_cast<u64>(t.tv_sec) > (1ull << 62) / kTimerNsPerSecond) return (1ull << 62);
    return static_cast<u64>(t.tv_sec) * kTimerNsPerSecond + static_cast<u64>(t.tv_nsec);
}

Timespec to_timespec(u64 ns) { return {static_cast<i64>(ns / kTimerNsPerSecond), static_cast<i64>(ns % kTimerNsPerSecond)}; }

// What timer_gettime reports: the time left (at least 1 ns while armed) and the interval.
ItimerSpec current_locked(const PosixTimer& t) {
    ItimerSpec out{};
    out.interval = to_timespec(t.interval_ns);
    if (t.armed) {
        u64 left = ktime::ns_until(t.deadline_tsc);
        out.value = to_timespec(left ? left : 1);
    }
    return out;
}

}  // namespace

// Timer IDs are checked in all 64 bits (Linux's timer_t is an int).
Result<void> sys_timer_create(int clock, UserPtr<SigEvent> user_event, UserPtr<i32> user_id) {
    if (clock == CLOCK_PROCESS_CPUTIME_ID || clock == CLOCK_THREAD_CPUTIME_ID || clock < 0) {
        static bool logged = false;
        if (!logged) klog::warn("timer_create: CPU-time clocks need CPU-time accounting: ENOSYS");
        logged = true;
        return Error(ENOSYS);
    }
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
        clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM && clock != CLOCK_TAI)
        return Error(EINVAL);
    SigEvent event{};
    bool defaulted = user_event.is_null();
    if (!defaulted) event = TRY(user_event.read());
    else event.signo = SIGALRM, event.notify = SIGEV_SIGNAL;
    if (event.notify != SIGEV_NONE) {
        if (event.notify != SIGEV_SIGNAL && event.notify != SIGEV_THREAD_ID) return Error(EINVAL);  // SIGEV_THREAD is libc's
        if (event.signo < 1 || event.signo > kSignalCount) return Error(EINVAL);
        if (event.notify == SIGEV_THREAD_ID) {
            Process& process = Process::current();
            IrqSpinLockGuard guard(process.signal_lock);
            if (!process.find_thread(event.tid) || event.tid <= 0) return Error(EINVAL);
        }
    }
    TRY(user_id.read());  // a bad destination creates nothing
    auto made = state_of(Process::current());
    if (made.is_error()) return Error(EAGAIN);
    ProcessState* state = made.value();
    auto* timer = new (std::nothrow) PosixTimer;
    if (!timer) return Error(EAGAIN);
    timer->state = state;
    int id = -1;
    {
        IrqSpinLockGuard guard(g_lock);
        for (int i = 0; i < kMaxTimers && id < 0; i++)
            if (!state->posix[i]) id = i;
        if (id >= 0) state->posix[id] = timer;
    }
    if (id < 0) {
        delete timer;
        return Error(EAGAIN);
    }
    timer->id = id;
    timer->realtime = clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM || clock == CLOCK_TAI;
    timer->notify = event.notify;
    timer->signo = event.signo;
    timer->tid = event.tid;
    timer->value = defaulted ? static_cast<u64>(id) : event.value;  // sival_int = the ID, as Linux
    timer->timer.callback = on_posix_timer_expiry;
    timer->timer.context = timer;
    if (auto written = user_id.write(id); written.is_error()) {
        IrqSpinLockGuard guard(g_lock);
        state->posix[id] = nullptr;
        delete timer;
        return Error(EFAULT);
    }
    return {};
}

Result<void> sys_timer_settime(u64 id, u32 flags, UserPtr<ItimerSpec> new_value, UserPtr<ItimerSpec> old_value) {
    PosixTimer* timer = TRY(find(id));
    ItimerSpec wanted = TRY(new_value.read());
    u64 value = TRY(to_ns(wanted.value));
    u64 interval = TRY(to_ns(wanted.interval));
    if (!old_value.is_null()) TRY(old_value.read());
    timers::cancel(timer->timer);
    ItimerSpec old;
    u64 deadline = 0;
    {
        IrqSpinLockGuard guard(g_lock);
        old = current_locked(*timer);
        timer->interval_ns = interval;
        timer->armed = value != 0;
        if (timer->armed) {
            u64 relative = value;
            if (flags & TIMER_ABSTIME) {
                u64 now = timer->realtime ? ktime::realtime_ns() : ktime::monotonic_ns();
                relative = value > now ? value - now : 0;
            }
            timer->deadline_tsc = relative ? ktime::deadline_after_ns(relative) : cpu::rdtsc();
            if (timer->deadline_tsc == 0) timer->armed = false;  // beyond any deadline: never fires
            deadline = timer->armed ? timer->deadline_tsc : 0;
        }
    }
    if (deadline) timers::arm(timer->timer, deadline);
    if (!old_value.is_null()) TRY(old_value.write(old));
    return {};
}

Result<void> sys_timer_gettime(u64 id, UserPtr<ItimerSpec> value) {
    PosixTimer* timer = TRY(find(id));
    ItimerSpec now;
    {
        IrqSpinLockGuard guard(g_lock);
        now = current_locked(*timer);
    }
    return value.write(now);
}

Result<u64> sys_timer_getoverrun(u64 id) {
    PosixTimer* timer = TRY(find(id));
    IrqSpinLockGuard guard(g_lock);
    return static_cast<u64>(timer->last_overrun);
}

Result<void> sys_timer_delete(u64 id) {
    PosixTimer* timer = TRY(find(id));
    timers::cancel(timer->timer);
    {
        IrqSpinLockGuard guard(g_lock);
        timer->state->posix[timer->id] = nullptr;
        timer->armed = false;
    }
    // A signal of it still pending keeps its siginfo; signal_taken finds no timer then.
    delete timer;
    return {};
}

OSPREY_CALLS(timer_create, timer_settime, timer_gettime, timer_getoverrun, timer_delete)

void release_posix_timers(ProcessState& state) {
    for (int id = 0; id < kMaxTimers; id++) {
        PosixTimer* timer;
        {
            IrqSpinLockGuard guard(g_lock);
            timer = state.posix[id];
            state.posix[id] = nullptr;
        }
        if (!timer) continue;
        timers::cancel(timer->timer);
        delete timer;
    }
}

}  // namespace linux_abi

namespace posix_timers {

void signal_taken(linux_abi::SigInfo& info) {
    using namespace linux_abi;
    if (info.si_code != SI_TIMER) return;
    auto* fields = reinterpret_cast<TimerFields*>(info.bytes);
    auto* state = static_cast<ProcessState*>(__atomic_load_n(&proc::Process::current().extension, __ATOMIC_ACQUIRE));
    IrqSpinLockGuard guard(g_lock);
    if (!state || fields->timer_id < 0 || fields->timer_id >= kMaxTimers) return;
    PosixTimer* timer = state->posix[fields->timer_id];
    if (!timer || !timer->queued) return;
    timer->queued = false;
    timer->last_overrun = timer->overrun;
    timer->overrun = 0;
    fields->overrun = timer->last_overrun;
}

}  // namespace posix_timers
