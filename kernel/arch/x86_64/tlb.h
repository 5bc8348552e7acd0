// TLB shootdown: a CPU that changes or removes a page mapping another CPU may have cached
// asks that CPU to forget it, and waits until it has. A user mapping is asked of the CPUs
// that have its table loaded (paging::PageTable tracks them); a kernel one of every CPU.
//
//   table.invalidate(v);   // paging.cc: the local invlpg, then tlb::flush_others
//
// One request is in flight at a time. The CPUs asked answer in an interrupt (vector 0xf2),
// or, when they spin on a lock with interrupts off, from the spin loop (IrqSpinLock calls
// poll()), so a CPU that holds a lock while it shoots down never waits on one that spins
// for that lock. With one CPU online nothing is sent.
#pragma once

#include "base/types.h"

namespace paging {
class PageTable;
}

namespace tlb {

constexpr u8 kShootdownVector = 0xf2;

// Registers the handler (on the boot CPU, before other CPUs start).
void init();
// Invalidates [start, end) on this CPU: a user range of the table loaded here, or a kernel
// one. More than 32 pages are flushed whole (the kernel's global entries too for `kernel`).
void flush_here(bool kernel, u64 start, u64 end);
// Invalidates [start, end) of `table` (nullptr: the kernel half) on the other online CPUs
// in `cpus` (a bit per CPU), returning once each has. With a range of more than a few
// pages a CPU flushes its whole TLB instead.
void flush_others(const paging::PageTable* table, u64 start, u64 end, u64 cpus);
// Makes the other CPUs in `cpus` that have `table` loaded move to the kernel's table, so
// it can be freed.
void drop_others(const paging::PageTable* table, u64 cpus);

// Answers a request addressed to this CPU, if one waits: for loops that spin with
// interrupts off. One load when none does.
extern u64 g_waiting;  // the CPUs a request waits for (a bit each)
void answer();
inline void poll() {
    if (__atomic_load_n(&g_waiting, __ATOMIC_RELAXED)) answer();
}

// The same from the timer interrupt, as a safety net for a shootdown IPI that was not
// delivered (docs/fuzzing.md: trinity found a CPU taking its timer interrupts with the
// shootdown vector left requested in its APIC). Says once on the kernel log when it
// answers a request that had waited far longer than an IPI takes.
void poll_from_timer();

struct Stats {
    u64 sent;      // requests this kernel made
    u64 answered;  // requests all CPUs answered
};
Stats stats();

}  // namespace tlb
