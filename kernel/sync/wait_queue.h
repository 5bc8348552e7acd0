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
// Lock order: a wait queue's lock is taken before the run-queue lock and the timer lock.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "sync/spinlock.h"

class Thread;

class WaitQueue {
public:
    // Blocks until condition() is true, or until the TSC passes deadline_tsc (0: never):
    // then ETIMEDOUT. The condition runs with the queue's lock held and interrupts off.
    template <typename Condition>
    Result<void> wait_until(Condition condition, u64 deadline_tsc = 0);

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
    void sleep_locked(Waiter& waiter, u64 deadline_tsc);
    static bool deadline_passed(u64 deadline_tsc);
    static Thread* self();

    IrqSpinLock m_lock;
    IntrusiveList<Waiter, &Waiter::node> m_waiters;  // guarded by m_lock
};

template <typename Condition>
Result<void> WaitQueue::wait_until(Condition condition, u64 deadline_tsc) {
    bool restore = m_lock.lock();
    for (;;) {
        if (condition()) break;
        if (deadline_tsc && deadline_passed(deadline_tsc)) {
            m_lock.unlock(restore);
            return Error(ETIMEDOUT);
        }
        Waiter waiter{self(), {}};
        m_waiters.push_back(waiter);
        sleep_locked(waiter, deadline_tsc);
        m_waiters.remove(waiter);
    }
    m_lock.unlock(restore);
    return {};
}
