// The way back from a system call, on every path the kernel takes: a plain call, one that
// returns through a signal handler, an unknown number (ENOSYS, twice), a call whose handler
// takes the saved registers, and a mask change that lets a pending signal in. Each must give
// back every register but rax, rcx and r11, with rcx the return address and r11 the flags,
// as Linux does. Then: signals from an interval timer reach a loop of system calls; the
// last page of the user half cannot be mapped, so no `syscall` can end at its top (its
// return address would not be canonical); a `syscall` in the last bytes of the highest
// page that can be mapped returns and runs on at the page's end.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "check.h"

// --- every register across a syscall ------------------------------------------------------

struct gprs {
    uint64_t rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

// syscall_all_registers(in, out): loads every general register but rsp from *in, executes
// `syscall`, and stores every register as it came back into *out.
void syscall_all_registers(const struct gprs *in, struct gprs *out);
extern const char syscall_all_registers_return[];
__asm__(
    ".text\n"
    ".globl syscall_all_registers\n"
    "syscall_all_registers:\n"
    "    pushq %rbx\n"
    "    pushq %rbp\n"
    "    pushq %r12\n"
    "    pushq %r13\n"
    "    pushq %r14\n"
    "    pushq %r15\n"
    "    pushq %rsi\n"  // out
    "    movq 0(%rdi), %rax\n"
    "    movq 8(%rdi), %rbx\n"
    "    movq 16(%rdi), %rcx\n"
    "    movq 24(%rdi), %rdx\n"
    "    movq 32(%rdi), %rsi\n"
    "    movq 48(%rdi), %rbp\n"
    "    movq 56(%rdi), %r8\n"
    "    movq 64(%rdi), %r9\n"
    "    movq 72(%rdi), %r10\n"
    "    movq 80(%rdi), %r11\n"
    "    movq 88(%rdi), %r12\n"
    "    movq 96(%rdi), %r13\n"
    "    movq 104(%rdi), %r14\n"
    "    movq 112(%rdi), %r15\n"
    "    movq 40(%rdi), %rdi\n"
    "    syscall\n"
    ".globl syscall_all_registers_return\n"
    "syscall_all_registers_return:\n"
    "    pushq %rdi\n"
    "    movq 8(%rsp), %rdi\n"
    "    movq %rax, 0(%rdi)\n"
    "    movq %rbx, 8(%rdi)\n"
    "    movq %rcx, 16(%rdi)\n"
    "    movq %rdx, 24(%rdi)\n"
    "    movq %rsi, 32(%rdi)\n"
    "    popq %rax\n"
    "    movq %rax, 40(%rdi)\n"
    "    movq %rbp, 48(%rdi)\n"
    "    movq %r8, 56(%rdi)\n"
    "    movq %r9, 64(%rdi)\n"
    "    movq %r10, 72(%rdi)\n"
    "    movq %r11, 80(%rdi)\n"
    "    movq %r12, 88(%rdi)\n"
    "    movq %r13, 96(%rdi)\n"
    "    movq %r14, 104(%rdi)\n"
    "    movq %r15, 112(%rdi)\n"
    "    addq $8, %rsp\n"
    "    popq %r15\n"
    "    popq %r14\n"
    "    popq %r13\n"
    "    popq %r12\n"
    "    popq %rbp\n"
    "    popq %rbx\n"
    "    ret\n");

// Every register gets a value of its own; the arguments a call reads are set after.
static struct gprs patterned(long number) {
    struct gprs in;
    uint64_t *slot = (uint64_t *)&in;
    for (unsigned i = 0; i < sizeof in / sizeof *slot; i++) slot[i] = 0x5a5a000000000000ull + i * 0x0101010101ull;
    in.rax = (uint64_t)number;
    return in;
}

// The call `in` describes keeps every register but rax, rcx and r11; rcx comes back as the
// return address and r11 as flags with IF set, and rax is `expected`.
static void check_registers(const char *what, const struct gprs *in, long expected) {
    struct gprs out;
    syscall_all_registers(in, &out);
    int kept = out.rbx == in->rbx && out.rdx == in->rdx && out.rsi == in->rsi && out.rdi == in->rdi &&
               out.rbp == in->rbp && out.r8 == in->r8 && out.r9 == in->r9 && out.r10 == in->r10 &&
               out.r12 == in->r12 && out.r13 == in->r13 && out.r14 == in->r14 && out.r15 == in->r15;
    char line[200];
    snprintf(line, sizeof line, "%s: result as expected", what);
    check((long)out.rax == expected, line);
    snprintf(line, sizeof line, "%s: every register but rax, rcx, r11 kept", what);
    check(kept, line);
    snprintf(line, sizeof line, "%s: rcx is the return address, r11 the flags", what);
    check(out.rcx == (uint64_t)syscall_all_registers_return && (out.r11 & 0x202) == 0x202 && !(out.r11 & 0x100),
          line);
}

static volatile sig_atomic_t usr1_count;
static void count_usr1(int signo) {
    (void)signo;
    usr1_count++;
}

static void check_paths(void) {
    struct gprs in = patterned(SYS_getpid);
    check_registers("getpid", &in, getpid());

    // kill(getpid(), SIGUSR1): the handler runs before the call returns.
    signal(SIGUSR1, count_usr1);
    in = patterned(SYS_kill);
    in.rdi = (uint64_t)getpid();
    in.rsi = SIGUSR1;
    check_registers("kill self with a handler", &in, 0);
    check(usr1_count == 1, "kill self: the handler ran before the call returned");

    // A number no call has (Linux leaves 335-423 unused), twice: the kernel logs it once.
    in = patterned(400);
    check_registers("syscall 400", &in, -ENOSYS);
    check_registers("syscall 400 again", &in, -ENOSYS);

    // sigaltstack(NULL, NULL) reads the saved registers (the stack pointer) and changes none.
    in = patterned(SYS_sigaltstack);
    in.rdi = 0;
    in.rsi = 0;
    check_registers("sigaltstack(NULL, NULL)", &in, 0);

    // A pending signal let in by a mask change is delivered on the way out of that call.
    sigset_t usr1, old;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, &old);
    kill(getpid(), SIGUSR1);
    check(usr1_count == 1, "a blocked SIGUSR1 waits");
    in = patterned(SYS_rt_sigprocmask);
    in.rdi = SIG_UNBLOCK;
    in.rsi = (uint64_t)&usr1;
    in.rdx = 0;
    in.r10 = sizeof(uint64_t);
    check_registers("rt_sigprocmask unblocking a pending signal", &in, 0);
    check(usr1_count == 2, "unblocking: the handler ran before the call returned");
    signal(SIGUSR1, SIG_DFL);
}

