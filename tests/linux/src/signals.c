// Signal delivery: synchronous faults (SIGSEGV, SIGFPE, SIGILL, SIGTRAP) with their siginfo
// and ucontext, siglongjmp out of a handler, raise/kill with their si_code, blocked signals
// staying pending, queued real-time signals, sigaltstack (also for a stack overflow), and
// rt_sigreturn restoring every register, including those the handler changes on purpose.
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

static void install(int signo, void (*handler)(int, siginfo_t *, void *), int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(signo, &sa, NULL) != 0) {
        fprintf(stderr, "FAIL: sigaction(%d)\n", signo);
        exit(1);
    }
}

// What the last fault handler saw; main checks it after siglongjmp.
static sigjmp_buf fault_jump;
static volatile sig_atomic_t fault_count;
static siginfo_t fault_info;
static greg_t fault_rip, fault_trapno, fault_err;
static void *fault_stack_probe;

static void fault_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    ucontext_t *uc = context;
    fault_info = *info;
    fault_rip = uc->uc_mcontext.gregs[REG_RIP];
    fault_trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
    fault_err = uc->uc_mcontext.gregs[REG_ERR];
    int local;
    fault_stack_probe = &local;
    fault_count++;
    siglongjmp(fault_jump, 1);
}

// Instructions at known addresses, so the handler's view can be compared with them.
extern char load_insn[], div_insn[], ud2_insn[], int3_insn[], after_int3[];
__asm__(".text\n"
        ".globl load_from\n"
        "load_from:\n"           // long load_from(const long *p)
        ".globl load_insn\n"
        "load_insn: movq (%rdi), %rax\n"
        "ret\n"
        ".globl store_to\n"
        "store_to:\n"            // void store_to(long *p, long v)
        "movq %rsi, (%rdi)\n"
        "ret\n"
        ".globl divide\n"
        "divide:\n"              // long divide(long a, long b)
        "movq %rdi, %rax\n"
        "cqto\n"
        ".globl div_insn\n"
        "div_insn: idivq %rsi\n"
        "ret\n"
        ".globl execute_ud2\n"
        "execute_ud2:\n"
        ".globl ud2_insn\n"
        "ud2_insn: ud2\n"
        "ret\n"
        ".globl execute_int3\n"
        "execute_int3:\n"
        ".globl int3_insn\n"
        "int3_insn: int3\n"
        ".globl after_int3\n"
        "after_int3: ret\n");
long load_from(const long *p);
void store_to(long *p, long v);
long divide(long a, long b);
void execute_ud2(void);
void execute_int3(void);

static void check_segv(void) {
    install(SIGSEGV, fault_handler, 0);
    long *bad = (long *)(uintptr_t)0x18;
    if (sigsetjmp(fault_jump, 1) == 0) {
        load_from(bad);
        check(0, "SIGSEGV delivered for a load from an unmapped address");
        return;
    }
    check(fault_info.si_signo == SIGSEGV && fault_info.si_code == SEGV_MAPERR,
          "SIGSEGV: si_signo SIGSEGV, si_code SEGV_MAPERR");
    check(fault_info.si_addr == bad, "SIGSEGV: si_addr is the faulting address");
    check(fault_rip == (greg_t)load_insn, "SIGSEGV: ucontext RIP is the faulting instruction");
    check(fault_trapno == 14 && (fault_err & 7) == 4,
          "SIGSEGV: trapno 14, error code user read not-present");

    // The mask saved by sigsetjmp comes back: a second fault is delivered too.
    long *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(fault_jump, 1) == 0) {
        store_to(readonly + 1, 5);
        check(0, "SIGSEGV delivered for a store to a read-only page");
        return;
    }
    check(fault_count == 2, "SIGSEGV: handled again after siglongjmp");
    check(fault_info.si_code == SEGV_ACCERR && fault_info.si_addr == readonly + 1,
          "SIGSEGV: store to a read-only page gives SEGV_ACCERR at its address");
    check((fault_err & 6) == 6, "SIGSEGV: error code user write");
    munmap(readonly, 4096);
}

static void check_sigfpe(void) {
    install(SIGFPE, fault_handler, 0);
    if (sigsetjmp(fault_jump, 1) == 0) {
        volatile long zero = 0;
        divide(1, zero);
        check(0, "SIGFPE delivered for a division by zero");
        return;
    }
    check(fault_info.si_signo == SIGFPE && fault_info.si_code == FPE_INTDIV,
          "SIGFPE: integer division by zero gives FPE_INTDIV");
    check(fault_info.si_addr == div_insn && fault_rip == (greg_t)div_insn,
          "SIGFPE: si_addr and RIP are the idiv");
    check(fault_trapno == 0, "SIGFPE: trapno 0");
}

