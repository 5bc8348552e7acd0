// The 8254 PIT, used only as a known-frequency reference to calibrate the TSC when CPUID
// does not give its frequency (always the case under TCG without icount).
#pragma once

#include "base/types.h"

namespace pit {

constexpr u64 kFrequencyHz = 1193182;

// Busy-waits for `ticks` PIT ticks and returns the TSC cycles that passed; 0 if the PIT
// does not count (absent).
// Called at the very start and end of the measured window, so another counter (the APIC
// timer) can be calibrated over exactly the same interval at no extra cost.
struct WindowHook {
    void (*begin)() = nullptr;
    void (*end)(u64 tsc_cycles) = nullptr;
};
u64 measure_tsc_over(u16 ticks, const WindowHook& hook = {});

}  // namespace pit
