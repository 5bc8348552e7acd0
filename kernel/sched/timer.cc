#include "sched/timer.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"
#include "sched/clock.h"
#include "sync/spinlock.h"

namespace timers {

namespace {

struct ByDeadline {
    bool operator()(const Timer& a, const Timer& b) const {
        return static_cast<i64>(a.deadline_tsc - b.deadline_tsc) < 0;
    }
};

}  // namespace

// Lock order: a CPU's timer lock may be taken under the run-queue lock, never the reverse
// (callbacks run with it released).
struct CpuTimers {
    IrqSpinLock lock{"timers"};
    PairingHeap<Timer, &Timer::node, ByDeadline> heap;  // guarded by lock
    u64 programmed_deadline = 0;                        // guarded by lock; 0 = APIC idle
    Timer* running = nullptr;                           // guarded by lock: the callback now running
    Stats stats{};
};

namespace {

CpuTimers g_boot_cpu_timers;

CpuTimers& local() { return *this_cpu()->timers; }

// Programs the APIC for the earliest deadline; lock held.
void program_locked(CpuTimers& t) {
    Timer* first = t.heap.top();
    if (!first) {
        if (t.programmed_deadline) apic::cancel_timer();
        t.programmed_deadline = 0;
        return;
    }
    if (first->deadline_tsc == t.programmed_deadline) return;
    // An APIC already armed for an earlier deadline is left as it is: its interrupt finds
    // nothing due and programs this one then. Every wake-up of a thread while another runs
    // arms the slice timer (a futex ping-pong: twice per round trip), and under TCG an APIC
    // write leaves the translated code and takes QEMU's global lock; one early interrupt
    // per slice costs less than a write per wake-up. A cancelled deadline stays programmed
    // (cancel()), so this is the common case. One already due is programmed again: its
    // interrupt is pending, or was lost, and must not be all that stands between the heap
    // and the next interrupt.
    u64 now = cpu::rdtsc();
    if (t.programmed_deadline && static_cast<i64>(first->deadline_tsc - t.programmed_deadline) > 0 &&
        static_cast<i64>(t.programmed_deadline - now) > 0)
        return;
    t.programmed_deadline = first->deadline_tsc;
    u64 ns = static_cast<i64>(first->deadline_tsc - now) > 0 ? ktime::tsc_to_ns(first->deadline_tsc - now) : 0;
    apic::arm_oneshot_ns(ns);
}

void on_apic_timer(TrapFrame&) {
    apic::end_of_interrupt();
    tlb::poll_from_timer();  // one load when no shootdown waits for this CPU
    on_interrupt();
}

}  // namespace

void init() {
    this_cpu()->timers = &g_boot_cpu_timers;
    idt::set_handler(apic::kTimerVector, on_apic_timer);
}

void init_secondary() {
    auto* timers = new CpuTimers;  // lives as long as its CPU: for ever
    this_cpu()->timers = timers;
}

namespace {
// Takes the timer off the heap it is in, if another CPU's. Interrupts off (the caller's).
void remove_from_other_cpu(Timer& timer, CpuTimers& here) {
    CpuTimers* owner = __atomic_load_n(&timer.owner, __ATOMIC_ACQUIRE);
    if (!owner || owner == &here) return;
    IrqSpinLockGuard guard(owner->lock);
    if (timer.owner == owner && owner->heap.contains(timer)) owner->heap.remove(timer);
}
}  // namespace

void arm(Timer& timer, u64 deadline_tsc) {
    CpuTimers& t = local();
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();  // stays on this CPU while it moves the timer here
    remove_from_other_cpu(timer, t);
    t.lock.lock();
    if (t.heap.contains(timer)) t.heap.remove(timer);
    timer.deadline_tsc = deadline_tsc;
    __atomic_store_n(&timer.owner, &t, __ATOMIC_RELEASE);
    t.heap.push(timer);
    program_locked(t);
    t.lock.unlock(restore);
}

void cancel(Timer& timer) {
    cpu::SpinWait spin;
    for (;;) {
        CpuTimers* owner = __atomic_load_n(&timer.owner, __ATOMIC_ACQUIRE);
        if (!owner) return;
        bool restore = owner->lock.lock();
        if (timer.owner != owner) {  // moved by a re-arm meanwhile
            owner->lock.unlock(restore);
            continue;
        }
        if (owner->heap.contains(timer)) owner->heap.remove(timer);
        // Leaving the APIC armed for a cancelled deadline costs one spurious interrupt,
        // which is cheaper than reprogramming on every cancel (waits usually end first).
        bool running_elsewhere = owner->running == &timer && owner != this_cpu()->timers;
        owner->lock.unlock(restore);
        if (!running_elsewhere) return;
        spin.once();  // its callback runs on another CPU: wait until it has returned
    }
}

bool armed(const Timer& timer) { return decltype(CpuTimers::heap)::contains(timer); }

void on_interrupt() {
    CpuTimers& t = local();
    bool restore = t.lock.lock();
    t.stats.interrupts++;
    t.programmed_deadline = 0;
    bool ran_any = false;
    for (;;) {
        Timer* first = t.heap.top();
        if (!first || static_cast<i64>(first->deadline_tsc - cpu::rdtsc()) > 0) break;
        t.heap.pop();
        t.stats.callbacks++;
        ran_any = true;
        t.running = first;
        t.lock.unlock(false);
        first->callback(*first);  // may re-arm itself or others
        t.lock.lock();
        t.running = nullptr;
    }
    if (!ran_any && t.heap.top()) t.stats.early_interrupts++;
    program_locked(t);
    t.lock.unlock(restore);
}

Stats stats() {
    CpuTimers& t = local();
    IrqSpinLockGuard guard(t.lock);
    return t.stats;
}

}  // namespace timers
