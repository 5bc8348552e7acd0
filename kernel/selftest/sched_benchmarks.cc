// Scheduler figures for bench/sched_figures.sh: run with `osprey boot --deterministic`
// and the TSC counts instructions, so every figure repeats exactly. Printed as
// "bench NAME: VALUE UNIT" lines.
#include "lib/atomic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "selftest/selftest.h"
#include "sync/wait_queue.h"

namespace selftest {

namespace {

kstd::Atomic<bool> g_stop{false};

// Two threads yielding to each other: each yield is one switch.
bool context_switch() {
    constexpr u64 kYields = 20'000;
    g_stop = false;
    // Both on this CPU: on two they would each yield to nobody.
    u64 here = 1ull << this_cpu()->id, mine = sched::affinity(current_thread());
    SELFTEST_CHECK(sched::set_affinity(current_thread(), here).is_ok());
    auto partner = Thread::spawn("yielder", [](void*) {
        while (!g_stop) sched::yield();
    }, nullptr, {.affinity = here});
    SELFTEST_CHECK(partner.is_ok());
    sched::yield();  // let it start
    auto before = sched::stats();
    u64 start = cpu::rdtsc();
    for (u64 i = 0; i < kYields; i++) sched::yield();
    u64 ticks = cpu::rdtsc() - start;
    auto after = sched::stats();
    g_stop = true;
    Thread::join(partner.value());
    (void)sched::set_affinity(current_thread(), mine);
    u64 switches = after.context_switches - before.context_switches;
    SELFTEST_CHECK(switches >= kYields);
    klog::print("bench context_switch: {} ticks per switch ({} switches)\n", ticks / switches, switches);
    return true;
}

// The same between two threads that both use the FPU: every switch saves one FPU state
// and restores the other (XSAVE/XRSTOR, or FXSAVE/FXRSTOR).
struct FpuSwitch {
    u64 ticks = 0;
    u64 switches = 0;
};

bool fpu_context_switch() {
    constexpr u64 kYields = 20'000;
    static FpuSwitch result;
    g_stop = false;
    u64 here = 1ull << this_cpu()->id;  // both on one CPU, as above
    auto partner = Thread::spawn("fpu-yielder", [](void*) {
        while (!g_stop) sched::yield();
    }, nullptr, {.uses_fpu = true, .affinity = here});
    auto measurer = Thread::spawn("fpu-measurer", [](void*) {
        sched::yield();
        auto before = sched::stats();
        u64 start = cpu::rdtsc();
        for (u64 i = 0; i < kYields; i++) sched::yield();
        result.ticks = cpu::rdtsc() - start;
        result.switches = sched::stats().context_switches - before.context_switches;
        g_stop = true;
    }, nullptr, {.uses_fpu = true, .affinity = here});
    SELFTEST_CHECK(partner.is_ok() && measurer.is_ok());
    Thread::join(measurer.value());
    Thread::join(partner.value());
    SELFTEST_CHECK(result.switches >= kYields);
    klog::print("bench fpu_context_switch: {} ticks per switch ({} switches)\n", result.ticks / result.switches,
                result.switches);
    return true;
}

bool create_join() {
    constexpr u64 kThreads = 2000;
    // Warm the stack slots and their page tables first.
    for (int i = 0; i < 10; i++) Thread::join(Thread::spawn("warm", [](void*) {}, nullptr).value());
    u64 start = cpu::rdtsc();
    for (u64 i = 0; i < kThreads; i++) {
        auto t = Thread::spawn("short", [](void*) {}, nullptr);
        SELFTEST_CHECK(t.is_ok());
        Thread::join(t.value());
    }
    klog::print("bench create_join: {} ticks per thread\n", (cpu::rdtsc() - start) / kThreads);
    return true;
}

bool sleep_lateness() {
    for (u64 ms : {1, 10, 100}) {
        u64 worst = 0, total = 0;
        constexpr int kRounds = 5;
        for (int i = 0; i < kRounds; i++) {
            u64 deadline = cpu::rdtsc() + ktime::ns_to_tsc(ms * 1'000'000);
            sched::sleep_until_tsc(deadline);
            u64 late = cpu::rdtsc() - deadline;
            total += late;
            if (late > worst) worst = late;
        }
        klog::print("bench sleep_{}ms_lateness: {} ticks mean, {} worst\n", ms, total / kRounds, worst);
    }
    return true;
}

// Wake-up latency: from a wake() to the woken thread running, for a thread blocked on
// this CPU (the waker then blocks too) and, with two CPUs or more, on an idle CPU halted
// in HLT (the reschedule IPI wakes it; no timer interrupt is waited for).
struct WakeProbe {
    WaitQueue queue{"bench wake"};
    bool go = false;         // guarded by queue's lock
    kstd::Atomic<u64> woken_at{0};
    kstd::Atomic<bool> waiting{false};
    kstd::Atomic<bool> quit{false};
};

void wake_probe_waiter(void* context) {
    auto& probe = *static_cast<WakeProbe*>(context);
    while (!probe.quit.load()) {
        probe.waiting.store(true);
        (void)probe.queue.wait_until([&] { return probe.go; });
        probe.woken_at.store(cpu::rdtsc());
        probe.queue.locked([&] { probe.go = false; });
    }
}

// Mean and worst ticks from wake() to the waiter running, the waiter on `cpu`.
void measure_wake(const char* name, u32 cpu) {
    constexpr int kRounds = 200;
    WakeProbe probe;
    auto waiter = Thread::spawn("wake probe", wake_probe_waiter, &probe, {.affinity = 1ull << cpu});
    if (waiter.is_error()) return;
    u64 total = 0, worst = 0;
    for (int i = 0; i < kRounds; i++) {
        // Until the waiter is blocked again (and its CPU idle, when it is another one).
        while (!probe.waiting.load()) sched::sleep_ns(100'000);
        sched::sleep_ns(200'000);
        probe.waiting.store(false);
        probe.woken_at.store(0);
        u64 start = cpu::rdtsc();
        probe.queue.locked([&] { probe.go = true; });
        probe.queue.wake_one();
        while (!probe.woken_at.load()) sched::yield();
        u64 latency = probe.woken_at.load() - start;
        total += latency;
        if (latency > worst) worst = latency;
    }
    // The waiter may see `quit` before it says it waits again and so never wait: no
    // waiting for it to wait (that hung once in twelve runs on a loaded host). `go` set
    // before the wake-up ends any wait it is in or about to begin.
    probe.quit.store(true);
    probe.queue.locked([&] { probe.go = true; });
    probe.queue.wake_one();
    Thread::join(waiter.value());
    klog::print("bench {}: {} ticks mean, {} worst ({} ns mean)\n", name, total / kRounds, worst,
                ktime::tsc_to_ns(total / kRounds));
}

bool wake_latency() {
    u32 here = this_cpu()->id;
    measure_wake("wake_same_cpu", here);
    if (sched::cpu_count() >= 2) measure_wake("wake_idle_cpu", here == 0 ? 1 : 0);
    return true;
}

const Test kBenchmarks[] = {
    {"bench-switch", context_switch, false, true},
    {"bench-switch-fpu", fpu_context_switch, false, true},
    {"bench-create", create_join, false, true},
    {"bench-sleep", sleep_lateness, false, true},
    {"bench-wake", wake_latency, false, true},
};

}  // namespace

std::span<const Test> sched_benchmarks() { return kBenchmarks; }

}  // namespace selftest
