#include "arch/x86_64/smp.h"

#include "arch/x86_64/ap_boot.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "drivers/acpi/acpi.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "mm/physical_view.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "smp/mp_table.h"

namespace smp {

namespace {

// How long a CPU gets from its INIT to coming online. QEMU's take a few milliseconds; a
// loaded host may hold a vCPU thread back far longer.
constexpr u64 kStartTimeoutNs = 2'000'000'000;

// What other CPUs may read of a CPU: written once before it is published (online_count
// grows past it), or atomic. Cache-line sized, so one CPU's counters do not share a line
// with another's. Slot 0, the boot CPU's, holds no pointer: percpu::boot_cpu() is it.
struct alignas(64) CpuSlot {
    PerCpu* cpu = nullptr;
    kstd::Atomic<u64> halts{0};
    kstd::Atomic<u64> wakeups{0};
};

CpuSlot g_slots[kMaxCpus];
kstd::Atomic<u32> g_online{1};
CpuPlan g_plan;
const char* g_plan_source = "none";

// The processors the firmware lists: the MADT's (pc, q35), else the MP table's (microvm
// with acpi=off, whose firmware writes one; Firecracker).
usize firmware_cpus(FirmwareCpu (&out)[kMaxCpus]) {
    usize count = 0;
    if (const acpi::Madt* madt = acpi::madt(); madt && madt->processor_count > 0) {
        for (usize i = 0; i < madt->processor_count; i++)
            out[count++] = {madt->processors[i].apic_id, madt->processors[i].enabled};
        if (madt->processors_beyond_capacity)
            klog::warn("smp: the MADT lists {} processors beyond the {} Osprey runs on", madt->processors_beyond_capacity,
                       kMaxCpus);
        g_plan_source = "MADT";
        return count;
    }
    auto table = mp_table::find(physical_view::direct_map());
    if (table.is_error()) {
        if (table.error() != ENOENT) klog::warn("smp: unusable MP table: {}", err::name(table.error()));
        return 0;
    }
    const mp_table::Config& config = table.value();
    for (usize i = 0; i < config.processor_count; i++)
        out[count++] = {config.processors[i].apic_id, config.processors[i].enabled};
    if (config.processors_beyond_capacity)
        klog::warn("smp: the MP table lists {} processors beyond the {} Osprey runs on",
                   config.processors_beyond_capacity, kMaxCpus);
    g_plan_source = "MP table";
    return count;
}

void log_plan(const CpuPlan& plan) {
    if (!plan.boot_cpu_listed && plan.count > 1)
        klog::warn("smp: the {} does not list the boot CPU (APIC id {})", g_plan_source, plan.apic_ids[0]);
    if (plan.unreachable)
        klog::warn("smp: {} CPUs have APIC ids above {}, which need x2APIC: not started", plan.unreachable,
                   kMaxXapicId);
    if (plan.beyond_capacity) klog::warn("smp: {} CPUs beyond the {} Osprey runs on: not started", plan.beyond_capacity, kMaxCpus);
    if (plan.duplicates) klog::warn("smp: {} repeated APIC ids ignored", plan.duplicates);
    if (plan.disabled) klog::info("smp: {} listed CPUs are disabled (not present)", plan.disabled);
}

// A CPU other than the boot one, once set up: it joins the scheduler, whose idle thread
// (this flow) counts its halts and wake-ups in its slot.
[[noreturn]] void secondary_online(PerCpu&, const kernel_stacks::Stack& stack) { sched::run_secondary_cpu(stack); }

}  // namespace

void start_cpus(const boot::BootInfo& info, std::optional<u32> no_sipi_apic_id) {
    PerCpu* boot = this_cpu();
    boot->apic_id = apic::id();
    FirmwareCpu listed[kMaxCpus];
    usize count = firmware_cpus(listed);
    g_plan = plan_cpus({listed, count}, boot->apic_id);
    log_plan(g_plan);
    if (g_plan.count == 1) {
        klog::info("smp: 1 CPU online ({})", g_plan_source);
        return;
    }

    if (auto prepared = ap_boot::prepare(info); prepared.is_error()) {
        klog::warn("smp: no free page below 640 KiB for the start-up code; running on 1 CPU");
        return;
    }
    u64 began = cpu::rdtsc();
    for (usize i = 1; i < g_plan.count; i++) {
        u32 id = g_online.load(kstd::relaxed);
        u32 apic_id = g_plan.apic_ids[i];
        // The slot may have served a CPU that did not come online.
        g_slots[id].halts.store(0, kstd::relaxed);
        g_slots[id].wakeups.store(0, kstd::relaxed);
        ap_boot::Outcome outcome =
            ap_boot::start(id, apic_id, kStartTimeoutNs, secondary_online, no_sipi_apic_id != apic_id);
        if (!outcome.cpu) {
            klog::warn("cpu {} (APIC id {}) did not start within {} ms; last stage: {}", id, apic_id,
                       kStartTimeoutNs / 1'000'000, ap_boot::stage_name(outcome.reached));
            continue;
        }
        if (outcome.cpu->apic_id != apic_id)
            klog::warn("smp: cpu {} reports APIC id {}, the {} said {}", id, outcome.cpu->apic_id, g_plan_source, apic_id);
        g_slots[id].cpu = outcome.cpu;
        // Publishes the slot: readers of online_count() see it filled in.
        g_online.store(id + 1, kstd::release);
        klog::info("smp: cpu {} (APIC id {}) online in {} us", id, outcome.cpu->apic_id, outcome.start_ns / 1000);
    }
    klog::print("smp: {} of {} CPUs online ({}), in {} ms\n", online_count(), g_plan.count, g_plan_source,
                ktime::tsc_to_ns(cpu::rdtsc() - began) / 1'000'000);
}

u32 online_count() { return g_online.load(kstd::acquire); }

PerCpu* cpu(u32 id) {
    if (id >= online_count()) return nullptr;
    return id == 0 ? &percpu::boot_cpu() : g_slots[id].cpu;
}

const CpuPlan& plan() { return g_plan; }
const char* plan_source() { return g_plan_source; }

IdleCounts idle_counts(u32 id) {
    if (id >= online_count()) return {0, 0};
    return {g_slots[id].halts.load(kstd::relaxed), g_slots[id].wakeups.load(kstd::relaxed)};
}

void count_halt() { g_slots[this_cpu()->id].halts.fetch_add(1, kstd::relaxed); }
void count_wakeup() { g_slots[this_cpu()->id].wakeups.fetch_add(1, kstd::relaxed); }

}  // namespace smp
