// The time page: the kernel publishes its clock here and the vDSO, in user mode, reads it,
// so that clock_gettime and friends cost no system call. The kernel's own clock (sched/
// clock.h) computes time with the same functions from the same numbers, so the two always
// agree to the nanosecond.
//
// Every clock the page serves is a linear function of the TSC:
//     monotonic_ns = (tsc - tsc_base) * mult >> kShift
//     clock_ns     = monotonic_ns + offset_ns[clock]   (the wall-clock offset for the
//                                                        realtime clocks, 0 for the others)
//
// One writer (the kernel) and any number of readers that must never block it or see half
// an update: a sequence count, odd while the writer is inside. A reader reads the count,
// the numbers and the TSC, and retries when the count was odd or has changed since. The
// page is laid out for that reader (clock_ns): which clocks it serves is one bit each, and
// each clock's offset is a load by its id, so a call costs no branches on the clock.
// Header-only: the vDSO includes it and has no library to link against.
#pragma once

#include "base/types.h"

namespace vclock {

// Linux's ids (CLOCK_REALTIME... in linux/time.h) of the clocks the page serves. The
// CPU-time clocks (2, 3), the alarm clocks (8, 9) and anything else go to the system call.
constexpr u32 kRealtime = 0, kMonotonic = 1, kMonotonicRaw = 4, kRealtimeCoarse = 5, kMonotonicCoarse = 6,
              kBoottime = 7, kTai = 11;
constexpr u32 kClockCount = kTai + 1;  // ids the page has room for
// As the kernel's clock_gettime defines them (linux/sys_time.cc): the coarse clocks are as
// fine as the others (a tickless kernel has no coarser time to give), and the realtime
// family is the monotonic clock plus the wall-clock offset.
constexpr u32 kMonotonicClocks =
    1u << kMonotonic | 1u << kMonotonicRaw | 1u << kMonotonicCoarse | 1u << kBoottime;
constexpr u32 kRealtimeClocks = 1u << kRealtime | 1u << kRealtimeCoarse | 1u << kTai;

// ns = ticks * mult >> kShift. A fixed shift lets the reader shift by a constant (one
// instruction; a shift held in the page costs five to cover counts of 64 and more).
constexpr u32 kShift = 32;

// How readers get the time: from the TSC with the page's numbers, or (when the kernel
// cannot vouch for the TSC in user mode) from the system call.
enum class Mode : u32 { Syscall = 0, Tsc = 1 };

// The kernel's clock, as it hands it to publish().
struct ClockParams {
    Mode mode = Mode::Syscall;
    u64 tsc_base = 0;
    u64 mult = 0;
    u64 realtime_offset_ns = 0;
    u64 resolution_ns = 1;  // what clock_getres reports for the clocks the page serves
};

// The layout in memory, at offset 0 of the page. Fields are written and read with atomic
// accesses only, so the retry protocol is all the synchronisation there is.
struct ClockPage {
    u32 sequence;
    u32 tsc_clocks;  // bit `clock` set: the page serves it (none in Mode::Syscall)
    u64 tsc_base;
    u64 mult;
    u64 resolution_ns;
    u64 offset_ns[kClockCount];
};

constexpr u64 kNsPerSecond = 1000000000;

// Nanoseconds in `ticks` TSC ticks at `mult` / 2^kShift ns per tick. The 128-bit product
// keeps it exact for centuries of ticks.
constexpr u64 ticks_to_ns(u64 ticks, u64 mult) {
    return static_cast<u64>((static_cast<unsigned __int128>(ticks) * mult) >> kShift);
}

// The multiplier for a TSC of `hz` ticks per second, rounded down: time runs slow by at most
// hz / 2^kShift ns per second (under a nanosecond up to a 4.29 GHz TSC).
constexpr u64 mult_for_frequency(u64 hz) {
    return static_cast<u64>((static_cast<unsigned __int128>(kNsPerSecond) << kShift) / hz);
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
    bool tsc = params.mode == Mode::Tsc;
    detail::store(page.tsc_clocks, tsc ? kMonotonicClocks | kRealtimeClocks : 0u);
    detail::store(page.tsc_base, params.tsc_base);
    detail::store(page.mult, params.mult);
    detail::store(page.resolution_ns, params.resolution_ns);
    for (u32 clock = 0; clock < kClockCount; clock++)
        detail::store(page.offset_ns[clock], ((kRealtimeClocks >> clock) & 1) ? params.realtime_offset_ns : 0);
    __atomic_store_n(&page.sequence, sequence + 2, __ATOMIC_RELEASE);
}

// The reader: nanoseconds on `clock` now (since the epoch for the realtime clocks), or
// false when the page cannot answer and the system call must. That is a clock it does not
// serve, Mode::Syscall, or a TSC behind the base (another CPU's, not in step with the
// boot CPU's: the kernel knows better). read_tsc must not run ahead of the loads before it
// (lfence; rdtsc), or the reading could be older than the count it is checked against.
template <typename ReadTsc>
[[gnu::always_inline]] inline bool clock_ns(const ClockPage& page, u32 clock, ReadTsc&& read_tsc, u64& ns) {
    if (clock >= kClockCount) return false;
    for (;;) {
        u32 sequence = __atomic_load_n(&page.sequence, __ATOMIC_ACQUIRE);
        if (sequence & 1) [[unlikely]] {
            detail::cpu_relax();
            continue;
        }
        // Half an update at worst sends the call to the system call, which is always right.
        if (!(detail::load(page.tsc_clocks) & (1u << clock))) return false;
        u64 tsc = read_tsc();
        u64 base = detail::load(page.tsc_base);
        if (tsc < base) [[unlikely]] return false;
        ns = ticks_to_ns(tsc - base, detail::load(page.mult)) + detail::load(page.offset_ns[clock]);
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
        if (detail::load(page.sequence) == sequence) [[likely]] return true;
    }
}

// A consistent copy of the page's numbers (clock_getres, tests).
struct Snapshot {
    u32 tsc_clocks;
    u64 tsc_base;
    u64 mult;
    u64 resolution_ns;
    u64 offset_ns[kClockCount];
};

// One attempt: false when the writer was inside (the caller retries).
inline bool try_snapshot(const ClockPage& page, Snapshot& out) {
    u32 before = __atomic_load_n(&page.sequence, __ATOMIC_ACQUIRE);
    if (before & 1) return false;
    out.tsc_clocks = detail::load(page.tsc_clocks);
    out.tsc_base = detail::load(page.tsc_base);
    out.mult = detail::load(page.mult);
    out.resolution_ns = detail::load(page.resolution_ns);
    for (u32 clock = 0; clock < kClockCount; clock++) out.offset_ns[clock] = detail::load(page.offset_ns[clock]);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return detail::load(page.sequence) == before;
}

inline Snapshot snapshot(const ClockPage& page) {
    Snapshot copy{};
    while (!try_snapshot(page, copy)) detail::cpu_relax();
    return copy;
}

}  // namespace vclock
