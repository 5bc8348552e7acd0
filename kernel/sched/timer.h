// Tickless timers: each CPU keeps its armed timers in a heap ordered by deadline and
// programs the local APIC one-shot for the earliest. Nothing is programmed when nothing
// is due. Deadlines are TSC values: timers, sleeps and the monotonic clock share that one
// scale, and a timer never runs before its deadline as the TSC measures it (an APIC
// interrupt that arrives early just re-arms for the rest).
#pragma once

#include "base/types.h"
#include "sched/pairing_heap.h"

namespace timers {
struct CpuTimers;
}

struct Timer {
    using Callback = void (*)(Timer& timer);

    Callback callback = nullptr;  // runs in interrupt context, interrupts off
    void* context = nullptr;
    u64 deadline_tsc = 0;         // guarded by the CPU's timer lock while armed
    HeapNode node;
    // The CPU whose heap holds it (or last held it): a timer is armed on the CPU that arms
    // it and may be cancelled from any. Written under that CPU's timer lock.
    timers::CpuTimers* owner = nullptr;
};

namespace timers {

void init();
// Gives the calling CPU (one other than the boot CPU) its own timer heap; its APIC timer
// must already run (apic::start_secondary_timer).
void init_secondary();
// Arms (or re-arms) a timer for an absolute TSC deadline. Callable from a callback.
void arm(Timer& timer, u64 deadline_tsc);
// Disarms, from any CPU; harmless if it already fired or was never armed. On return the
// callback is neither pending nor running anywhere (a callback that is running on another
// CPU is waited for), so the timer's memory may go. Not from the timer's own callback.
void cancel(Timer& timer);
bool armed(const Timer& timer);

// The APIC timer interrupt: runs every expired timer, then programs the next deadline.
void on_interrupt();

struct Stats {
    u64 interrupts;
    u64 early_interrupts;  // found no timer due (early, or for a cancelled one); re-armed
    u64 callbacks;
};
Stats stats();

}  // namespace timers
