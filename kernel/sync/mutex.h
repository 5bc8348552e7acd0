// Sleeping locks and their companions, built on wait queues. They may only be used by
// threads (never in interrupt handlers), and may be held across blocking operations.
//
// Lock order: a Mutex may be taken while holding another Mutex only in the order the
// owning subsystem documents; never while holding an IrqSpinLock.
#pragma once

#include "lib/atomic.h"

#include "base/result.h"
#include "sync/wait_queue.h"

class Thread;

class Mutex {
public:
    // `name`: the lock's class for the lock-order checker (sync/lockdep.h).
#ifdef OSPREY_LOCKDEP
    explicit Mutex(const char* name = nullptr, std::source_location where = std::source_location::current())
        : LOCKDEP_INIT_KEY(name, where) {}
#else
    explicit Mutex(const char* = nullptr) {}
#endif

    void lock();
    bool try_lock();
    // ETIMEDOUT when the TSC passes deadline_tsc first.
    Result<void> lock_until(u64 deadline_tsc);
    void unlock();
    bool is_locked_by_current() const;

private:
    kstd::Atomic<Thread*> m_owner{nullptr};
    WaitQueue m_waiters;
    LOCKDEP_KEY_MEMBER
};

class MutexLocker {
public:
    explicit MutexLocker(Mutex& mutex) : m_mutex(mutex) { m_mutex.lock(); }
    ~MutexLocker() { m_mutex.unlock(); }
    MutexLocker(const MutexLocker&) = delete;
    MutexLocker& operator=(const MutexLocker&) = delete;

private:
    Mutex& m_mutex;
};

class ConditionVariable {
public:
    // Atomically releases `mutex` and sleeps until notified; holds `mutex` again on return.
    // Like every condition variable, it may return without a notify: re-check the
    // predicate.
    void wait(Mutex& mutex);
    // The same with a deadline (TSC): ETIMEDOUT if none came in time.
    Result<void> wait_until(Mutex& mutex, u64 deadline_tsc);
    void notify_one();
    void notify_all();

private:
    u64 m_sequence = 0;  // guarded by m_waiters' lock; bumped by every notify
    WaitQueue m_waiters;
};

class Semaphore {
public:
    explicit Semaphore(u64 initial = 0) : m_count(initial) {}
    void down();
    bool try_down();
    Result<void> down_until(u64 deadline_tsc);
    void up(u64 n = 1);

private:
    u64 m_count;  // guarded by m_waiters' lock
    WaitQueue m_waiters;
};
