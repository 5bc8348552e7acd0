// Atomic<T>: the subset of std::atomic the kernel uses, on the compiler's __atomic
// builtins. The kernel does not include <atomic>: in C++20 libstdc++ pulls the C
// library's headers in through it (<syscall.h>, <time.h>, <sched.h>), whose macros
// (SYS_read, CLOCK_REALTIME, CLONE_VM...) collide with the kernel's own names.
#pragma once

namespace kstd {

enum MemoryOrder : int {
    relaxed = __ATOMIC_RELAXED,
    acquire = __ATOMIC_ACQUIRE,
    release = __ATOMIC_RELEASE,
    acq_rel = __ATOMIC_ACQ_REL,
    seq_cst = __ATOMIC_SEQ_CST,
};

template <typename T>
class Atomic {
public:
    constexpr Atomic() : m_value() {}
    constexpr Atomic(T value) : m_value(value) {}
    Atomic(const Atomic&) = delete;
    Atomic& operator=(const Atomic&) = delete;

    T load(MemoryOrder order = seq_cst) const { return __atomic_load_n(&m_value, order); }
    void store(T value, MemoryOrder order = seq_cst) { __atomic_store_n(&m_value, value, order); }
    T exchange(T value, MemoryOrder order = seq_cst) { return __atomic_exchange_n(&m_value, value, order); }
    bool compare_exchange_strong(T& expected, T desired, MemoryOrder order = seq_cst) {
        MemoryOrder failure = order == acq_rel ? acquire : order == release ? relaxed : order;
        return __atomic_compare_exchange_n(&m_value, &expected, desired, false, order, failure);
    }
    T fetch_add(T delta, MemoryOrder order = seq_cst) { return __atomic_fetch_add(&m_value, delta, order); }
    T fetch_sub(T delta, MemoryOrder order = seq_cst) { return __atomic_fetch_sub(&m_value, delta, order); }
    T fetch_or(T bits, MemoryOrder order = seq_cst) { return __atomic_fetch_or(&m_value, bits, order); }
    T fetch_and(T bits, MemoryOrder order = seq_cst) { return __atomic_fetch_and(&m_value, bits, order); }

    operator T() const { return load(); }
    T operator=(T value) {
        store(value);
        return value;
    }
    T operator++() { return fetch_add(1) + 1; }
    T operator++(int) { return fetch_add(1); }
    T operator--() { return fetch_sub(1) - 1; }
    T operator--(int) { return fetch_sub(1); }
    T operator+=(T delta) { return fetch_add(delta) + delta; }

private:
    T m_value;
};

}  // namespace kstd
