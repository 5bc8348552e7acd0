/* switch_context(u64* save_rsp, u64 load_rsp): saves the callee-saved registers on the
 * current stack, stores the stack pointer in *save_rsp, switches to load_rsp and restores
 * the registers found there. The caller-saved ones are already saved by the C++ caller,
 * as at any call. A new thread's stack is prepared (sched/thread.cc) so that the final
 * `ret` enters thread_trampoline with rbx = entry point and r12 = argument. */
.text
.global switch_context
switch_context:
    pushfq                       /* AC (a user-copy window) and the rest stay per thread */
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    popfq
    ret

.global thread_trampoline
thread_trampoline:
    xorl %ebp, %ebp              /* the outermost frame: backtraces stop here */
    movq %rbx, %rdi
    movq %r12, %rsi
    call thread_start            /* never returns */
    ud2

.section .note.GNU-stack, "", @progbits
