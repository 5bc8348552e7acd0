// The GDT and TSS, one pair per CPU: the TSS holds the CPU's own ring-0 stack and interrupt
// stacks, and loading a TSS marks its descriptor busy, so no two CPUs can share either.
// Selector order is fixed by syscall/sysret: STAR takes the kernel code selector and
// (user data - 8); sysret loads SS = base + 8 and CS = base + 16.
#pragma once

#include "base/types.h"

namespace gdt {

constexpr u16 kKernelCode = 0x08;
constexpr u16 kKernelData = 0x10;
constexpr u16 kUserData = 0x18 | 3;
constexpr u16 kUserCode = 0x20 | 3;
constexpr u16 kTss = 0x28;

// Interrupt stack table slots (1-based, as the IDT encodes them). Each has its own stack so
// a fault on a broken kernel stack (overflow into the guard page) can still be reported.
enum IstSlot : u8 { kIstNone = 0, kIstDoubleFault = 1, kIstNmi = 2, kIstMachineCheck = 3, kIstDebug = 4 };
constexpr unsigned kIstCount = 4;
constexpr u64 kInterruptStackSize = 16 * KiB;

struct [[gnu::packed]] Tss {
    u32 reserved0;
    u64 rsp[3];
    u64 reserved1;
    u64 ist[7];
    u64 reserved2;
    u16 reserved3;
    u16 iomap_base;
};
static_assert(sizeof(Tss) == 104);

// One CPU's tables. Only that CPU writes its TSS (the scheduler's stack switch), and the
// GDT is written once, before it is loaded.
struct CpuTables {
    alignas(16) u64 gdt[7];
    alignas(16) Tss tss;
};

// The boot CPU's tables, static: it loads them before memory management exists.
CpuTables& boot_cpu_tables();
// Fills the GDT (its TSS descriptor pointing at `tables.tss`) and loads it on this CPU
// with the segment registers and the task register. GS is reloaded too: set its base
// (percpu) afterwards.
void load(CpuTables& tables);
// Points an IST slot of this CPU's TSS at the top of a stack (this_cpu() must be set).
void set_ist(IstSlot slot, u64 stack_top);
// The stack this CPU switches to when an interrupt or syscall arrives from ring 3.
void set_kernel_stack(u64 stack_top);

}  // namespace gdt
