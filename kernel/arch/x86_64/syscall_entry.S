/* The `syscall` instruction lands here (LSTAR), in ring 0 with the user's stack, GS and
 * RFLAGS masked by SFMASK (IF, TF, DF, AC, NT clear). We switch to the thread's kernel
 * stack and build the same TrapFrame an interrupt from ring 3 builds (trap_frame.h): the
 * syscall number goes in the `vector` slot (Linux's orig_rax), so signal delivery and
 * sigreturn see one frame layout whatever way the thread entered the kernel. */

#include "arch/x86_64/frame_macros.S.inc"

#define USER_DS (0x18 | 3)
#define USER_CS (0x20 | 3)
#define PERCPU_KERNEL_STACK 16
#define PERCPU_USER_RSP 24
/* TrapFrame offsets */
#define FRAME_RCX (12 * 8)
#define FRAME_R11 (4 * 8)
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define FRAME_RFLAGS (19 * 8)
#define FRAME_RSP (20 * 8)
#define FRAME_SS (21 * 8)

.text
.global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KERNEL_STACK, %rsp
    pushq $USER_DS                    /* ss */
    pushq %gs:PERCPU_USER_RSP         /* rsp */
    pushq %r11                        /* rflags */
    pushq $USER_CS                    /* cs */
    pushq %rcx                        /* rip */
    pushq $0                          /* error code */
    pushq %rax                        /* vector: the syscall number (orig_rax) */
    PUSH_GENERAL_REGISTERS
    xorl %ebp, %ebp                   /* backtraces stop at the user boundary */
    movq %rsp, %rdi
    sti
    call syscall_dispatch             /* handles the call, then signals; interrupts off on return */
    /* fall through */

/* Returns to ring 3 from the TrapFrame at %rsp, interrupts off. sysretq when the frame
 * allows it (it reloads CS/SS with fixed values and takes RIP from RCX and RFLAGS from
 * R11), iretq otherwise: a non-canonical RIP would make sysretq fault in ring 0 (the
 * Intel SYSRET #GP), and a frame changed by sigreturn may hold anything. */
.global return_to_user
return_to_user:
    /* A frame not from a syscall (sigreturn, a new thread) restores RCX and R11 too. */
    cmpq $-1, FRAME_VECTOR(%rsp)
    je 1f
    movq FRAME_RIP(%rsp), %rcx
    movq %rcx, %r11
    sarq $47, %r11                    /* canonical lower half: bits 63..47 all zero */
    jnz 1f
    cmpq $USER_CS, FRAME_CS(%rsp)
    jne 1f
    cmpq $USER_DS, FRAME_SS(%rsp)
    jne 1f
    movq FRAME_RFLAGS(%rsp), %r11
    testq $0x10100, %r11              /* RF or TF: let iretq restore them exactly */
    jnz 1f
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    addq $8, %rsp                     /* r11: sysretq takes RFLAGS in r11 */
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    addq $8, %rsp                     /* rcx: holds the return address */
    popq %rbx
    popq %rax
    movq 5 * 8(%rsp), %rsp            /* the user stack (frame: vector, err, rip, cs, rflags, rsp) */
    swapgs
    sysretq
1:
    POP_GENERAL_REGISTERS
    addq $16, %rsp
    swapgs
    iretq

/* enter_user(TrapFrame* frame): starts a thread in ring 3 from a frame prepared on its
 * kernel stack. */
.global enter_user
enter_user:
    cli
    movq %rdi, %rsp
    jmp return_to_user

.section .note.GNU-stack, "", @progbits