static void check_sigill_and_sigtrap(void) {
    install(SIGILL, fault_handler, 0);
    if (sigsetjmp(fault_jump, 1) == 0) {
        execute_ud2();
        check(0, "SIGILL delivered for ud2");
        return;
    }
    check(fault_info.si_signo == SIGILL && fault_info.si_code == ILL_ILLOPN,
          "SIGILL: ud2 gives ILL_ILLOPN");
    check(fault_info.si_addr == ud2_insn && fault_rip == (greg_t)ud2_insn,
          "SIGILL: si_addr and RIP are the ud2");
    check(fault_trapno == 6, "SIGILL: trapno 6");

    install(SIGTRAP, fault_handler, 0);
    if (sigsetjmp(fault_jump, 1) == 0) {
        execute_int3();
        check(0, "SIGTRAP delivered for int3");
        return;
    }
    check(fault_info.si_signo == SIGTRAP && fault_info.si_code == SI_KERNEL,
          "SIGTRAP: int3 gives si_code SI_KERNEL");
    check(fault_rip == (greg_t)after_int3, "SIGTRAP: RIP is after the int3");
    check(fault_trapno == 3, "SIGTRAP: trapno 3");
}

// rt_sigreturn restores the context the handler leaves: every register as it was, except
// RIP and RAX, which the handler changes to skip the ud2 and report that it ran.
static uint64_t registers_out[16];
static volatile greg_t seen_r12, seen_rbp;
__asm__(".text\n"
        ".globl register_roundtrip\n"
        "register_roundtrip:\n"       // void register_roundtrip(uint64_t out[16])
        "pushq %rbx\n pushq %rbp\n pushq %r12\n pushq %r13\n pushq %r14\n pushq %r15\n"
        "pushq %rdi\n"
        "movabsq $0x0f0e0d0c0b0a0908, %rax\n"
        "movq %rax, %xmm0\n"
        "movabsq $0x1111111111111111, %rax\n"
        "movabsq $0x2222222222222222, %rbx\n"
        "movabsq $0x3333333333333333, %rcx\n"
        "movabsq $0x4444444444444444, %rdx\n"
        "movabsq $0x5555555555555555, %rsi\n"
        "movabsq $0x6666666666666666, %rdi\n"
        "movabsq $0x7777777777777777, %rbp\n"
        "movabsq $0x8888888888888888, %r8\n"
        "movabsq $0x9999999999999999, %r9\n"
        "movabsq $0xaaaaaaaaaaaaaaaa, %r10\n"
        "movabsq $0xbbbbbbbbbbbbbbbb, %r11\n"
        "movabsq $0xcccccccccccccccc, %r12\n"
        "movabsq $0xdddddddddddddddd, %r13\n"
        "movabsq $0xeeeeeeeeeeeeeeee, %r14\n"
        "movabsq $0xffffffffffffffff, %r15\n"
        "ud2\n"
        "xchgq %rdi, (%rsp)\n"
        "movq %rax, 0(%rdi)\n movq %rbx, 8(%rdi)\n movq %rcx, 16(%rdi)\n"
        "movq %rdx, 24(%rdi)\n movq %rsi, 32(%rdi)\n"
        "popq %rax\n movq %rax, 40(%rdi)\n"
        "movq %rbp, 48(%rdi)\n movq %r8, 56(%rdi)\n movq %r9, 64(%rdi)\n"
        "movq %r10, 72(%rdi)\n movq %r11, 80(%rdi)\n movq %r12, 88(%rdi)\n"
        "movq %r13, 96(%rdi)\n movq %r14, 104(%rdi)\n movq %r15, 112(%rdi)\n"
        "movq %xmm0, %rax\n movq %rax, 120(%rdi)\n"
        "popq %r15\n popq %r14\n popq %r13\n popq %r12\n popq %rbp\n popq %rbx\n"
        "ret\n");
void register_roundtrip(uint64_t out[16]);

