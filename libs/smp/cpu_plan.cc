#include "smp/cpu_plan.h"

namespace smp {

CpuPlan plan_cpus(std::span<const FirmwareCpu> listed, u32 boot_apic_id) {
    CpuPlan plan;
    plan.apic_ids[plan.count++] = boot_apic_id;
    for (const FirmwareCpu& cpu : listed) {
        if (cpu.apic_id == boot_apic_id) {
            if (plan.boot_cpu_listed) plan.duplicates++;
            plan.boot_cpu_listed = true;
            continue;
        }
        if (!cpu.enabled) {
            plan.disabled++;
            continue;
        }
        if (cpu.apic_id > kMaxXapicId) {
            plan.unreachable++;
            continue;
        }
        bool seen = false;
        for (usize i = 1; i < plan.count && !seen; i++) seen = plan.apic_ids[i] == cpu.apic_id;
        if (seen) {
            plan.duplicates++;
            continue;
        }
        if (plan.count == kMaxCpus) {
            plan.beyond_capacity++;
            continue;
        }
        plan.apic_ids[plan.count++] = cpu.apic_id;
    }
    return plan;
}

}  // namespace smp
