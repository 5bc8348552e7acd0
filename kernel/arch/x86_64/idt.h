// The IDT and the dispatch of interrupts and exceptions.
#pragma once

#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap_frame.h"

namespace idt {

constexpr u8 kFirstExternalVector = 32;
constexpr u8 kSpuriousVector = 0xff;

using Handler = void (*)(TrapFrame& frame);

// Installs gates for all 256 vectors and loads the IDT.
void init();
// Loads the IDT init() made on this CPU: all CPUs share it (its IST slots name stacks
// each CPU's own TSS holds).
void load();
// Moves a vector onto an interrupt stack (once the TSS has the stack).
void use_ist(u8 vector, gdt::IstSlot slot);
// Registers the handler for an external interrupt vector (32-255).
void set_handler(u8 vector, Handler handler);

}  // namespace idt