static void skip_ud2_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)info;
    ucontext_t *uc = context;
    seen_r12 = uc->uc_mcontext.gregs[REG_R12];
    seen_rbp = uc->uc_mcontext.gregs[REG_RBP];
    uc->uc_mcontext.gregs[REG_RIP] += 2;  // The length of ud2.
    uc->uc_mcontext.gregs[REG_RAX] = 0x4242;
    // Clobber what the kernel must restore from the frame, not from what the handler left.
    __asm__ volatile("pxor %%xmm0, %%xmm0\n"
                     "movq $-1, %%r12\n movq $-1, %%r13\n movq $-1, %%r14\n movq $-1, %%r15\n"
                     "movq $-1, %%rbx\n movq $-1, %%r8\n movq $-1, %%r11\n"
                     ::: "xmm0", "r12", "r13", "r14", "r15", "rbx", "r8", "r11");
}

static void check_sigreturn_registers(void) {
    install(SIGILL, skip_ud2_handler, 0);
    register_roundtrip(registers_out);
    static const uint64_t expected[16] = {
        0x4242,             0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
        0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
        0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc,
        0xdddddddddddddddd, 0xeeeeeeeeeeeeeeee, 0xffffffffffffffff, 0x0f0e0d0c0b0a0908,
    };
    static const char *names[16] = {"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
                                    "r9",  "r10", "r11", "r12", "r13", "r14", "r15", "xmm0"};
    int all = 1;
    for (int i = 0; i < 16; i++) {
        if (registers_out[i] != expected[i]) {
            fprintf(stderr, "FAIL: after rt_sigreturn %s is %#llx, expected %#llx\n", names[i],
                    (unsigned long long)registers_out[i], (unsigned long long)expected[i]);
            all = 0;
        }
    }
    check(seen_r12 == (greg_t)0xcccccccccccccccc && seen_rbp == (greg_t)0x7777777777777777,
          "ucontext holds the interrupted registers");
    check(all, "rt_sigreturn restores every register and applies the handler's RIP and RAX");
}

// raise, kill, blocking and pending.
static volatile sig_atomic_t usr1_count, usr2_count, rt_count;
static volatile int usr1_code, usr2_code, usr1_pid_ok, usr1_mask_ok;

static void usr_handler(int signo, siginfo_t *info, void *context) {
    (void)context;
    sigset_t current;
    sigprocmask(SIG_SETMASK, NULL, &current);
    if (signo == SIGUSR1) {
        usr1_count++;
        usr1_code = info->si_code;
        usr1_pid_ok = info->si_pid == getpid() && info->si_uid == getuid();
        // The signal itself is blocked while its handler runs, and so is sa_mask.
        usr1_mask_ok = sigismember(&current, SIGUSR1) && sigismember(&current, SIGTERM);
    } else if (signo == SIGUSR2) {
        usr2_count++;
        usr2_code = info->si_code;
    } else {
        rt_count++;
    }
}

static void check_raise_and_pending(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = usr_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaction(SIGUSR1, &sa, NULL);
    struct sigaction old;
    sigaction(SIGUSR1, NULL, &old);
    check(old.sa_sigaction == usr_handler && (old.sa_flags & SA_SIGINFO) &&
              sigismember(&old.sa_mask, SIGTERM),
          "sigaction reads back the installed handler, flags and mask");

    raise(SIGUSR1);
    check(usr1_count == 1, "raise(SIGUSR1) runs the handler before raise returns");
    check(usr1_code == SI_TKILL && usr1_pid_ok, "raise: si_code SI_TKILL, si_pid and si_uid ours");
    check(usr1_mask_ok, "handler runs with its signal and sa_mask blocked");
    sigset_t current;
    sigprocmask(SIG_SETMASK, NULL, &current);
    check(!sigismember(&current, SIGUSR1) && !sigismember(&current, SIGTERM),
          "mask restored after the handler returns");

    install(SIGUSR2, usr_handler, 0);
    kill(getpid(), SIGUSR2);
    check(usr2_count == 1 && usr2_code == SI_USER, "kill(getpid(), SIGUSR2): delivered, SI_USER");

    sigset_t block, old_mask, pending;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old_mask);
    raise(SIGUSR1);
    raise(SIGUSR1);  // A standard signal does not queue: one delivery for both.
    check(usr1_count == 1, "a blocked SIGUSR1 is not delivered");
    sigpending(&pending);
    check(sigismember(&pending, SIGUSR1) && !sigismember(&pending, SIGUSR2),
          "sigpending shows the blocked SIGUSR1");
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
    check(usr1_count == 2, "unblocking delivers SIGUSR1 once");
    sigpending(&pending);
    check(!sigismember(&pending, SIGUSR1), "nothing pending after delivery");

    // Real-time signals queue: three sent while blocked, three delivered.
    int rt = SIGRTMIN + 1;
    install(rt, usr_handler, 0);
    sigemptyset(&block);
    sigaddset(&block, rt);
    sigprocmask(SIG_BLOCK, &block, NULL);
    for (int i = 0; i < 3; i++) {
        union sigval value = {.sival_int = i};
        sigqueue(getpid(), rt, value);
    }
    check(rt_count == 0, "blocked real-time signals wait");
    sigprocmask(SIG_UNBLOCK, &block, NULL);
    check(rt_count == 3, "real-time signals queue: three sent, three delivered");

    // sigwaitinfo-free check of SIG_IGN: an ignored signal is discarded.
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    sigpending(&pending);
    check(usr2_count == 1 && !sigismember(&pending, SIGUSR2), "an ignored signal is discarded");

    // SA_RESETHAND: one delivery, then the default disposition is back.
    install(SIGUSR2, usr_handler, SA_RESETHAND);
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &old);
    check(usr2_count == 2 && old.sa_handler == SIG_DFL, "SA_RESETHAND restores SIG_DFL");
}

