// The local APIC: interrupt acknowledgement and the one-shot timer that drives timers and
// preemption. xAPIC through MMIO only (x2APIC and TSC-deadline cannot be tested under TCG).
#pragma once

#include "base/result.h"

namespace apic {

constexpr u8 kTimerVector = 0x20;

// Maps and enables the local APIC (the timer stays off).
Result<void> enable();
// Hooks for tsc::detect(): the APIC timer is calibrated over the PIT window the TSC uses.
void calibration_window_begin();
void calibration_window_end(u64 tsc_cycles);
// Finds the timer's frequency (from that window, or by measuring against the TSC) and
// unmasks it in one-shot mode. Needs the clock.
Result<void> start_timer();
void end_of_interrupt();
// The APIC timer's input frequency after the divider, measured against the TSC.
u64 timer_hz();
// Fires kTimerVector once, no earlier than `ns` from now (rounded up to a timer tick).
void arm_oneshot_ns(u64 ns);
void cancel_timer();
u32 id();

}  // namespace apic
