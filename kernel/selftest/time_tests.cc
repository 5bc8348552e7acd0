// The clock and the APIC timer: interrupts arrive, the clock advances, and a timer never
// fires before its time as the clock measures it.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

volatile u64 g_ticks = 0;
volatile u64 g_last_fire_ns = 0;

void on_timer(TrapFrame&) {
    g_last_fire_ns = clock::monotonic_ns();
    g_ticks = g_ticks + 1;
    apic::end_of_interrupt();
}

bool timer_interrupts() {
    idt::set_handler(apic::kTimerVector, on_timer);
    constexpr u64 kRounds = 50;
    constexpr u64 kIntervalNs = 1'000'000;
    u64 start = clock::monotonic_ns();
    u64 early = 0;
    u64 worst_late_ns = 0;
    for (u64 i = 0; i < kRounds; i++) {
        u64 before = g_ticks;
        u64 armed_at = clock::monotonic_ns();
        apic::arm_oneshot_ns(kIntervalNs);
        // Wait for this round's interrupt. A lost one would halt forever: the guest test's
        // timeout turns that into a failure.
        while (g_ticks == before) {
            cpu::enable_interrupts_and_halt();
            cpu::disable_interrupts();
        }
        SELFTEST_CHECK(g_ticks == before + 1);
        u64 waited = g_last_fire_ns - armed_at;
        if (waited + 1000 < kIntervalNs) early++;  // 1 us of slack for the APIC's own rounding
        if (waited > kIntervalNs && waited - kIntervalNs > worst_late_ns) worst_late_ns = waited - kIntervalNs;
    }
    u64 elapsed = clock::monotonic_ns() - start;
    klog::print("  {} one-shot interrupts of 1 ms in {} us; {} early; worst lateness {} us\n", g_ticks, elapsed / 1000,
                early, worst_late_ns / 1000);
    SELFTEST_CHECK(g_ticks == kRounds);
    SELFTEST_CHECK(elapsed >= kRounds * kIntervalNs);
    SELFTEST_CHECK(early == 0);
    return true;
}

bool clock_advances() {
    u64 previous = clock::monotonic_ns();
    for (int i = 0; i < 100000; i++) {
        u64 now = clock::monotonic_ns();
        SELFTEST_CHECK(now >= previous);
        previous = now;
    }
    // 5 ms of busy waiting measured on the TSC must show as at least 5 ms on the clock.
    u64 start = clock::monotonic_ns();
    u64 deadline = cpu::rdtsc() + clock::ns_to_tsc(5'000'000);
    while (cpu::rdtsc() < deadline) cpu::pause();
    SELFTEST_CHECK(clock::monotonic_ns() - start >= 5'000'000);
    // The wall clock came from the RTC: it must be after 2020-01-01.
    SELFTEST_CHECK(clock::realtime_ns() / 1000000000 >= 1577836800);
    klog::print("  wall clock {} s since the epoch\n", clock::realtime_ns() / 1000000000);
    return true;
}

const Test kTests[] = {
    {"timer", timer_interrupts, false},
    {"clock", clock_advances, false},
};

}  // namespace

std::span<const Test> time_tests() { return kTests; }

}  // namespace selftest
