// The local APIC: interrupt acknowledgement, the one-shot timer that drives timers and
// preemption, and inter-processor interrupts. xAPIC through MMIO only (x2APIC and
// TSC-deadline cannot be tested under TCG). Every CPU reaches its own APIC at the same
// address, so one mapping serves them all.
#pragma once

#include "base/result.h"

namespace apic {

constexpr u8 kTimerVector = 0x20;

// Maps and enables the boot CPU's local APIC (the timer stays off).
Result<void> enable();
// Enables this CPU's local APIC, on a CPU started after the boot one (whose enable() made
// the mapping). Its timer and local interrupt lines stay masked, as INIT left them.
void enable_secondary_cpu();
// Hooks for tsc::detect(): the APIC timer is calibrated over the PIT window the TSC uses.
void calibration_window_begin();
void calibration_window_end(u64 tsc_cycles);
// Finds the timer's frequency (from that window, or by measuring against the TSC) and
// unmasks it in one-shot mode. Needs the clock.
Result<void> start_timer();
// Unmasks this CPU's timer (one other than the boot CPU), at the boot CPU's frequency.
void start_secondary_timer();
void end_of_interrupt();
// Whether `vector` waits in this CPU's request register (IRR), or is being handled (ISR):
// for the state dump.
bool requested(u8 vector);
bool in_service(u8 vector);
// The highest vector requested / in service (0: none), and the processor priority (PPR).
u8 highest_requested();
u8 highest_in_service();
u32 processor_priority();
// The APIC timer's input frequency after the divider, measured against the TSC.
u64 timer_hz();
// Fires kTimerVector once, no earlier than `ns` from now (rounded up to a timer tick).
void arm_oneshot_ns(u64 ns);
void cancel_timer();
// This CPU's local APIC id.
u32 id();

// Inter-processor interrupts through the ICR, to one CPU by its APIC id (physical
// destination). Each waits for the previous IPI from this CPU to leave first, and fails
// with EBUSY if it never does. Safe with interrupts on or off.
Result<void> send_ipi(u32 apic_id, u8 vector);  // fixed delivery, edge
Result<void> send_nmi(u32 apic_id);
Result<void> send_init(u32 apic_id);            // to a wait-for-SIPI state
Result<void> send_startup(u32 apic_id, u8 page);  // SIPI: start in real mode at page << 12

}  // namespace apic
