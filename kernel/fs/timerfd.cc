#include "fs/timerfd.h"

#include <new>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "sched/timer.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8,
              CLOCK_BOOTTIME_ALARM = 9;

class TimerFd final : public File {
public:
    TimerFd(int clock, u32 flags) : File(O_RDWR | (flags & O_NONBLOCK)), m_realtime(clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_ALARM) {
        m_timer.callback = on_expiry;
        m_timer.context = this;
    }
    ~TimerFd() override { timers::cancel(m_timer); }
    const char* kind() const override { return "timerfd"; }

    Result<usize> read(const IoBuffer& buffer) override {
        if (buffer.length < 8) return Error(EINVAL);
        u64 count = 0;
        // Runs under the queue's lock: takes every expiration counted so far.
        auto take = [&] {
            count = m_expirations;
            m_expirations = 0;
            return count > 0;
        };
        if (nonblocking()) {
            if (!m_changed.locked(take)) return Error(EAGAIN);
        } else {
            TRY(m_changed.wait_interruptible(take));
        }
        notify_observers(poll_events());
        TRY(buffer.copy_out(0, &count, 8));
        return 8;
    }

    u32 poll_events() override {
        return m_changed.locked([&] { return m_expirations ? POLLIN | POLLRDNORM : 0u; });
    }

    TimerSpec current() {
        return m_changed.locked([&] {
            TimerSpec spec{m_interval_ns, 0};
            if (m_armed) {
                u64 left = ktime::ns_until(m_deadline_tsc);
                spec.value_ns = left ? left : 1;
            }
            return spec;
        });
    }

    TimerSpec set(u32 flags, const TimerSpec& spec) {
        TimerSpec old = current();
        timers::cancel(m_timer);
        m_changed.locked([&] {
            m_expirations = 0;
            m_interval_ns = spec.interval_ns;
            m_armed = spec.value_ns != 0;
            if (!m_armed) return;
            u64 relative = spec.value_ns;
            if (flags & TFD_TIMER_ABSTIME) {
                u64 now = m_realtime ? ktime::realtime_ns() : ktime::monotonic_ns();
                relative = spec.value_ns > now ? spec.value_ns - now : 0;
            }
            m_deadline_tsc = relative ? ktime::deadline_after_ns(relative) : cpu::rdtsc();
            if (m_deadline_tsc == 0) m_armed = false;  // beyond any deadline: never fires
        });
        if (m_armed) timers::arm(m_timer, m_deadline_tsc);
        return old;
    }

private:
    // Interrupt context: count the expiry, re-arm a periodic timer, wake readers.
    static void on_expiry(Timer& timer) {
        auto* self = static_cast<TimerFd*>(timer.context);
        bool rearm = false;
        u64 next = 0;
        self->m_changed.locked([&] {
            if (!self->m_armed) return;
            self->m_expirations++;
            if (self->m_interval_ns) {
                // Missed periods count as expirations, as on Linux.
                self->m_expirations += ktime::next_period(self->m_deadline_tsc, self->m_interval_ns);
                next = self->m_deadline_tsc;
                rearm = true;
            } else {
                self->m_armed = false;
            }
        });
        if (rearm) timers::arm(self->m_timer, next);
        self->m_changed.wake_all();
        self->notify_observers(POLLIN | POLLRDNORM);
    }

    WaitQueue m_changed;  // its lock guards the fields below
    Timer m_timer;
    bool m_realtime;
    bool m_armed = false;
    u64 m_deadline_tsc = 0;
    u64 m_interval_ns = 0;
    u64 m_expirations = 0;
};

}  // namespace

Result<RefPtr<File>> create_timerfd(int clock, u32 flags) {
    if (flags & ~(TFD_NONBLOCK | TFD_CLOEXEC)) return Error(EINVAL);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC && clock != CLOCK_BOOTTIME &&
        clock != CLOCK_REALTIME_ALARM && clock != CLOCK_BOOTTIME_ALARM)
        return Error(EINVAL);
    auto* file = new (std::nothrow) TimerFd(clock, flags);
    if (!file) return Error(ENOMEM);
    return RefPtr<File>::adopt(file);
}

bool is_timerfd(File& file) { return std::string_view(file.kind()) == "timerfd"; }

Result<TimerSpec> timerfd_settime(File& file, u32 flags, const TimerSpec& spec) {
    if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET)) return Error(EINVAL);
    return static_cast<TimerFd&>(file).set(flags, spec);
}

TimerSpec timerfd_gettime(File& file) { return static_cast<TimerFd&>(file).current(); }

}  // namespace fs
