// The TSC frequency: as the host passed it on the command line (tsc_khz=, which osprey run
// does), else from CPUID leaf 0x15 (TSC/crystal ratio) or 0x16 (base frequency) where the
// CPU reports it, else calibrated against the PIT.
#pragma once

#include "arch/x86_64/pit.h"
#include "base/types.h"

namespace tsc {

struct Frequency {
    u64 hz;
    const char* source;  // "cmdline", "cpuid-15h", "cpuid-16h", "pit"
};

// `host_hz` is the frequency the host passed (0 if none, or refused: time/tsc_khz.h). The
// hook runs around the PIT window when the PIT is used (pit.h).
Frequency detect(u64 host_hz, const pit::WindowHook& hook = {});

}  // namespace tsc
