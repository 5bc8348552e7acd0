// The CPUs after the boot one (arch/x86_64/smp.h, ipi.h): each came up as itself, with its
// own APIC id, PerCpu, GS base, GDT, TSS and interrupt stacks and the boot CPU's control
// registers; remote calls run where they are sent; an IPI wakes a halted CPU. They need
// two CPUs or more (--cpus), so they run by name only, and fail with one.
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "selftest/selftest.h"
#include "sched/timer.h"

namespace selftest {

namespace {

constexpr u32 kMaxCpus = smp::kMaxCpus;

bool enough_cpus() {
    if (smp::online_count() >= 2) return true;
    klog::print("  needs two CPUs or more (osprey boot --cpus N); {} online\n", smp::online_count());
    return false;
}

// What a CPU says about itself, from its own registers.
struct Probe {
    bool ran;
    u32 id;
    PerCpu* self;
    u64 gs_base;
    u32 apic_id;
    u16 task_register;
    u64 gdt_base, idt_base, tss_base;
    u64 double_fault_stack;
    u64 cr0, cr4, efer, xcr0, pat, lstar;
};

struct [[gnu::packed]] DescriptorTablePointer {
    u16 limit;
    u64 base;
};

void probe(void* argument) {
    Probe& p = *static_cast<Probe*>(argument);
    p.id = this_cpu()->id;
    p.self = this_cpu();
    p.gs_base = cpu::rdmsr(cpu::msr::kGsBase);
    p.apic_id = apic::id();
    asm volatile("str %0" : "=r"(p.task_register));
    DescriptorTablePointer gdtr, idtr;
    asm volatile("sgdt %0" : "=m"(gdtr));
    asm volatile("sidt %0" : "=m"(idtr));
    p.gdt_base = gdtr.base;
    p.idt_base = idtr.base;
    // The TSS the task register points at, as its GDT descriptor gives it.
    const u64* gdt = reinterpret_cast<const u64*>(gdtr.base);
    u64 low = gdt[gdt::kTss / 8], high = gdt[gdt::kTss / 8 + 1];
    p.tss_base = ((low >> 16) & 0xffffff) | (((low >> 56) & 0xff) << 24) | (high << 32);
    p.double_fault_stack = reinterpret_cast<const gdt::Tss*>(p.tss_base)->ist[gdt::kIstDoubleFault - 1];
    p.cr0 = cpu::read_cr0();
    p.cr4 = cpu::read_cr4();
    p.efer = cpu::rdmsr(cpu::msr::kEfer);
    if (p.cr4 & (1u << 18)) {  // OSXSAVE: XGETBV works
        u32 lo, hi;
        asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        p.xcr0 = (u64(hi) << 32) | lo;
    }
    p.pat = cpu::rdmsr(cpu::msr::kPat);
    p.lstar = cpu::rdmsr(cpu::msr::kLstar);
    p.ran = true;
}

// Every planned CPU came up, and each is itself: its own APIC id, PerCpu and GS base, its
// own GDT and TSS (the task register's), its own interrupt stacks; the shared IDT; and
// the boot CPU's control registers and MSRs.
bool smp_cpus() {
    if (!enough_cpus()) return false;
    u32 count = smp::online_count();
    SELFTEST_CHECK(count == smp::plan().count);
    static Probe probes[kMaxCpus];
    for (u32 id = 0; id < count; id++) {
        probes[id] = {};
        SELFTEST_CHECK(ipi::call(id, probe, &probes[id]).is_ok());
    }
    const Probe& boot = probes[0];
    for (u32 id = 0; id < count; id++) {
        const Probe& p = probes[id];
        PerCpu* cpu = smp::cpu(id);
        SELFTEST_CHECK(p.ran && p.id == id);
        SELFTEST_CHECK(p.self == cpu && p.gs_base == reinterpret_cast<u64>(cpu));
        SELFTEST_CHECK(p.apic_id == cpu->apic_id && p.apic_id == smp::plan().apic_ids[id]);
        SELFTEST_CHECK(p.task_register == gdt::kTss);
        SELFTEST_CHECK(p.gdt_base == reinterpret_cast<u64>(cpu->tables->gdt));
        SELFTEST_CHECK(p.tss_base == reinterpret_cast<u64>(&cpu->tables->tss));
        SELFTEST_CHECK(p.double_fault_stack != 0);
        SELFTEST_CHECK(p.idt_base == boot.idt_base);
        SELFTEST_CHECK(p.cr0 == boot.cr0 && p.cr4 == boot.cr4 && p.efer == boot.efer);
        SELFTEST_CHECK(p.xcr0 == boot.xcr0 && p.pat == boot.pat && p.lstar == boot.lstar);
        for (u32 other = 0; other < id; other++) {
            SELFTEST_CHECK(p.apic_id != probes[other].apic_id);
            SELFTEST_CHECK(p.self != probes[other].self);
            SELFTEST_CHECK(p.gdt_base != probes[other].gdt_base && p.tss_base != probes[other].tss_base);
            SELFTEST_CHECK(p.double_fault_stack != probes[other].double_fault_stack);
        }
    }
    klog::print("  {} CPUs, APIC ids", count);
    for (u32 id = 0; id < count; id++) klog::print(" {}", probes[id].apic_id);
    klog::print(", CR4 {:#x}, EFER {:#x}\n", boot.cr4, boot.efer);
    return true;
}

void record_cpu(void* argument) { *static_cast<u32*>(argument) = this_cpu()->id; }

struct RunCounts {
    kstd::Atomic<u32> runs[kMaxCpus];
};
void count_run(void* argument) { static_cast<RunCounts*>(argument)->runs[this_cpu()->id].fetch_add(1); }

// A call runs on the CPU it is sent to, a call to the others on each of them once, and
// many in a row neither lose nor repeat one.
bool smp_call() {
    if (!enough_cpus()) return false;
    u32 count = smp::online_count();
    u32 self = this_cpu()->id;
    for (u32 id = 0; id < count; id++) {
        u32 seen = ~0u;
        auto calls_before = ipi::stats(id).calls;
        SELFTEST_CHECK(ipi::call(id, record_cpu, &seen).is_ok());
        SELFTEST_CHECK(seen == id);
        if (id != self) SELFTEST_CHECK(ipi::stats(id).calls == calls_before + 1);
    }
    static RunCounts counts;
    for (auto& run : counts.runs) run.store(0);
    constexpr u32 kRounds = 200;
    for (u32 round = 0; round < kRounds; round++) SELFTEST_CHECK(ipi::call_others(count_run, &counts).is_ok());
    for (u32 id = 0; id < kMaxCpus; id++) SELFTEST_CHECK(counts.runs[id].load() == (id < count && id != self ? kRounds : 0));
    u32 unused = 0;
    SELFTEST_CHECK(ipi::call(count, record_cpu, &unused).error() == ENXIO);
    SELFTEST_CHECK(ipi::call(kMaxCpus + 1, record_cpu, &unused).error() == ENXIO);
    return true;
}

// Waits until CPU `id` sits in its idle halt, and has stayed there for a while: nothing
// but an interrupt sent to it can wake it (its APIC timer is off).
bool settled_in_halt(u32 id, smp::IdleCounts& counts) {
    u64 deadline = ktime::monotonic_ns() + 1'000'000'000;
    for (;;) {
        counts = smp::idle_counts(id);
        if (counts.halts == counts.wakeups + 1) {
            sched::sleep_ns(20'000'000);
            smp::IdleCounts later = smp::idle_counts(id);
            if (later.halts == counts.halts && later.wakeups == counts.wakeups) return true;
        }
        if (ktime::monotonic_ns() > deadline) return false;
        sched::sleep_ns(1'000'000);
    }
}

// Whether CPU `id` leaves its halt (bounded wait: its idle loop counts the wake-up after
// the interrupt's handler has run, so a moment after the caller saw the handler's effect).
bool woke_since(u32 id, const smp::IdleCounts& before) {
    u64 deadline = ktime::monotonic_ns() + 1'000'000'000;
    while (smp::idle_counts(id).wakeups == before.wakeups && ktime::monotonic_ns() < deadline) sched::sleep_ns(100'000);
    return smp::idle_counts(id).wakeups > before.wakeups;
}

// A halted CPU wakes for a remote call, and for a reschedule IPI, which it acknowledges
// (the call after it arrives: an unacknowledged 0xf1 would block the 0xf0 behind it).
bool smp_wake() {
    if (!enough_cpus()) return false;
    for (u32 id = 1; id < smp::online_count(); id++) {
        smp::IdleCounts before;
        SELFTEST_CHECK(settled_in_halt(id, before));
        u32 seen = ~0u;
        SELFTEST_CHECK(ipi::call(id, record_cpu, &seen).is_ok());
        SELFTEST_CHECK(seen == id);
        SELFTEST_CHECK(woke_since(id, before));

        SELFTEST_CHECK(settled_in_halt(id, before));
        u64 reschedules = ipi::stats(id).reschedules;
        SELFTEST_CHECK(ipi::send_reschedule(id).is_ok());
        u64 deadline = ktime::monotonic_ns() + 1'000'000'000;
        while (ipi::stats(id).reschedules == reschedules && ktime::monotonic_ns() < deadline) sched::sleep_ns(100'000);
        SELFTEST_CHECK(ipi::stats(id).reschedules == reschedules + 1);
        SELFTEST_CHECK(woke_since(id, before));
        seen = ~0u;
        SELFTEST_CHECK(ipi::call(id, record_cpu, &seen).is_ok());
        SELFTEST_CHECK(seen == id);
    }
    SELFTEST_CHECK(ipi::send_reschedule(smp::online_count()).error() == ENXIO);
    return true;
}

// An NMI finds an idle CPU where it idles: in the kernel's code, halted with interrupts on.
bool smp_nmi() {
    if (!enough_cpus()) return false;
    for (u32 id = 1; id < smp::online_count(); id++) {
        smp::IdleCounts idle;
        SELFTEST_CHECK(settled_in_halt(id, idle));
        auto sample = ipi::sample_state(id);
        SELFTEST_CHECK(sample.is_ok());
        u64 rip = sample.value().rip;
        SELFTEST_CHECK(rip >= reinterpret_cast<u64>(__kernel_start) && rip < reinterpret_cast<u64>(__text_end));
        SELFTEST_CHECK(sample.value().rflags & (1u << 9));
    }
    SELFTEST_CHECK(ipi::sample_state(this_cpu()->id).error() == EINVAL);
    return true;
}

// Spins with interrupts off, like a CPU stuck in a loop, until the caller's report has
// sampled it with an NMI (or 5 s, if no report ever comes).
[[gnu::noinline]] void spin_with_interrupts_off(void*) {
    u32 self = this_cpu()->id;
    u64 samples = ipi::stats(self).samples;
    u64 until = cpu::rdtsc() + ktime::ns_to_tsc(5'000'000'000);
    while (ipi::stats(self).samples == samples && static_cast<i64>(cpu::rdtsc() - until) < 0) cpu::pause();
}

// A CPU that keeps a call waiting is reported, with where an NMI found it (the NMI gets
// through interrupts off); the call still completes. The CTest checks the report's lines.
bool smp_stuck() {
    if (!enough_cpus()) return false;
    u64 samples = ipi::stats(1).samples;
    u64 began = ktime::monotonic_ns();
    SELFTEST_CHECK(ipi::call(1, spin_with_interrupts_off, nullptr).is_ok());
    SELFTEST_CHECK(ipi::stats(1).samples == samples + 1);
    SELFTEST_CHECK(ktime::monotonic_ns() - began >= 1'000'000'000);
    return true;
}

// Timers armed on one CPU and cancelled on another: a cancelled timer never fires; one left
// armed fires on the CPU that armed it; a cancel that meets the callback running on the
// other CPU returns only once it has returned.
struct CrossTimer {
    Timer timer;
    kstd::Atomic<u32> fired{0};
    kstd::Atomic<u32> fired_on{~0u};
    kstd::Atomic<bool> in_callback{false};
    u64 spin_ns = 0;
};

void cross_timer_fired(Timer& timer) {
    auto* t = static_cast<CrossTimer*>(timer.context);
    t->in_callback.store(true);
    t->fired_on.store(this_cpu()->id);
    if (t->spin_ns) {
        u64 until = cpu::rdtsc() + ktime::ns_to_tsc(t->spin_ns);
        while (static_cast<i64>(cpu::rdtsc() - until) < 0) cpu::pause();
    }
    t->fired.fetch_add(1);
    t->in_callback.store(false);
}

void arm_in(void* argument) {
    auto* t = static_cast<CrossTimer*>(argument);
    timers::arm(t->timer, cpu::rdtsc() + ktime::ns_to_tsc(t->spin_ns ? 1'000'000 : 30'000'000));
}

bool smp_timers() {
    if (!enough_cpus()) return false;
    static CrossTimer t;
    t.timer.callback = cross_timer_fired;
    t.timer.context = &t;
    // Armed on CPU 1 for 30 ms, cancelled here at once: it never fires.
    t.fired = 0;
    SELFTEST_CHECK(ipi::call(1, arm_in, &t).is_ok());
    timers::cancel(t.timer);
    sched::sleep_ns(60'000'000);
    SELFTEST_CHECK(t.fired.load() == 0);
    // Armed on CPU 1 and left: it fires there.
    SELFTEST_CHECK(ipi::call(1, arm_in, &t).is_ok());
    sched::sleep_ns(60'000'000);
    SELFTEST_CHECK(t.fired.load() == 1 && t.fired_on.load() == 1);
    // Cancelled while its callback runs on CPU 1 (it spins 20 ms): cancel waits for it.
    t.spin_ns = 20'000'000;
    SELFTEST_CHECK(ipi::call(1, arm_in, &t).is_ok());
    u64 deadline = ktime::monotonic_ns() + 1'000'000'000;
    while (!t.in_callback.load() && ktime::monotonic_ns() < deadline) cpu::pause();
    SELFTEST_CHECK(t.in_callback.load());
    timers::cancel(t.timer);
    SELFTEST_CHECK(!t.in_callback.load() && t.fired.load() == 2);
    t.spin_ns = 0;
    klog::print("  cancelled before it fired, fired on cpu {}, a running callback waited for\n", t.fired_on.load());
    return true;
}

// Balancing between busy CPUs: three spinning threads bound to CPU 0 are set free while
// every other CPU runs a spinner of its own. No CPU ever idles, so stealing cannot spread
// them; CPU 0 handing one out at the end of a slice (push_work) must, until it holds two.
constexpr u32 kWorkers = 3;
kstd::Atomic<bool> g_balance_stop{false};
kstd::Atomic<u32> g_worker_cpu[kWorkers];  // each worker's CPU, as it last saw it

void balance_spin(void* slot) {
    while (!g_balance_stop.load(kstd::relaxed)) {
        if (slot) static_cast<kstd::Atomic<u32>*>(slot)->store(this_cpu()->id, kstd::relaxed);
    }
}

u32 workers_on_boot_cpu() {
    u32 n = 0;
    for (auto& where : g_worker_cpu) n += where.load(kstd::relaxed) == 0;
    return n;
}

bool smp_balance() {
    if (!enough_cpus()) return false;
    u32 count = sched::cpu_count();
    g_balance_stop = false;
    Thread* threads[kMaxCpus + kWorkers];
    u32 spawned = 0;
    for (u32 cpu = 1; cpu < count; cpu++) {
        auto t = Thread::spawn("spinner", balance_spin, nullptr, {.affinity = 1ull << cpu});
        SELFTEST_CHECK(t.is_ok());
        threads[spawned++] = t.value();
    }
    for (u32 i = 0; i < kWorkers; i++) {
        g_worker_cpu[i] = 0;
        auto t = Thread::spawn("worker", balance_spin, &g_worker_cpu[i], {.affinity = 1});
        SELFTEST_CHECK(t.is_ok());
        threads[spawned++] = t.value();
    }
    sched::sleep_ns(50'000'000);
    sched::CpuStats before = sched::total_cpu_stats();
    for (u32 i = count - 1; i < spawned; i++) SELFTEST_CHECK(sched::set_affinity(threads[i], sched::cpu_mask()).is_ok());
    // A bound on the wait, not a figure: it takes a few slices.
    u64 deadline = ktime::monotonic_ns() + 20'000'000'000;
    while (workers_on_boot_cpu() > 2 && ktime::monotonic_ns() < deadline) sched::sleep_ns(10'000'000);
    u32 left = workers_on_boot_cpu();
    sched::CpuStats after = sched::total_cpu_stats();
    u64 pushes = after.pushes - before.pushes, steals = after.steals - before.steals;
    g_balance_stop = true;
    for (u32 i = 0; i < spawned; i++) Thread::join(threads[i]);
    klog::print("  {} of {} workers left on cpu 0, {} pushes, {} steals\n", left, kWorkers, pushes, steals);
    SELFTEST_CHECK(left <= 2);
    SELFTEST_CHECK(pushes >= 1);
    return true;
}

const Test kSmpTests[] = {
    {"smp-cpus", smp_cpus, false, false, true},
    {"smp-call", smp_call, false, false, true},
    {"smp-wake", smp_wake, false, false, true},
    {"smp-nmi", smp_nmi, false, false, true},
    {"smp-stuck", smp_stuck, false, false, true},
    {"smp-timers", smp_timers, false, false, true},
    {"smp-balance", smp_balance, false, false, true},
};

}  // namespace

std::span<const Test> smp_tests() { return kSmpTests; }

}  // namespace selftest
