// Inter-processor interrupts: remote function calls, the reschedule IPI, and a look at
// what a CPU is doing. Each goes through the local APIC's ICR to the target's APIC id on
// a fixed vector; an IPI wakes a halted CPU like any interrupt.
//
//   TRY(ipi::call(2, [](void* seen) { *static_cast<u32*>(seen) = this_cpu()->id; }, &id));
//
// Calls wait with interrupts on, so two CPUs calling each other both keep answering: a
// caller with interrupts off (an interrupt handler, a spinlock holder) could deadlock, and
// is refused by an assertion. The function runs on the target in its IPI handler:
// interrupts off, on whatever stack the target was on; it must not block.
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"

namespace ipi {

// Above the device vectors (irq.h) and the masked 8259s' 0xe0-0xef, below the APIC's
// spurious vector 0xff.
constexpr u8 kCallVector = 0xf0;
constexpr u8 kRescheduleVector = 0xf1;

using Function = void (*)(void* argument);

// Registers the IPI handlers; on the boot CPU, before other CPUs start.
void init();

// Runs function(argument) on CPU `cpu` and returns once it has returned; on this CPU it
// runs at once, interrupts off as on a target. ENXIO when `cpu` is not online. A CPU that
// has not taken the call after a second is reported on the kernel log with what it is
// doing (sample_state); after ten the call is withdrawn (it will never run) and ETIMEDOUT
// returned. A CPU that took the call but does not finish it is reported every ten seconds,
// and waited for: the function may still use `argument`.
Result<void> call(u32 cpu, Function function, void* argument);
// The same on every online CPU but this one, all at once; returns once all have returned.
// The first error, after every call that was made has finished or been withdrawn.
Result<void> call_others(Function function, void* argument);

// Sends the reschedule IPI: a thread was queued on that CPU from another. Its handler arms
// the slice timer the newcomer needs; leaving the interrupt honours need_resched.
Result<void> send_reschedule(u32 cpu);

struct CpuStats {
    u64 calls;        // remote calls this CPU ran
    u64 reschedules;  // reschedule IPIs it acknowledged
    u64 samples;      // sample_state NMIs it answered
};
CpuStats stats(u32 cpu);

// Where CPU `cpu` is: it is sent an NMI, which interrupts even a CPU spinning with
// interrupts off, and its handler records the interrupted context. ETIMEDOUT when no
// answer came in 100 ms; ENXIO when `cpu` is not online. Not for this CPU (EINVAL).
struct StateSample {
    u64 rip, rsp, rflags;
};
Result<StateSample> sample_state(u32 cpu);

// The NMI handler's part (exceptions.cc): true when this NMI was a sample_state request.
bool on_nmi(const TrapFrame& frame);

}  // namespace ipi
