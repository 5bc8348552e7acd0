// Which processors to run on, from what the firmware lists (the MADT or the MP table):
// the boot CPU first, then every enabled processor the local APIC can address, in the
// firmware's order, up to the kernel's capacity. What is left out is counted, so the
// kernel log can say why a CPU the user asked for is not there.
#pragma once

#include <span>

#include "base/types.h"

namespace smp {

constexpr usize kMaxCpus = 64;
// The xAPIC's physical destination is 8 bits and 0xFF is the broadcast: ids above 254
// need x2APIC, which the kernel does not drive (TCG cannot emulate it for testing).
constexpr u32 kMaxXapicId = 254;

struct FirmwareCpu {
    u32 apic_id;
    bool enabled;
};

struct CpuPlan {
    u32 apic_ids[kMaxCpus] = {};  // [0] is the boot CPU; CPU numbers are indexes here
    usize count = 0;
    usize disabled = 0;         // listed, not enabled (absent, or hot-pluggable later)
    usize unreachable = 0;      // APIC ids beyond kMaxXapicId
    usize beyond_capacity = 0;  // enabled and reachable, but kMaxCpus were taken
    usize duplicates = 0;       // an APIC id listed again: ignored
    bool boot_cpu_listed = false;  // false: the list lacks the CPU the kernel runs on
};

// `boot_apic_id` is the running CPU's own id (its local APIC's ID register), which wins
// over whatever the list says about it.
CpuPlan plan_cpus(std::span<const FirmwareCpu> listed, u32 boot_apic_id);

}  // namespace smp