// sigaltstack: a handler with SA_ONSTACK runs on the alternate stack.
static char *altstack_base;
static size_t altstack_size;
static volatile int on_altstack, altstack_flags_ok;

static void altstack_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)info;
    (void)context;
    char local;
    on_altstack = &local >= altstack_base && &local < altstack_base + altstack_size;
    stack_t current;
    sigaltstack(NULL, &current);
    altstack_flags_ok = (current.ss_flags & SS_ONSTACK) != 0;
}

static void check_sigaltstack(void) {
    altstack_size = 64 * 1024;
    altstack_base = malloc(altstack_size);
    stack_t ss = {.ss_sp = altstack_base, .ss_size = altstack_size, .ss_flags = 0};
    check(sigaltstack(&ss, NULL) == 0, "sigaltstack installs an alternate stack");
    install(SIGUSR2, altstack_handler, SA_ONSTACK);
    raise(SIGUSR2);
    check(on_altstack, "SA_ONSTACK handler runs on the alternate stack");
    check(altstack_flags_ok, "sigaltstack reports SS_ONSTACK inside the handler");
    stack_t current;
    sigaltstack(NULL, &current);
    check(current.ss_sp == altstack_base && current.ss_size == altstack_size &&
              current.ss_flags == 0,
          "sigaltstack reads back, not on it outside the handler");
    // Without SA_ONSTACK the handler stays on the normal stack.
    install(SIGUSR2, altstack_handler, 0);
    raise(SIGUSR2);
    check(!on_altstack, "a handler without SA_ONSTACK runs on the normal stack");
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}

// A stack overflow in a thread, caught on that thread's alternate stack.
static sigjmp_buf overflow_jump;
static volatile int overflow_caught_on_altstack;
static char *overflow_altstack;

static void overflow_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)info;
    (void)context;
    char local;
    overflow_caught_on_altstack =
        &local >= overflow_altstack && &local < overflow_altstack + 64 * 1024;
    siglongjmp(overflow_jump, 1);
}

static volatile int recursion_limit = 1 << 30;  // Never reached: the stack ends first.

static int recurse(volatile char *previous, int depth) {
    volatile char frame[512];
    if (depth > recursion_limit)
        return 0;
    frame[0] = (char)depth;
    if (previous)
        frame[1] = previous[0];
    return recurse(frame, depth + 1) + frame[1];
}

static void *overflow_thread(void *arg) {
    (void)arg;
    overflow_altstack = malloc(64 * 1024);
    stack_t ss = {.ss_sp = overflow_altstack, .ss_size = 64 * 1024, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    if (sigsetjmp(overflow_jump, 1) == 0)
        recurse(NULL, 0);
    return (void *)1;
}

static void check_stack_overflow(void) {
    install(SIGSEGV, overflow_handler, SA_ONSTACK);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 128 * 1024);
    pthread_t thread;
    void *result = NULL;
    pthread_create(&thread, &attr, overflow_thread, NULL);
    pthread_join(thread, &result);
    check(result == (void *)1 && overflow_caught_on_altstack,
          "a thread's stack overflow is caught on its alternate stack");
}

int main(void) {
    check_segv();
    check_sigfpe();
    check_sigill_and_sigtrap();
    check_sigreturn_registers();
    check_raise_and_pending();
    check_sigaltstack();
    check_stack_overflow();
    if (failures) {
        fprintf(stderr, "FAIL: signals: %d checks failed\n", failures);
        return 1;
    }
    printf("signals ok\n");
    return 0;
}
