// The TSC frequency: from CPUID leaf 0x15 (TSC/crystal ratio) or 0x16 (base frequency)
// where the CPU reports it, else calibrated against the PIT.
#pragma once

#include "arch/x86_64/pit.h"
#include "base/types.h"

namespace tsc {

struct Frequency {
    u64 hz;
    const char* source;  // "cpuid-15h", "cpuid-16h", "pit"
};

// The hook runs around the PIT window when the PIT is used (pit.h).
Frequency detect(const pit::WindowHook& hook = {});

}  // namespace tsc
