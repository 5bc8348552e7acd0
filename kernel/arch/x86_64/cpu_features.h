// What this CPU can do, read once from CPUID at boot.
#pragma once

#include "base/types.h"

namespace cpu_features {

enum Feature : u32 {
    kNx, kPge, kSmep, kSmap, kUmip, kXsave, kFsgsbase, kRdrand, kRdseed, kInvariantTsc,
    kApic, kX2apic, kTscDeadline, kPdpe1gb, kFxsr, kSse2, kHypervisor, kCount
};

void detect();
bool has(Feature feature);
const char* name(Feature feature);
// The CPU vendor and brand string, for the boot log.
const char* brand();

}  // namespace cpu_features
