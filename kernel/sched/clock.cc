#include "sched/clock.h"

#include "arch/x86_64/cpu.h"
#include "time/clock_page.h"

namespace ktime {

namespace {
// ns = ticks * g_mult >> vclock::kShift, with ticks relative to g_tsc_start
// (time/clock_page.h: the vDSO computes the same from the same numbers).
u64 g_tsc_hz = 0;
u64 g_mult = 0;
u64 g_tsc_start = 0;
u64 g_boot_wall_ns = 0;
}  // namespace

void init(u64 tsc_hz, u64 boot_wall_ns) {
    g_tsc_hz = tsc_hz;
    g_mult = vclock::mult_for_frequency(tsc_hz);
    g_boot_wall_ns = boot_wall_ns;
    g_tsc_start = cpu::rdtsc();
}

bool ready() { return g_tsc_hz != 0; }
u64 tsc_hz() { return g_tsc_hz; }
u64 tsc_at_start() { return g_tsc_start; }

u64 tsc_to_ns(u64 ticks) { return vclock::ticks_to_ns(ticks, g_mult); }

vclock::ClockParams clock_params() {
    vclock::ClockParams params;
    params.mode = g_tsc_hz ? vclock::Mode::Tsc : vclock::Mode::Syscall;
    params.tsc_base = g_tsc_start;
    params.mult = g_mult;
    params.realtime_offset_ns = g_boot_wall_ns;
    params.resolution_ns = 1;
    return params;
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

u64 ns_until(u64 deadline_tsc) {
    u64 now = cpu::rdtsc();
    return static_cast<i64>(deadline_tsc - now) > 0 ? tsc_to_ns(deadline_tsc - now) : 0;
}

u64 next_period(u64& deadline_tsc, u64 period_ns) {
    u64 period = ns_to_tsc(period_ns);
    if (period == 0) period = 1;
    u64 now = cpu::rdtsc();
    u64 skipped = 0;
    deadline_tsc += period;
    while (static_cast<i64>(deadline_tsc - now) <= 0) {
        deadline_tsc += period;
        skipped++;
    }
    return skipped;
}

u64 monotonic_ns() {
    if (!g_tsc_hz) return 0;
    return tsc_to_ns(cpu::rdtsc() - g_tsc_start);
}

u64 realtime_ns() { return g_boot_wall_ns + monotonic_ns(); }

}  // namespace ktime
