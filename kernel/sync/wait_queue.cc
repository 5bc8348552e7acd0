#include "sync/wait_queue.h"

#include "arch/x86_64/cpu.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "sched/timer.h"

namespace {
void wake_on_timeout(Timer& timer) { sched::wake(static_cast<Thread*>(timer.context)); }
WaitQueue::SignalCheck g_signal_check = nullptr;  // set once at start-up
}  // namespace

void WaitQueue::set_signal_check(SignalCheck check) { g_signal_check = check; }

bool WaitQueue::signal_pending() {
    Thread* thread = current_thread();
    return g_signal_check && thread && g_signal_check(*thread);
}

Thread* WaitQueue::self() { return current_thread(); }
u32 WaitQueue::sched_wake_count() { return sched::wake_count(); }

bool WaitQueue::deadline_passed(u64 deadline_tsc) { return static_cast<i64>(cpu::rdtsc() - deadline_tsc) >= 0; }

void WaitQueue::sleep_locked(Waiter& waiter, u64 deadline_tsc, u32 seen_wakeups) {
    sched::prepare_to_block(seen_wakeups);
    Timer timeout;
    if (deadline_tsc) {
        timeout.callback = wake_on_timeout;
        timeout.context = waiter.thread;
        timers::arm(timeout, deadline_tsc);
    }
    m_lock.unlock(false);  // interrupts stay off until we are switched away
    sched::block();
    if (deadline_tsc) timers::cancel(timeout);
    m_lock.lock();
}

void WaitQueue::wake_one() {
    bool restore = m_lock.lock();
    if (Waiter* waiter = m_waiters.pop_front()) sched::wake(waiter->thread);
    m_lock.unlock(restore);
    sched::preempt_point();
}

void WaitQueue::wake_all() {
    bool restore = m_lock.lock();
    while (Waiter* waiter = m_waiters.pop_front()) sched::wake(waiter->thread);
    m_lock.unlock(restore);
    sched::preempt_point();
}

bool WaitQueue::has_waiters() {
    IrqSpinLockGuard guard(m_lock);
    return !m_waiters.empty();
}
