/* Entry stubs for all 256 interrupt vectors, 16 bytes each so the IDT can compute their
 * addresses (isr_stubs + 16 * vector). Each pushes a zero where the CPU pushes no error
 * code, then the vector number, and joins isr_common, which saves the registers into a
 * TrapFrame (trap_frame.h) and calls trap_dispatch(TrapFrame*). */

#include "arch/x86_64/frame_macros.S.inc"

.macro ISR_STUB vector
    .balign 16
    .if (\vector == 8) || (\vector == 10) || (\vector == 11) || (\vector == 12) || (\vector == 13) || (\vector == 14) || (\vector == 17) || (\vector == 21) || (\vector == 29) || (\vector == 30)
    .else
    pushq $0
    .endif
    pushq $\vector
    jmp isr_common
.endm

.text
.balign 16
.global isr_stubs
isr_stubs:
.altmacro
.set vector, 0
.rept 256
    ISR_STUB %vector
    .set vector, vector + 1
.endr
.noaltmacro

isr_common:
    /* An interrupt may arrive inside a user-copy window (STAC), or with AC set by the
     * application: the handler must run with SMAP enforced. */
    cmpb $0, smap_enabled(%rip)
    je 0f
    clac
0:
    /* From ring 3, GS holds the user's base; switch to the kernel's per-CPU base. */
    testb $3, 24(%rsp)
    jz 1f
    swapgs
    incq %gs:32                 /* PerCpu::progress, the watchdog's sign of life */
1:  PUSH_GENERAL_REGISTERS
    cld
    movq %rsp, %rdi
    /* Make the interrupted frame the caller of trap_dispatch in backtraces. Backtraces
     * look up a return address minus one (the call before it); the interrupted RIP is the
     * instruction itself, so it goes in plus one, or a loop at a function's first byte
     * would be named after the function before. */
    movq 17*8(%rsp), %rax       /* interrupted rip */
    incq %rax
    pushq %rax
    pushq %rbp
    movq %rsp, %rbp
    call trap_dispatch
    addq $16, %rsp
    POP_GENERAL_REGISTERS
    addq $16, %rsp              /* vector and error code */
    testb $3, 8(%rsp)
    jz 2f
    swapgs
2:  iretq

.section .note.GNU-stack, "", @progbits
