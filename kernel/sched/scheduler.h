// The scheduler: a per-CPU run queue with the fair (virtual-runtime) policy of
// libs/sched/fair_queue.h, preemption when a slice ends or a woken thread deserves the CPU,
// and an idle thread that halts the CPU when nothing is runnable.
//
// Lock order: wait-queue locks, then the run-queue lock, then the timer lock.
#pragma once

#include <cstddef>

#include "arch/x86_64/percpu.h"
#include "base/types.h"
#include "base/result.h"
#include "mm/kernel_stacks.h"

class Thread;

namespace sched {

// Makes the boot flow (running on `boot_stack`) the "main" thread of the boot CPU and
// creates its idle thread.
void init(const kernel_stacks::Stack& boot_stack);

// Makes this CPU (one started after the boot CPU, running on `stack`) schedule threads:
// its run queue, its idle thread (the flow running now), its timers. Never returns.
[[noreturn]] void run_secondary_cpu(const kernel_stacks::Stack& stack);
// How many CPUs schedule threads, and their mask (bit n: CPU n).
u32 cpu_count();
u64 cpu_mask();

// Makes a new thread runnable, on the allowed CPU with the least to do.
void start(Thread* thread);
// The CPUs a thread may run on (bit n: CPU n). EINVAL when the mask holds no CPU that
// schedules. A thread queued elsewhere moves at once; one running elsewhere when it next
// leaves the CPU, which is asked of that CPU now (the calling thread: call yield() once
// no lock is held).
Result<void> set_affinity(Thread* thread, u64 mask);
u64 affinity(const Thread* thread);
// The reschedule IPI's handler.
void on_reschedule_interrupt();
// Gives the CPU to another runnable thread, if any deserves it.
void yield();

// The current thread's wake-up count (Thread::m_wakeups): note it before checking what
// the wait is for.
u32 wake_count();
// Marks the current thread as about to block. Call it before releasing the lock that
// orders its wake-up (a wake-up in between then simply cancels the block), with the wake
// count noted before the condition was checked: if a wake-up came since, the thread does
// not block (block() then only yields) and the caller checks again.
void prepare_to_block(u32 seen_wakeups);
// Switches away until woken. Interrupts must be off; they are off again on return.
void block();
// Makes a blocked thread runnable. A thread running on another CPU is interrupted there
// (the reschedule IPI), so that it sees what it was woken for (a signal, a stop) on its
// way back to user mode; no effect on others.
void wake(Thread* thread);

// Schedules now if a wake-up or the slice timer asked for it and this is a place where
// the current thread may be switched away (interrupts on, not in an interrupt handler).
void preempt_point();
// Whether a wake-up or the slice timer asked this CPU to switch threads: one load through
// GS, for the system call's way out.
inline bool need_resched() {
    bool asked;
    asm volatile("movb %%gs:%c1, %0" : "=q"(asked) : "i"(offsetof(PerCpu, need_resched)));
    return asked;
}
// Whether this CPU runs its idle thread (or has no scheduler yet).
bool idle_running();
// Called on the way out of an interrupt handler (interrupts off).
void preempt_on_interrupt_exit();

// Sleeps at least `ns` nanoseconds as the monotonic clock measures them.
void sleep_ns(u64 ns);
void sleep_until_tsc(u64 deadline_tsc);

// Ends the current (dying) thread's time on the CPU forever.
[[noreturn]] void exit_current();

// Called on a new thread's first run, to finish the switch that started it.
void finish_switch_to_new_thread();

struct Stats {
    u64 context_switches;
    u64 preemptions;  // switches forced by the slice timer or a wake-up
    usize runnable;
};
Stats stats();
struct CpuStats {
    u64 context_switches;
    u64 preemptions;
    u64 steals;  // threads taken from another CPU's queue
    u64 pushes;  // threads handed to a less loaded CPU
    u64 kicks_resent;  // reschedule IPIs sent again, the first unanswered (docs/smp.md)
    u32 queued;
    bool busy;
};
CpuStats cpu_stats(u32 cpu);
// Every CPU's, added up (busy: any CPU is).
CpuStats total_cpu_stats();

void enter_interrupt();
void leave_interrupt();

// For the state dump (sched/state_dump.h), as kernel-log lines: this CPU's scheduler (read
// without its lock: the dump may have interrupted its holder), and one thread that is not
// running, with the backtrace of where it stopped.
void print_cpu_state();
void print_thread_state(Thread& thread);

}  // namespace sched
