// Wait queues: the one way a thread sleeps until something happens. Mutexes, condition
// variables, semaphores, joins and sleeps are built on them.
//
//   queue.wait_until([&] { return m_count > 0; });        // blocks until true
//   queue.locked([&] { m_count++; });  queue.wake_one();  // the other side
//
// The condition is evaluated under the queue's lock, and a waker changes it under that
// lock (or before taking it to wake), so a wake-up can never slip between the check and
// the sleep.
//
// Application threads wait with wait_interruptible(): the one place where "stop for a
// deliverable signal" is decided (Linux's rules for which error that is, and so whether
// SA_RESTART restarts the call, live here too). What counts as a deliverable signal is the
// Linux layer's business: it registers the check (set_signal_check) and wakes a blocked
// thread when it queues a signal for it, so waits here need nothing from linux/.
//
// Lock order: a wait queue's lock is taken before the run-queue lock and the timer lock.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "sync/spinlock.h"

class Thread;

class WaitQueue {
public:
    // `name` classes the queue's lock for the lock-order checker (sync/lockdep.h): queues
    // with different roles (a pipe's ends, a poller's wake-up) need different names when
    // one role's lock is held around another's.
#ifdef OSPREY_LOCKDEP
    explicit WaitQueue(const char* name = "wait queue", std::source_location where = std::source_location::current())
        : m_lock(name, where) {}
#else
    explicit WaitQueue(const char* = nullptr) {}
#endif

    // Blocks until condition() is true, or until the TSC passes deadline_tsc (0: never):
    // then ETIMEDOUT. The condition runs with the queue's lock held and interrupts off.
    template <typename Condition>
    Result<void> wait_until(Condition condition, u64 deadline_tsc = 0);

    // The same, but a signal that must be delivered to the thread ends the wait too: then
    // ERESTARTSYS without a deadline (restarted after an SA_RESTART handler), EINTR with
    // one (the time left would have to be recomputed), as Linux answers for sockets,
    // pipes, futexes and locks. A condition that holds wins over a signal. Kernel threads
    // (no signals) wait exactly as with wait_until.
    template <typename Condition>
    Result<void> wait_interruptible(Condition condition, u64 deadline_tsc = 0);

    // Whether the current thread has a signal that must interrupt a wait.
    static bool signal_pending();
    using SignalCheck = bool (*)(const Thread& thread);
    // Registered once at start-up by the layer that owns signals.
    static void set_signal_check(SignalCheck check);

    // Runs f with the queue's lock held (to change what waiters test).
    template <typename F>
    decltype(auto) locked(F&& f) {
        IrqSpinLockGuard guard(m_lock);
        return f();
    }

    // Wakes the longest waiter / every waiter. They re-check their conditions.
    void wake_one();
    void wake_all();
    bool has_waiters();

private:
    struct Waiter {
        Thread* thread;
        ListNode node;
    };

    // Puts the current thread to sleep on `waiter`; entered and left with m_lock held and
    // interrupts off.
    // `seen_wakeups`: sched::wake_count() from before the condition was checked.
    void sleep_locked(Waiter& waiter, u64 deadline_tsc, u32 seen_wakeups);
    static bool deadline_passed(u64 deadline_tsc);
    static Thread* self();
    static u32 sched_wake_count();

    IrqSpinLock m_lock;
    IntrusiveList<Waiter, &Waiter::node> m_waiters;  // guarded by m_lock
};

template <typename Condition>
Result<void> WaitQueue::wait_until(Condition condition, u64 deadline_tsc) {
    bool restore = m_lock.lock();
    for (;;) {
        u32 seen_wakeups = sched_wake_count();
        if (condition()) break;
        if (deadline_tsc && deadline_passed(deadline_tsc)) {
            m_lock.unlock(restore);
            return Error(ETIMEDOUT);
        }
        Waiter waiter{self(), {}};
        m_waiters.push_back(waiter);
        sleep_locked(waiter, deadline_tsc, seen_wakeups);
        m_waiters.remove(waiter);
    }
    m_lock.unlock(restore);
    return {};
}

template <typename Condition>
Result<void> WaitQueue::wait_interruptible(Condition condition, u64 deadline_tsc) {
    bool interrupted = false;
    TRY(wait_until(
        [&] {
            if (condition()) return true;
            interrupted = signal_pending();
            return interrupted;
        },
        deadline_tsc));
    if (interrupted) return Error(deadline_tsc ? EINTR : ERESTARTSYS);
    return {};
}
