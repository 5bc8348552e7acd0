// The time page: the kernel publishes its clock here and the vDSO, in user mode, reads it,
// so that clock_gettime and friends cost no system call. The kernel's own clock (sched/
// clock.h) computes time with the same functions from the same numbers, so the two always
// agree to the nanosecond.
//
// Monotonic time is a linear function of the TSC:
//     monotonic_ns = (tsc - tsc_base) * mult >> shift
//     realtime_ns  = monotonic_ns + realtime_offset_ns
//
// One writer (the kernel) and any number of readers that must never block it or see half
// an update: a sequence count, odd while the writer is inside. A reader takes a snapshot,
// and retries when the count was odd or changed meanwhile. Header-only: the vDSO includes
// it and has no library to link against.
#pragma once

#include "base/types.h"

namespace vclock {

// How readers get the time: from the TSC with the page's numbers, or (when the kernel
// cannot vouch for the TSC in user mode) from the system call.
enum class Mode : u32 { Syscall = 0, Tsc = 1 };

// The page's numbers, as the kernel hands them to publish() and a reader gets them back.
struct ClockParams {
    Mode mode = Mode::Syscall;
    u32 shift = 0;
    u64 tsc_base = 0;
    u64 mult = 0;
    u64 realtime_offset_ns = 0;
    u64 resolution_ns = 1;  // what clock_getres reports for the clocks the page serves
};

// The layout in memory, at offset 0 of the page. Fields are written and read with atomic
// accesses only, so the retry protocol is all the synchronisation there is.
struct ClockPage {
    u32 sequence;
    u32 mode;
    u32 shift;
    u32 reserved;
    u64 tsc_base;
    u64 mult;
    u64 realtime_offset_ns;
    u64 resolution_ns;
};

constexpr u64 kNsPerSecond = 1000000000;

// Nanoseconds in `ticks` TSC ticks at `mult` / 2^shift ns per tick. The 128-bit product
// keeps it exact for centuries of ticks.
constexpr u64 ticks_to_ns(u64 ticks, u64 mult, u32 shift) {
    return static_cast<u64>((static_cast<unsigned __int128>(ticks) * mult) >> shift);
}

// The multiplier for a TSC of `hz` ticks per second, rounded down: time runs slow by at most
// hz / 2^shift ns per second (with shift 32, under a nanosecond up to a 4.29 GHz TSC).
constexpr u64 mult_for_frequency(u64 hz, u32 shift) {
    return static_cast<u64>((static_cast<unsigned __int128>(kNsPerSecond) << shift) / hz);
}

// Monotonic time at TSC value `tsc`; 0 before the base (a reader never sees one: the TSC
// only grows, and the base is taken before the page is published).
constexpr u64 monotonic_ns(const ClockParams& params, u64 tsc) {
    return tsc > params.tsc_base ? ticks_to_ns(tsc - params.tsc_base, params.mult, params.shift) : 0;
}

namespace detail {
template <typename T>
inline T load(const T& field) { return __atomic_load_n(&field, __ATOMIC_RELAXED); }
template <typename T>
inline void store(T& field, T value) { __atomic_store_n(&field, value, __ATOMIC_RELAXED); }
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}
}  // namespace detail

// The writer: replaces the page's numbers. Only one writer at a time (the caller
// serialises); readers retry across it.
inline void publish(ClockPage& page, const ClockParams& params) {
    u32 sequence = detail::load(page.sequence);
    detail::store(page.sequence, sequence + 1);  // odd: readers wait
    __atomic_thread_fence(__ATOMIC_RELEASE);
    detail::store(page.mode, static_cast<u32>(params.mode));
    detail::store(page.shift, params.shift);
    detail::store(page.tsc_base, params.tsc_base);
    detail::store(page.mult, params.mult);
    detail::store(page.realtime_offset_ns, params.realtime_offset_ns);
    detail::store(page.resolution_ns, params.resolution_ns);
    __atomic_store_n(&page.sequence, sequence + 2, __ATOMIC_RELEASE);
}

// One consistent reading: the page's numbers and a TSC value read while they were current.
struct Reading {
    ClockParams params;
    u64 tsc;
    u64 monotonic_ns() const { return vclock::monotonic_ns(params, tsc); }
};

// One attempt: false when the writer was inside (the caller retries).
template <typename ReadTsc>
inline bool try_read(const ClockPage& page, ReadTsc&& read_tsc, Reading& out) {
    u32 before = __atomic_load_n(&page.sequence, __ATOMIC_ACQUIRE);
    if (before & 1) return false;
    out.params.mode = static_cast<Mode>(detail::load(page.mode));
    out.params.shift = detail::load(page.shift);
    out.params.tsc_base = detail::load(page.tsc_base);
    out.params.mult = detail::load(page.mult);
    out.params.realtime_offset_ns = detail::load(page.realtime_offset_ns);
    out.params.resolution_ns = detail::load(page.resolution_ns);
    out.tsc = out.params.mode == Mode::Tsc ? read_tsc() : 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return detail::load(page.sequence) == before;
}

// Retries until a reading is consistent. The writer never stays inside for long.
template <typename ReadTsc>
inline Reading read(const ClockPage& page, ReadTsc&& read_tsc) {
    Reading reading{};
    while (!try_read(page, read_tsc, reading)) detail::cpu_relax();
    return reading;
}

}  // namespace vclock
