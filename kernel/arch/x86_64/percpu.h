// Per-CPU data, reached through GS: GS base points at this CPU's PerCpu, whose first field
// points at itself, so `this_cpu()` is one load (mov %gs:0). The syscall entry (later)
// reaches the fixed-offset fields directly from assembly.
//
// Only this CPU touches its PerCpu, with interrupts off or through fields documented as
// safe; structures other CPUs reach (run queue, timers) carry their own locks. Other CPUs
// may read the fields set before the CPU came online (id, apic_id, tables, self).
#pragma once

#include "base/types.h"

class Thread;
namespace gdt {
struct CpuTables;
}
namespace sched {
struct CpuScheduler;
}
namespace timers {
struct CpuTimers;
}
namespace paging {
class PageTable;
}

struct PerCpu {
    PerCpu* self;              // %gs:0
    Thread* current;           // %gs:8
    u64 kernel_stack_top;      // %gs:16  the current thread's kernel stack (syscall entry)
    u64 user_rsp_scratch;      // %gs:24  the user stack pointer during syscall entry
    // %gs:32  bumped on every entry from ring 3 and every context switch: a CPU whose count
    // stands still while it runs a thread has not left the kernel nor scheduled since
    // (sched/watchdog.h).
    u64 progress;
    u32 id;
    bool need_resched;         // set by interrupts and wake-ups, honoured on the way out
    Thread* fpu_owner;         // the thread whose FPU state is in this CPU's registers
    sched::CpuScheduler* scheduler;
    timers::CpuTimers* timers;
    u64 loaded_fs_base;        // what FS_BASE holds now
    u64 loaded_user_gs_base;   // what KERNEL_GS_BASE holds now (the user's GS base)
    u32 apic_id;               // this CPU's local APIC id, the destination of its IPIs
    gdt::CpuTables* tables;    // this CPU's GDT and TSS
    // The page table in CR3 (paging::PageTable::activate), so a table that stops being
    // loaded here can say so; nullptr until the first activate.
    const paging::PageTable* loaded_table;
};

static_assert(__builtin_offsetof(PerCpu, progress) == 32, "syscall_entry.S and isr.S use %gs:32");

inline PerCpu* this_cpu() {
    PerCpu* cpu;
    asm volatile("movq %%gs:0, %0" : "=r"(cpu));
    return cpu;
}

namespace percpu {
// Sets up the boot CPU's PerCpu (CPU 0, with the boot GDT and TSS) and points GS at it.
void init_boot_cpu();
// Points this CPU's GS base at `cpu` (after gdt::load, which clears GS); the user's GS
// base, swapped in on the way to ring 3, starts at 0.
void install(PerCpu& cpu);
// The boot CPU's PerCpu, for tests that compare CPUs.
PerCpu& boot_cpu();
}  // namespace percpu
