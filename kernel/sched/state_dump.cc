#include "sched/state_dump.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap_frame.h"
#include "lib/atomic.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

namespace state_dump {

namespace {

// Whose turn it is to print, by CPU number; CPU count: every CPU has printed.
kstd::Atomic<u32> g_turn{0};

// Waits until `turn` comes, for a bounded time: a CPU that does not answer the NMI (or
// never got it) must not stop the others' reports.
bool wait_for_turn(u32 turn, u64 timeout_ns) {
    u64 give_up = cpu::rdtsc() + ktime::ns_to_tsc(timeout_ns);
    cpu::SpinWait spin;
    while (g_turn.load(kstd::acquire) < turn) {
        if (static_cast<i64>(cpu::rdtsc() - give_up) > 0) return false;
        spin.once();
    }
    return true;
}

void print_where(const TrapFrame& frame) {
    bool interrupts = frame.rflags & (1u << 9);
    if (frame.from_user()) {
        klog::print("  in user mode at {:#x}, interrupts {}\n", frame.rip, interrupts ? "on" : "off");
        return;
    }
    klog::print("  interrupts {}, at ", interrupts ? "on" : "off");
    backtrace::print_address(frame.rip);
    backtrace::print_from(frame.rbp);
}

void print_parked(Thread& thread, void*) {
    if (__atomic_load_n(&thread.m_on_cpu, __ATOMIC_ACQUIRE)) return;  // its CPU said where
    sched::print_thread_state(thread);
}

}  // namespace

void on_nmi(const TrapFrame& frame) {
    u32 id = this_cpu()->id;
    u32 count = smp::online_count();
    if (id == 0) klog::print("\n--- state dump (NMI): {} CPUs, {} threads ---\n", count, live_thread_count());
    if (!wait_for_turn(id, 500'000'000)) klog::print("(cpu {} prints out of turn)\n", id);
    sched::print_cpu_state();
    print_where(frame);
    g_turn.fetch_add(1, kstd::release);
    if (id != 0) return;
    if (!wait_for_turn(count, 2'000'000'000)) klog::print("(some CPUs did not answer the NMI)\n");
    klog::print("threads not on a CPU:\n");
    if (!visit_threads(print_parked, nullptr)) klog::print("(the thread registry stayed locked)\n");
    klog::print("--- end of state dump ---\n");
    g_turn.store(0, kstd::release);
}

}  // namespace state_dump