// --- signals reach a loop of system calls --------------------------------------------------

static volatile sig_atomic_t alarm_count;
static void count_alarm(int signo) {
    (void)signo;
    alarm_count++;
}

static void check_timer_signals(void) {
    signal(SIGALRM, count_alarm);
    struct itimerval every_ms = {{0, 1000}, {0, 1000}};
    setitimer(ITIMER_REAL, &every_ms, NULL);
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long calls = 0;
    do {  // within 20 s of the clock, however slow the machine
        for (int i = 0; i < 1000; i++) syscall(SYS_getpid);
        calls += 1000;
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (alarm_count < 5 && now.tv_sec - start.tv_sec < 20);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    signal(SIGALRM, SIG_DFL);
    check(alarm_count >= 5 && calls > 0, "SIGALRM every millisecond reaches a loop of getpid calls");
}

// --- the top of the user half -------------------------------------------------------------

static sigjmp_buf after_fault;
static volatile uintptr_t fault_address, fault_rip;
static volatile long fault_rax;

static void on_segv(int signo, siginfo_t *info, void *context) {
    (void)signo;
    ucontext_t *uc = context;
    fault_address = (uintptr_t)info->si_addr;
    fault_rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    fault_rax = (long)uc->uc_mcontext.gregs[REG_RAX];
    siglongjmp(after_fault, 1);
}

static void check_top_of_user_half(void) {
    const uintptr_t top = 0x800000000000ull, page = 4096;
    void *last = mmap((void *)(top - page), page, PROT_READ | PROT_WRITE | PROT_EXEC,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check(last == MAP_FAILED && errno == ENOMEM, "the last page of the user half cannot be mapped (ENOMEM)");

    // The highest free page below it (the stack may sit right under the top).
    uintptr_t at = top - 2 * page;
    char *code = MAP_FAILED;
    for (int tries = 0; tries < 8192 && code == MAP_FAILED; tries++, at -= page)
        code = mmap((void *)at, page, PROT_READ | PROT_WRITE | PROT_EXEC,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (code == MAP_FAILED) {
        check(0, "a free page near the top of the user half");
        return;
    }
    // `syscall` in its last two bytes: getpid returns to the address just past the page,
    // where nothing executable is, and the fetch faults there.
    code[page - 2] = 0x0f;
    code[page - 1] = 0x05;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(after_fault, 1) == 0) {
        void (*jump)(void) = (void (*)(void))(code + page - 2);
        __asm__ volatile("call *%1" : : "a"((long)SYS_getpid), "r"(jump) : "rcx", "r11", "memory");
        check(0, "the call past the end of the page faults");
    }
    uintptr_t end = (uintptr_t)code + page;
    check(fault_rip == end && fault_address == end, "a syscall at a page's end returns to the next address");
    check(fault_rax == getpid(), "and getpid's result is in rax there");
    signal(SIGSEGV, SIG_DFL);
    munmap(code, page);
}

int main(void) {
    check_paths();
    check_timer_signals();
    check_top_of_user_half();
    if (failures) {
        fprintf(stderr, "%d failures\n", failures);
        return 1;
    }
    return 0;
}
