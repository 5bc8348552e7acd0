#include "sched/watchdog.h"

#include "arch/x86_64/percpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/smp.h"
#include "cmdline/cmdline.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "protocol/exit_record.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/state_dump.h"
#include "sched/thread.h"
#include "sched/timer.h"

namespace watchdog {

namespace {

// Linux's soft-lockup report comes after 20 s; code under TCG runs several times slower
// than on hardware, so a little more here.
constexpr u64 kDefaultThresholdSeconds = 30;
constexpr u64 kChecksPerThreshold = 5;

struct CpuWatch {
    Timer timer;
    // Written by the CPU's own timer, read by the others: when its timer last ran (TSC).
    kstd::Atomic<u64> last_tick{0};
    // What the CPU ran at the first check that found it where it is now: the thread and
    // PerCpu::progress, and since when (TSC). Only the CPU itself touches these.
    const Thread* thread = nullptr;
    u64 progress = 0;
    u64 since = 0;
};

CpuWatch g_watch[smp::kMaxCpus];
u64 g_threshold_tsc = 0;  // 0: off; set before any CPU's watchdog starts
u64 g_period_tsc = 0;
kstd::Atomic<bool> g_reporting{false};

[[noreturn]] void report_and_power_off(const char* cause) {
    state_dump::dump_everything(cause);
    power::shutdown({protocol::ExitReason::Hang, 0});
}

// Only the first CPU to find a hang reports it; another that finds one meanwhile (the
// same hang seen from elsewhere) stays out of the way.
bool claim_report() {
    bool expected = false;
    return g_reporting.compare_exchange_strong(expected, true, kstd::acq_rel);
}

void check_this_cpu(CpuWatch& watch, u64 now) {
    PerCpu* cpu = this_cpu();
    u64 progress = __atomic_load_n(&cpu->progress, __ATOMIC_RELAXED);
    const Thread* current = cpu->current;
    if (sched::idle_running() || current != watch.thread || progress != watch.progress) {
        watch.thread = current;
        watch.progress = progress;
        watch.since = now;
        return;
    }
    if (now - watch.since < g_threshold_tsc || !claim_report()) return;
    klog::error("watchdog: cpu {} has run thread {} '{}' in the kernel for {} s without scheduling", cpu->id,
                current->id(), current->name(), ktime::tsc_to_ns(now - watch.since) / 1'000'000'000);
    report_and_power_off("watchdog");
}

void check_other_cpus(u32 me, u64 now) {
    for (u32 id = 0; id < smp::online_count(); id++) {
        if (id == me) continue;
        u64 last = g_watch[id].last_tick.load(kstd::acquire);
        // Not started yet, or a tick that raced with this one's clock read.
        if (last == 0 || static_cast<i64>(now - last) < static_cast<i64>(g_threshold_tsc)) continue;
        if (!claim_report()) return;
        klog::error("watchdog: cpu {} has not taken a timer interrupt for {} s: interrupts off, or stuck", id,
                    ktime::tsc_to_ns(now - last) / 1'000'000'000);
        report_and_power_off("watchdog");
    }
}

void on_tick(Timer& timer) {
    auto& watch = *static_cast<CpuWatch*>(timer.context);
    u64 now = cpu::rdtsc();
    watch.last_tick.store(now, kstd::release);
    if (!g_reporting.load(kstd::acquire)) {
        check_this_cpu(watch, now);
        check_other_cpus(this_cpu()->id, now);
    }
    timers::arm(timer, now + g_period_tsc);
}

}  // namespace

void configure(const cmdline::CommandLine& cmdline) {
    u64 seconds = kDefaultThresholdSeconds;
    if (auto given = cmdline.get_u64("watchdog"); given.is_ok())
        seconds = given.value();
    else if (cmdline.has("watchdog"))
        klog::warn("watchdog: '{}' is not a number of seconds; using {}", cmdline.get("watchdog").value_or(""), seconds);
    if (seconds > 24 * 3600) seconds = 24 * 3600;
    g_threshold_tsc = ktime::ns_to_tsc(seconds * 1'000'000'000);
    g_period_tsc = g_threshold_tsc / kChecksPerThreshold;
    if (!seconds) klog::info("watchdog: off");
}

void start_this_cpu() {
    if (!g_threshold_tsc) return;
    u32 id = this_cpu()->id;
    if (id >= smp::kMaxCpus) return;
    CpuWatch& watch = g_watch[id];
    watch.timer.callback = on_tick;
    watch.timer.context = &watch;
    u64 now = cpu::rdtsc();
    watch.last_tick.store(now, kstd::release);
    timers::arm(watch.timer, now + g_period_tsc);
}

}  // namespace watchdog
