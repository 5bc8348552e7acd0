#include "arch/x86_64/exceptions.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/power.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "sched/state_dump.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "mm/user_memory.h"
#include "mm/kernel_stacks.h"
#include "sched/thread.h"

namespace exceptions {

namespace {

constexpr const char* kNames[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range exceeded", "#UD invalid opcode", "#NM device not available",
    "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
    "#NP segment not present", "#SS stack-segment fault", "#GP general protection fault",
    "#PF page fault", "reserved (15)", "#MF x87 floating-point error", "#AC alignment check",
    "#MC machine check", "#XM SIMD floating-point error", "#VE virtualization exception",
    "#CP control protection", "reserved (22)", "reserved (23)", "reserved (24)",
    "reserved (25)", "reserved (26)", "reserved (27)", "#HV hypervisor injection",
    "#VC VMM communication", "#SX security exception", "reserved (31)"};

constexpr u64 kPageFault = 14, kDoubleFault = 8, kGeneralProtection = 13;

void describe_page_fault(u64 error, u64 cr2) {
    klog::print("  cause: {} {} in {} mode{}{}\n", error & 1 ? "protection violation on" : "not-present page on",
                error & 16 ? "instruction fetch" : (error & 2 ? "write" : "read"),
                error & 4 ? "user" : "kernel", error & 8 ? ", reserved bit set" : "",
                error & 32 ? ", protection key" : "");
    if (cr2 < 4096) klog::print("  (a null pointer dereference)\n");
    if (auto stack = kernel_stacks::guard_page_owner(cr2))
        klog::print("  (the guard page below kernel stack {:#x}-{:#x}: a kernel stack overflow)\n",
                    stack->bottom, stack->top);
}

void print_registers(const TrapFrame& f) {
    klog::print("  RIP {:#018x} CS {:#x} RFLAGS {:#x}\n", f.rip, f.cs, f.rflags);
    klog::print("  RSP {:#018x} SS {:#x} CR2 {:#018x} CR3 {:#018x}\n", f.rsp, f.ss, cpu::read_cr2(),
                cpu::read_cr3());
    klog::print("  RAX {:#018x} RBX {:#018x} RCX {:#018x}\n", f.rax, f.rbx, f.rcx);
    klog::print("  RDX {:#018x} RSI {:#018x} RDI {:#018x}\n", f.rdx, f.rsi, f.rdi);
    klog::print("  RBP {:#018x} R8  {:#018x} R9  {:#018x}\n", f.rbp, f.r8, f.r9);
    klog::print("  R10 {:#018x} R11 {:#018x} R12 {:#018x}\n", f.r10, f.r11, f.r12);
    klog::print("  R13 {:#018x} R14 {:#018x} R15 {:#018x}\n", f.r13, f.r14, f.r15);
}

}  // namespace

const char* name(u64 vector) { return vector < 32 ? kNames[vector] : "interrupt"; }

namespace {

u32 access_of(u64 error_code) {
    if (error_code & 16) return 4;  // instruction fetch
    if (error_code & 2) return 2;   // write
    return 1;
}

// A fault caused by the application: a page to back (demand paging), or a signal.
void handle_user_fault(TrapFrame& frame) {
    u64 cr2 = cpu::read_cr2();
    if (auto* user = current_thread()->m_user) user->frame = &frame;
    // The handlers may sleep (the address-space lock, allocation): let interrupts in.
    cpu::enable_interrupts();
    using namespace linux_abi;
    using mm::AddressSpace;
    using proc::Process;
    switch (frame.vector) {
        case kPageFault: {
            auto result = Process::current().memory().handle_fault(cr2, access_of(frame.error_code));
            if (result == AddressSpace::FaultResult::Handled) break;
            if (result == AddressSpace::FaultResult::BeyondFile) {
                signals::force_fault(SIGBUS, BUS_ADRERR, cr2);
                break;
            }
            if (result == AddressSpace::FaultResult::OutOfMemory) {
                // As Linux's OOM killer would: the application cannot go on.
                klog::error("out of memory backing {:#x}", cr2);
                Process::current().killed_by_signal(SIGKILL);
            }
            signals::force_fault(SIGSEGV, result == AddressSpace::FaultResult::NotMapped ? SEGV_MAPERR : SEGV_ACCERR, cr2);
            break;
        }
        case 0:  signals::force_fault(SIGFPE, FPE_INTDIV, frame.rip); break;
        case 1:
        case 3:  signals::force_fault(SIGTRAP, frame.vector == 3 ? SI_KERNEL : TRAP_BRKPT, frame.rip); break;
        case 6:  signals::force_fault(SIGILL, ILL_ILLOPN, frame.rip); break;
        case 16:
        case 19: signals::force_fault(SIGFPE, FPE_FLTDIV, frame.rip); break;
        case 17: signals::force_fault(SIGBUS, BUS_ADRERR, cr2); break;
        default: signals::force_fault(SIGSEGV, SI_KERNEL, 0); break;  // #GP, #SS, #NP...
    }
    signals::deliver_pending(frame);
    cpu::disable_interrupts();
}

// A page fault in the kernel's user-copy routines: back the page if the address is mapped,
// else resume at the routine's fixup, which returns EFAULT to the system call.
bool handle_user_copy_fault(TrapFrame& frame) {
    u64 fixup;
    if (frame.vector != kPageFault || !user_memory::fixup_for(frame.rip, fixup)) return false;
    u64 cr2 = cpu::read_cr2();
    bool interrupts_were_on = frame.rflags & (1u << 9);
    if (interrupts_were_on && cr2 < user_memory::kUserLimit && proc::Process::exists() &&
        !user_memory::no_fault_copies()) {
        cpu::enable_interrupts();
        auto result = proc::Process::current().memory().handle_fault(cr2, access_of(frame.error_code) & 3);
        cpu::disable_interrupts();
        if (result == mm::AddressSpace::FaultResult::Handled) return true;
    }
    frame.rip = fixup;
    return true;
}

}  // namespace

void handle(TrapFrame& frame) {
    if (frame.vector == 2) {
        // Osprey sends NMIs only to ask a CPU where it is (ipi::sample_state); one from
        // outside asks for the kernel's state, and the CPU goes on.
        if (ipi::on_nmi(frame)) return;
        state_dump::on_nmi(frame);
        return;
    }
    if (frame.from_user()) {
        handle_user_fault(frame);
        return;
    }
    if (handle_user_copy_fault(frame)) return;
    cpu::disable_interrupts();
    u64 cr2 = cpu::read_cr2();
    klog::print("\n*** KERNEL PANIC: CPU exception {} (vector {}), error code {:#x}\n",
                name(frame.vector), frame.vector, frame.error_code);
    klog::print("  at ");
    backtrace::print_address(frame.rip);
    if (frame.vector == kPageFault) {
        klog::print("  faulting address {:#018x}\n", cr2);
        describe_page_fault(frame.error_code, cr2);
    }
    if (frame.vector == kDoubleFault) {
        // A #DF usually means the #PF could not be delivered: its stack was unusable.
        if (auto stack = kernel_stacks::guard_page_owner(frame.rsp > 0 ? frame.rsp - 8 : 0))
            klog::print("  (RSP is in the guard page below kernel stack {:#x}-{:#x}: a kernel stack overflow)\n",
                        stack->bottom, stack->top);
        else if (auto stack = kernel_stacks::guard_page_owner(cr2))
            klog::print("  (CR2 is in the guard page below kernel stack {:#x}-{:#x}: a kernel stack overflow)\n",
                        stack->bottom, stack->top);
    }
    if (frame.vector == kGeneralProtection && frame.error_code)
        klog::print("  segment selector index {:#x}{}\n", frame.error_code >> 3,
                    frame.error_code & 2 ? " (IDT)" : "");
    print_registers(frame);
    backtrace::print_from(frame.rbp);
    power::shutdown({protocol::ExitReason::Panic, 0});
}

}  // namespace exceptions
