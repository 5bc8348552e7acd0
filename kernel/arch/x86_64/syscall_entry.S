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
#define PERCPU_PROGRESS 32
/* TrapFrame offsets */
#define FRAME_R10 (5 * 8)
#define FRAME_R9 (6 * 8)
#define FRAME_R8 (7 * 8)
#define FRAME_RBP (8 * 8)
#define FRAME_RDI (9 * 8)
#define FRAME_RSI (10 * 8)
#define FRAME_RDX (11 * 8)
#define FRAME_RCX (12 * 8)
#define FRAME_RAX (14 * 8)
#define FRAME_R11 (4 * 8)
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define FRAME_RFLAGS (19 * 8)
#define FRAME_RSP (20 * 8)
#define FRAME_SS (21 * 8)
#define RFLAGS_TF 0x100
#define RFLAGS_RF 0x10000

.text
.global syscall_entry
syscall_entry:
    swapgs
    movq %rsp, %gs:PERCPU_USER_RSP
    movq %gs:PERCPU_KERNEL_STACK, %rsp
    incq %gs:PERCPU_PROGRESS          /* the watchdog's sign of life (percpu.h) */
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
    call syscall_dispatch             /* interrupts off on return */
    testb %al, %al
    jnz return_to_user                /* the frame changed, or signal or stop work ran */

    /* The frame is as saved above but for rax: rbx, r12-r15 still hold the caller's
     * values (syscall_dispatch preserved them, as the C calling convention says), so only
     * the others come back from the frame. RIP needs no canonical check here: it is the
     * address after the caller's `syscall`, which lies below the last user page
     * (mm::kUserMapEnd keeps that page unmapped, as Linux does), so it is canonical. TF and
     * RF still go through iretq: sysretq cannot restore RF, and TF restored by it traps
     * before the next instruction instead of after it. */
    testl $(RFLAGS_TF | RFLAGS_RF), FRAME_RFLAGS(%rsp)
    jnz return_to_user
    movq FRAME_RBP(%rsp), %rbp
    movq FRAME_RDI(%rsp), %rdi
    movq FRAME_RSI(%rsp), %rsi
    movq FRAME_RDX(%rsp), %rdx
    movq FRAME_R10(%rsp), %r10
    movq FRAME_R9(%rsp), %r9
    movq FRAME_R8(%rsp), %r8
    movq FRAME_RAX(%rsp), %rax
    movq FRAME_RIP(%rsp), %rcx
    movq FRAME_RFLAGS(%rsp), %r11
    movq FRAME_RSP(%rsp), %rsp
    swapgs
    sysretq

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
    testq $(RFLAGS_TF | RFLAGS_RF), %r11  /* let iretq restore them exactly */
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
