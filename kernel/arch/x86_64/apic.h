// The local APIC: interrupt acknowledgement and the one-shot timer that drives timers and
// preemption. xAPIC through MMIO only (x2APIC and TSC-deadline cannot be tested under TCG).
#pragma once

#include "base/result.h"

namespace apic {

constexpr u8 kTimerVector = 0x20;

Result<void> init();
void end_of_interrupt();
// The APIC timer's input frequency after the divider, measured against the TSC.
u64 timer_hz();
// Fires kTimerVector once, no earlier than `ns` from now (rounded up to a timer tick).
void arm_oneshot_ns(u64 ns);
void cancel_timer();
u32 id();

}  // namespace apic
