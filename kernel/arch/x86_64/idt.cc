#include "arch/x86_64/idt.h"

#include "arch/x86_64/exceptions.h"
#include "lib/panic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

extern "C" char isr_stubs[];

namespace idt {

namespace {

struct [[gnu::packed]] Gate {
    u16 offset_low;
    u16 selector;
    u8 ist;
    u8 type_attributes;
    u16 offset_middle;
    u32 offset_high;
    u32 reserved;
};
static_assert(sizeof(Gate) == 16);

constexpr u8 kInterruptGate = 0x8e;      // present, DPL 0, 64-bit interrupt gate (IF cleared)
constexpr u8 kUserInterruptGate = 0xee;  // the same, reachable with `int` from ring 3

alignas(16) Gate g_idt[256];
Handler g_handlers[256];

}  // namespace

void init() {
    for (unsigned vector = 0; vector < 256; vector++) {
        u64 stub = reinterpret_cast<u64>(isr_stubs) + 16 * vector;
        // int3 (#BP) and into (#OF) are instructions applications execute: their gates
        // must be reachable from ring 3, or the CPU turns them into a #GP.
        u8 attributes = (vector == 3 || vector == 4) ? kUserInterruptGate : kInterruptGate;
        g_idt[vector] = Gate{static_cast<u16>(stub), gdt::kKernelCode, 0, attributes,
                             static_cast<u16>(stub >> 16), static_cast<u32>(stub >> 32), 0};
    }
    load();
}

void load() {
    struct [[gnu::packed]] {
        u16 limit;
        u64 base;
    } pointer{sizeof(g_idt) - 1, reinterpret_cast<u64>(g_idt)};
    asm volatile("lidt %0" ::"m"(pointer));
}

void use_ist(u8 vector, gdt::IstSlot slot) { g_idt[vector].ist = slot; }

void set_handler(u8 vector, Handler handler) {
    ASSERT(vector >= kFirstExternalVector);
    g_handlers[vector] = handler;
}

}  // namespace idt

namespace {
Thread* current_thread_or_null() { return this_cpu() ? this_cpu()->current : nullptr; }
}  // namespace

extern "C" void trap_dispatch(TrapFrame* frame) {
    if (frame->vector < idt::kFirstExternalVector) {
        exceptions::handle(*frame);
        return;
    }
    if (auto handler = idt::g_handlers[frame->vector]) {
        Thread* self = current_thread_or_null();
        if (frame->from_user() && self && self->m_user) self->m_user->frame = frame;
        sched::enter_interrupt();
        handler(*frame);
        sched::leave_interrupt();
        // Interrupts are off until iretq: a thread woken here, or an expired slice, takes
        // the CPU now, on the way out.
        sched::preempt_on_interrupt_exit();
        // Back to the application: signals sent to it meanwhile are delivered now (Go
        // preempts goroutines with a SIGURG this way).
        if (frame->from_user()) {
            // Writing a signal frame may page in the user's stack: interrupts on for it.
            cpu::enable_interrupts();
            signals::deliver_pending(*frame);
            cpu::disable_interrupts();
        }
        return;
    }
    if (frame->vector == idt::kSpuriousVector) return;  // spurious: no EOI, nothing to do
    panic("unexpected interrupt on vector {}", frame->vector);
}
