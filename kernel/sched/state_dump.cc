#include "sched/state_dump.h"

#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap_frame.h"
#include "base/errno.h"
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

namespace {

// The CPU that prints the header, the thread list and the closing line: CPU 0 for an NMI
// from outside, the asking CPU for dump_everything(). Reset to 0 when a dump ends.
kstd::Atomic<u32> g_leader{0};

// One CPU's part: its line, in turn, then (the leader) everyone else's threads.
template <typename PrintWhere>
void take_part(const char* cause, PrintWhere print_where_it_is) {
    u32 id = this_cpu()->id;
    u32 count = smp::online_count();
    u32 leader = g_leader.load(kstd::acquire);
    if (id == leader) klog::print("\n--- state dump ({}): {} CPUs, {} threads ---\n", cause, count, live_thread_count());
    if (!wait_for_turn(id, 500'000'000)) klog::print("(cpu {} prints out of turn)\n", id);
    sched::print_cpu_state();
    print_where_it_is();
    g_turn.fetch_add(1, kstd::release);
    if (id != leader) return;
    if (!wait_for_turn(count, 2'000'000'000)) klog::print("(some CPUs did not answer the NMI)\n");
    klog::print("threads not on a CPU:\n");
    if (!visit_threads(print_parked, nullptr)) klog::print("(the thread registry stayed locked)\n");
    klog::print("--- end of state dump ---\n");
    g_turn.store(0, kstd::release);
    g_leader.store(0, kstd::release);
}

}  // namespace

void on_nmi(const TrapFrame& frame) {
    take_part("NMI", [&] { print_where(frame); });
}

void dump_everything(const char* cause) {
    u32 me = this_cpu()->id;
    g_leader.store(me, kstd::release);
    for (u32 cpu = 0; cpu < smp::online_count(); cpu++)
        if (PerCpu* other = smp::cpu(cpu); other && cpu != me)
            if (auto sent = apic::send_nmi(other->apic_id); sent.is_error())
                klog::print("(cpu {} could not be sent an NMI: {})\n", cpu, err::name(sent.error()));
    take_part(cause, [] {
        klog::print("  interrupts off, in the report's own frame:\n");
        backtrace::print_from(reinterpret_cast<u64>(__builtin_frame_address(0)));
    });
}

}  // namespace state_dump
