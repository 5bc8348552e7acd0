// The clock and the APIC timer: interrupts arrive, the clock advances, and a timer never
// fires before its time as the clock measures it.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "sched/timer.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

struct TimerRound {
    Timer timer;
    volatile bool fired = false;
    volatile u64 fired_tsc = 0;
};

void on_timer(Timer& timer) {
    auto* round = static_cast<TimerRound*>(timer.context);
    round->fired_tsc = cpu::rdtsc();
    round->fired = true;
}

// One-shot timers of 1 ms, 50 times in a row, waited for with the CPU halted: each
// interrupt arrives, and no callback runs before its deadline on the TSC (the scale the
// clock uses).
bool timer_interrupts() {
    constexpr u64 kRounds = 50;
    constexpr u64 kIntervalNs = 1'000'000;
    u64 start = ktime::monotonic_ns();
    u64 early = 0;
    u64 worst_late_ns = 0;
    auto before = timers::stats();
    for (u64 i = 0; i < kRounds; i++) {
        TimerRound round;
        round.timer.callback = on_timer;
        round.timer.context = &round;
        u64 deadline = cpu::rdtsc() + ktime::ns_to_tsc(kIntervalNs);
        cpu::disable_interrupts();
        timers::arm(round.timer, deadline);
        // A lost interrupt would halt forever: the guest test's timeout makes that a failure.
        while (!round.fired) {
            cpu::enable_interrupts_and_halt();
            cpu::disable_interrupts();
        }
        cpu::enable_interrupts();
        if (round.fired_tsc < deadline) early++;
        u64 late = ktime::tsc_to_ns(round.fired_tsc - deadline);
        if (round.fired_tsc >= deadline && late > worst_late_ns) worst_late_ns = late;
    }
    auto after = timers::stats();
    u64 elapsed = ktime::monotonic_ns() - start;
    klog::print("  {} one-shot timers of 1 ms in {} us; {} early; worst lateness {} us; {} interrupts\n", kRounds,
                elapsed / 1000, early, worst_late_ns / 1000, after.interrupts - before.interrupts);
    SELFTEST_CHECK(after.callbacks - before.callbacks >= kRounds);
    SELFTEST_CHECK(elapsed >= kRounds * kIntervalNs);
    SELFTEST_CHECK(early == 0);
    return true;
}

bool clock_advances() {
    u64 previous = ktime::monotonic_ns();
    for (int i = 0; i < 100000; i++) {
        u64 now = ktime::monotonic_ns();
        SELFTEST_CHECK(now >= previous);
        previous = now;
    }
    // 5 ms of busy waiting measured on the TSC must show as at least 5 ms on the clock.
    u64 start = ktime::monotonic_ns();
    u64 deadline = cpu::rdtsc() + ktime::ns_to_tsc(5'000'000);
    while (cpu::rdtsc() < deadline) cpu::pause();
    SELFTEST_CHECK(ktime::monotonic_ns() - start >= 5'000'000);
    // The wall clock came from the RTC: it must be after 2020-01-01.
    SELFTEST_CHECK(ktime::realtime_ns() / 1000000000 >= 1577836800);
    klog::print("  wall clock {} s since the epoch\n", ktime::realtime_ns() / 1000000000);
    return true;
}

const Test kTimeTests[] = {
    {"timer", timer_interrupts, false},
    {"clock", clock_advances, false},
};

}  // namespace

std::span<const Test> time_tests() { return kTimeTests; }

}  // namespace selftest
