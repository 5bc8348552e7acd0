// The GDT and TSS. Selector order is fixed by syscall/sysret: STAR takes the kernel code
// selector and (user data - 8); sysret loads SS = base + 8 and CS = base + 16.
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

// Loads the GDT and an empty TSS; safe before memory management exists.
void init();
// Points an IST slot at the top of a stack.
void set_ist(IstSlot slot, u64 stack_top);
// The stack the CPU switches to when an interrupt or syscall arrives from ring 3.
void set_kernel_stack(u64 stack_top);

}  // namespace gdt
