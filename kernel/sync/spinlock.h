// Spinlocks that disable interrupts while held, so an interrupt handler on the same CPU can
// never spin on a lock its own CPU holds.
//
// Lock ordering: take at most one IrqSpinLock at a time unless a header says otherwise.
#pragma once

#include "lib/atomic.h"
#include "sync/lockdep.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tlb.h"

class IrqSpinLock {
public:
    // `name`: the lock's class for the lock-order checker (sync/lockdep.h); unnamed locks
    // are classed by where they were constructed.
#ifdef OSPREY_LOCKDEP
    constexpr explicit IrqSpinLock(const char* name = nullptr,
                                   std::source_location where = std::source_location::current())
        : LOCKDEP_INIT_KEY(name, where) {}
#else
    constexpr explicit IrqSpinLock(const char* = nullptr) {}
#endif

    // Returns whether interrupts were enabled, to hand back to unlock().
    bool lock() {
        bool were_enabled = cpu::interrupts_enabled();
        cpu::disable_interrupts();
        LOCKDEP_ACQUIRE(this);
        cpu::SpinWait spin;
        while (m_locked.exchange(true, kstd::acquire))
            while (m_locked.load(kstd::relaxed)) {
                spin.once();
                tlb::poll();  // the holder may be waiting for this CPU to flush its TLB
            }
        return were_enabled;
    }
    // One attempt, for paths that must not wait (a state dump from an NMI that may have
    // interrupted the holder): true with the lock held and interrupts off.
    bool try_lock(bool& restore) {
        restore = cpu::interrupts_enabled();
        cpu::disable_interrupts();
        if (!m_locked.exchange(true, kstd::acquire)) {
            LOCKDEP_ACQUIRED_TRY(this);
            return true;
        }
        if (restore) cpu::enable_interrupts();
        return false;
    }
    void unlock(bool restore_interrupts) {
        LOCKDEP_RELEASE(this);
        m_locked.store(false, kstd::release);
        if (restore_interrupts) cpu::enable_interrupts();
    }
    bool is_locked() const { return m_locked.load(kstd::relaxed); }

private:
    kstd::Atomic<bool> m_locked{false};
    LOCKDEP_KEY_MEMBER
};

class IrqSpinLockGuard {
public:
    explicit IrqSpinLockGuard(IrqSpinLock& lock) : m_lock(lock), m_restore(lock.lock()) {}
    ~IrqSpinLockGuard() { m_lock.unlock(m_restore); }
    IrqSpinLockGuard(const IrqSpinLockGuard&) = delete;
    IrqSpinLockGuard& operator=(const IrqSpinLockGuard&) = delete;

private:
    IrqSpinLock& m_lock;
    bool m_restore;
};

// Data reachable only while its lock is held:
//   m_runq.with([&](RunQueue& q) { q.push(t); });
//   Guarded<RunQueue> m_runq{LockName{"run queue"}};
struct LockName {
    const char* name;
};
template <typename T, typename Lock = IrqSpinLock>
class Guarded {
public:
    // The name classes the lock for the lock-order checker (sync/lockdep.h).
    template <typename... Args>
    constexpr explicit Guarded(LockName name, Args&&... args)
        : m_lock(name.name), m_value(static_cast<Args&&>(args)...) {}

    template <typename F>
    decltype(auto) with(F&& f) {
        IrqSpinLockGuard guard(m_lock);
        return f(m_value);
    }
    // For panic paths and single-threaded early boot only.
    T& unsafe_get() { return m_value; }

private:
    Lock m_lock;
    T m_value;
};
