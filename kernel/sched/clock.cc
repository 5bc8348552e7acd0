#include "sched/clock.h"

#include "arch/x86_64/cpu.h"

namespace ktime {

namespace {
// ns = ticks * g_mult >> kShift, with ticks relative to g_tsc_start. kShift = 32 keeps the
// error under a nanosecond per second for any TSC between 100 MHz and 100 GHz.
constexpr unsigned kShift = 32;
u64 g_tsc_hz = 0;
u64 g_mult = 0;
u64 g_tsc_start = 0;
u64 g_boot_wall_ns = 0;
}  // namespace

void init(u64 tsc_hz, u64 boot_wall_ns) {
    g_tsc_hz = tsc_hz;
    g_mult = static_cast<u64>((static_cast<unsigned __int128>(1000000000) << kShift) / tsc_hz);
    g_boot_wall_ns = boot_wall_ns;
    g_tsc_start = cpu::rdtsc();
}

bool ready() { return g_tsc_hz != 0; }
u64 tsc_hz() { return g_tsc_hz; }
u64 tsc_at_start() { return g_tsc_start; }

u64 tsc_to_ns(u64 ticks) {
    return static_cast<u64>((static_cast<unsigned __int128>(ticks) * g_mult) >> kShift);
}

// Rounds up, so that a deadline computed from it is never earlier than asked.
u64 ns_to_tsc(u64 ns) {
    if (!g_tsc_hz) return 0;
    return static_cast<u64>((static_cast<unsigned __int128>(ns) * g_tsc_hz + 999999999) /
                            1000000000);
}

u64 deadline_after_ns(u64 ns) {
    constexpr u64 kFarFuture = 1ull << 62;
    if (ns >= kFarFuture / (g_tsc_hz ? (g_tsc_hz + 999999999) / 1000000000 : 1)) return 0;
    u64 ticks = ns_to_tsc(ns);
    if (ticks >= kFarFuture) return 0;
    return cpu::rdtsc() + ticks;
}

u64 monotonic_ns() {
    if (!g_tsc_hz) return 0;
    return tsc_to_ns(cpu::rdtsc() - g_tsc_start);
}

u64 realtime_ns() { return g_boot_wall_ns + monotonic_ns(); }

}  // namespace ktime
