#include "sync/mutex.h"

#include "lib/panic.h"
#include "sched/thread.h"

namespace {
bool take(kstd::Atomic<Thread*>& owner) {
    Thread* expected = nullptr;
    return owner.compare_exchange_strong(expected, current_thread(), kstd::acquire);
}
}  // namespace

bool Mutex::try_lock() {
    if (!take(m_owner)) return false;
    LOCKDEP_ACQUIRED_TRY(this);
    return true;
}

void Mutex::lock() {
    LOCKDEP_ACQUIRE(this);
    if (take(m_owner)) return;
    (void)m_waiters.wait_until([&] { return take(m_owner); });
}

Result<void> Mutex::lock_until(u64 deadline_tsc) {
    LOCKDEP_ACQUIRE(this);
    if (take(m_owner)) return {};
    auto taken = m_waiters.wait_until([&] { return take(m_owner); }, deadline_tsc);
    if (taken.is_error()) LOCKDEP_RELEASE(this);
    return taken;
}

void Mutex::unlock() {
    ASSERT(m_owner.load(kstd::relaxed) == current_thread());
    LOCKDEP_RELEASE(this);
    m_owner.store(nullptr, kstd::release);
    m_waiters.wake_one();
}

bool Mutex::is_locked_by_current() const { return m_owner.load(kstd::relaxed) == current_thread(); }

void ConditionVariable::wait(Mutex& mutex) { (void)wait_until(mutex, 0); }

Result<void> ConditionVariable::wait_until(Mutex& mutex, u64 deadline_tsc) {
    // Read the sequence before releasing the mutex: a notify after the release changes
    // it, so the wait below cannot miss it.
    u64 seen = m_waiters.locked([&] { return m_sequence; });
    mutex.unlock();
    auto result = m_waiters.wait_until([&] { return m_sequence != seen; }, deadline_tsc);
    mutex.lock();
    return result;
}

void ConditionVariable::notify_one() {
    m_waiters.locked([&] { m_sequence++; });
    m_waiters.wake_one();
}

void ConditionVariable::notify_all() {
    m_waiters.locked([&] { m_sequence++; });
    m_waiters.wake_all();
}

void Semaphore::down() { (void)down_until(0); }

bool Semaphore::try_down() {
    return m_waiters.locked([&] {
        if (m_count == 0) return false;
        m_count--;
        return true;
    });
}

Result<void> Semaphore::down_until(u64 deadline_tsc) {
    return m_waiters.wait_until(
        [&] {
            if (m_count == 0) return false;
            m_count--;
            return true;
        },
        deadline_tsc);
}

void Semaphore::up(u64 n) {
    m_waiters.locked([&] { m_count += n; });
    if (n == 1)
        m_waiters.wake_one();
    else
        m_waiters.wake_all();
}
