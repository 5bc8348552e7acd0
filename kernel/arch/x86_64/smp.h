// The CPUs: which the firmware lists, starting the others after the boot CPU, and finding
// each one's PerCpu. CPU numbers are dense: 0 is the boot CPU, then 1, 2... in the order
// the others came online; a CPU's number is its PerCpu::id.
//
// Each CPU that comes online joins the scheduler (sched::run_secondary_cpu): its own run
// queue, idle thread and timers.
#pragma once

#include <optional>

#include "base/types.h"
#include "boot/pvh.h"
#include "smp/cpu_plan.h"

struct PerCpu;

namespace smp {

// Reads the processor list (the MADT, else an MP table), then starts every other enabled
// CPU on it with INIT-SIPI-SIPI, one at a time; a CPU that does not come online within a
// bound is reported on the kernel log and left parked, and the boot goes on. Logs how many
// CPUs are online. Runs once, on the boot CPU, in a thread (it sleeps), after the clock,
// the timers and the scheduler are up. `no_sipi_apic_id` names a CPU that gets no
// start-up IPI, for testing that report (the command line's smp.no_sipi).
void start_cpus(const boot::BootInfo& info, std::optional<u32> no_sipi_apic_id = std::nullopt);

// How many CPUs are online (1 until start_cpus).
u32 online_count();
// CPU `id`'s PerCpu, or nullptr when no such CPU is online. Other CPUs may read the fields
// PerCpu documents as set before a CPU comes online.
PerCpu* cpu(u32 id);

// What the firmware listed, for tests and the log: the APIC ids of the CPUs planned
// (online or not) and where the list came from ("MADT", "MP table", "none").
const CpuPlan& plan();
const char* plan_source();

// Idle-loop counters of a CPU: how many times its idle thread halted, and woke from a halt.
struct IdleCounts {
    u64 halts;
    u64 wakeups;
};
IdleCounts idle_counts(u32 id);
// The idle loop's counting, on the CPU that halts and wakes.
void count_halt();
void count_wakeup();

}  // namespace smp
