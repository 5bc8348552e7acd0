// The benchmark program run as the application in both guests (Osprey, and Linux as /init).
// It prints one line per figure, `figure NAME VALUE UNIT`, and bench/run.sh collects them.
//
//   bench [--poweroff] [GROUP...|all]      GROUP: syscalls threads mm processes smp (kGroups below;
//                                          `all` leaves out smp, which bench/run.sh runs on its own)
//
// The first thing main does is read the TSC: under -icount shift=0 the TSC counts the
// instructions executed since QEMU's reset, so that value minus the TSC at the kernel's
// entry is the boot cost to main. Its line is also the "first output" of the wall-time
// figure. Each measured loop reports its cost per operation twice: in TSC ticks (under
// icount: instructions) and in CLOCK_MONOTONIC nanoseconds (meaningful without icount).
// --poweroff is for the Linux guest, where this program is /init and must end the VM.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

extern char **environ;

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

// A stretch of measured work: started before a loop, reported per operation after it.
struct span {
    unsigned long long tsc;
    double ns;
};

static struct span span_start(void) {
    struct span s;
    s.ns = now_ns();
    s.tsc = __rdtsc();
    return s;
}

static void span_report(struct span s, const char *name, double ops) {
    unsigned long long tsc = __rdtsc();
    double ns = now_ns();
    printf("figure %s.tsc %.1f tsc\n", name, (double)(tsc - s.tsc) / ops);
    printf("figure %s.ns %.1f ns\n", name, (ns - s.ns) / ops);
}

// --- system calls ---------------------------------------------------------------------

enum { kSyscallLoops = 10000 };

static void bench_syscalls(void) {
    for (int i = 0; i < 1000; i++) syscall(SYS_getpid);  // warm-up: translate the loop
    struct span s = span_start();
    for (int i = 0; i < kSyscallLoops; i++) syscall(SYS_getpid);
    span_report(s, "getpid", kSyscallLoops);

    struct timespec t;
    for (int i = 0; i < 1000; i++) clock_gettime(CLOCK_MONOTONIC, &t);
    s = span_start();
    for (int i = 0; i < kSyscallLoops; i++) clock_gettime(CLOCK_MONOTONIC, &t);
    span_report(s, "clock_gettime", kSyscallLoops);
}

// --- threads --------------------------------------------------------------------------

enum { kThreadLoops = 200, kPingPongRounds = 1000 };

static void *thread_returns(void *arg) { return arg; }

static void create_join(int n) {
    for (int i = 0; i < n; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, thread_returns, NULL) != 0) {
            printf("error pthread_create\n");
            exit(1);
        }
        pthread_join(thread, NULL);
    }
}

// Whose turn it is: 0 the main thread's, 1 the partner's. Each side waits on the futex
// until the word says it is its turn, flips it and wakes the other.
static atomic_int turn;

static void futex_wait(atomic_int *word, int value) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake(atomic_int *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *pingpong_partner(void *arg) {
    long rounds = (long)arg;
    for (long i = 0; i < rounds; i++) {
        while (atomic_load(&turn) != 1) futex_wait(&turn, 0);
        atomic_store(&turn, 0);
        futex_wake(&turn);
    }
    return NULL;
}

static void pingpong(long rounds) {
    pthread_t partner;
    atomic_store(&turn, 0);
    pthread_create(&partner, NULL, pingpong_partner, (void *)rounds);
    for (long i = 0; i < rounds; i++) {
        atomic_store(&turn, 1);
        futex_wake(&turn);
        while (atomic_load(&turn) != 0) futex_wait(&turn, 1);
    }
    pthread_join(partner, NULL);
}

static void bench_threads(void) {
    create_join(20);
    struct span s = span_start();
    create_join(kThreadLoops);
    span_report(s, "create_join", kThreadLoops);

    pingpong(100);
    s = span_start();
    pingpong(kPingPongRounds);
    span_report(s, "futex_pingpong", kPingPongRounds);
}

// --- memory management ----------------------------------------------------------------

enum { kMapBytes = 64 << 20, kPage = 4096, kMapLoops = 3 };

static void bench_mm(void) {
    struct span whole = span_start();
    struct span touch_total = {0, 0};
    for (int round = 0; round < kMapLoops; round++) {
        char *p = mmap(NULL, kMapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("error mmap\n");
            exit(1);
        }
        struct span touch = span_start();
        for (long off = 0; off < kMapBytes; off += kPage) p[off] = 1;
        touch_total.tsc += __rdtsc() - touch.tsc;
        touch_total.ns += now_ns() - touch.ns;
        munmap(p, kMapBytes);
    }
    span_report(whole, "mmap_touch_munmap_64m", kMapLoops);
    double faults = (double)kMapLoops * (kMapBytes / kPage);
    printf("figure page_fault.tsc %.1f tsc\n", (double)touch_total.tsc / faults);
    printf("figure page_fault.ns %.1f ns\n", touch_total.ns / faults);
}

// --- processes ------------------------------------------------------------------------

enum { kForkLoops = 200, kForkTouchBytes = 8 << 20, kExecLoops = 50, kPipelineLoops = 20 };

// What the exec figures run; bench/run.sh puts both files in both guests' images.
static const char kExitProgram[] = "/bench/exit0";  // bench/programs/exit0.c, static
static const char kBusybox[] = "/bin/busybox";      // Debian's busybox-static
static const char kPipeline[] = "echo x | /bin/busybox cat | /bin/busybox wc -c";

static void wait_success(pid_t child, const char *what) {
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        printf("error %s: wait status %#x\n", what, status);
        exit(1);
    }
}

static void fork_exit_wait(int n) {
    for (int i = 0; i < n; i++) {
        pid_t child = fork();
        if (child < 0) {
            printf("error fork\n");
            exit(1);
        }
        if (child == 0) _exit(0);
        waitpid(child, NULL, 0);
    }
}

static void fork_exec_wait(int n) {
    char *argv[] = {(char *)kExitProgram, NULL};
    for (int i = 0; i < n; i++) {
        pid_t child = fork();
        if (child < 0) {
            printf("error fork\n");
            exit(1);
        }
        if (child == 0) {
            execve(kExitProgram, argv, environ);
            _exit(127);
        }
        wait_success(child, kExitProgram);
    }
}

// One pipeline as a shell script runs it: `busybox sh -c 'echo x | /bin/busybox cat |
// /bin/busybox wc -c'`, whose output comes back through a pipe and is checked. The shell
// makes two pipes and forks once per stage (echo is a builtin and runs in its forked
// child; the others exec busybox by its path), waits for all three and exits: per
// pipeline, 4 forks, 3 execs of busybox and 3 pipes.
static void shell_pipeline(int n) {
    char *argv[] = {"sh", "-c", (char *)kPipeline, NULL};
    for (int i = 0; i < n; i++) {
        int out[2];
        if (pipe(out) != 0) {
            printf("error pipe\n");
            exit(1);
        }
        pid_t child = fork();
        if (child < 0) {
            printf("error fork\n");
            exit(1);
        }
        if (child == 0) {
            dup2(out[1], STDOUT_FILENO);
            close(out[0]);
            close(out[1]);
            execve(kBusybox, argv, environ);
            _exit(127);
        }
        close(out[1]);
        char text[16];
        size_t length = 0;
        ssize_t got;
        while ((got = read(out[0], text + length, sizeof text - 1 - length)) > 0) length += got;
        close(out[0]);
        text[length] = 0;
        wait_success(child, "busybox sh");
        if (strcmp(text, "2\n") != 0) {
            printf("error the pipeline printed \"%s\"\n", text);
            exit(1);
        }
    }
}

static void bench_processes(void) {
    fork_exit_wait(10);
    struct span s = span_start();
    fork_exit_wait(kForkLoops);
    span_report(s, "fork_exit_wait", kForkLoops);
    // With 8 MiB of the parent's memory touched: the copy-on-write setup grows with it.
    char *p = mmap(NULL, kForkTouchBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    for (long off = 0; off < kForkTouchBytes; off += kPage) p[off] = 1;
    s = span_start();
    fork_exit_wait(kForkLoops / 4);
    span_report(s, "fork_exit_wait_8m", kForkLoops / 4);
    munmap(p, kForkTouchBytes);

    if (access(kExitProgram, X_OK) != 0 || access(kBusybox, X_OK) != 0) {
        printf("error %s and %s must be in the image (bench/run.sh adds them)\n", kExitProgram, kBusybox);
        exit(1);
    }
    fork_exec_wait(5);
    s = span_start();
    fork_exec_wait(kExecLoops);
    span_report(s, "fork_exec_wait", kExecLoops);

    shell_pipeline(3);
    s = span_start();
    shell_pipeline(kPipelineLoops);
    span_report(s, "shell_pipeline", kPipelineLoops);
}

// --- several CPUs -----------------------------------------------------------------------
// bench/run.sh runs this group in boots of 1 and 2 CPUs. parallel_2x: two threads of the
// same fixed work, the wall time of both (1 CPU runs them in turn, 2 at once). With two
// CPUs or more: a futex ping-pong between threads bound to CPUs 0 and 1, pthread_create +
// join (the new thread may start on the other CPU), and mprotect of one page while another
// thread of the process runs on the other CPU, whose TLB must then drop the page (a TLB
// shootdown each).

enum { kParallelWork = 30000000, kCrossRounds = 2000, kShootdowns = 2000 };

static void *parallel_worker(void *arg) {
    (void)arg;
    volatile double x = 0;
    for (long i = 0; i < kParallelWork; i++) x += (double)i * 0.5;
    return NULL;
}

static int bind_self(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static void *cross_partner(void *arg) {
    bind_self(1);
    return pingpong_partner(arg);
}

static atomic_int shootdown_stop;
static atomic_int shootdown_ready;
static volatile char *shootdown_page;

static void *shootdown_partner(void *arg) {
    (void)arg;
    bind_self(1);
    atomic_store(&shootdown_ready, 1);
    while (!atomic_load(&shootdown_stop)) (void)shootdown_page[0];  // keeps the table loaded there
    return NULL;
}

static void bench_smp(void) {
    cpu_set_t all;
    CPU_ZERO(&all);
    sched_getaffinity(0, sizeof all, &all);
    int cpus = CPU_COUNT(&all);
    pthread_t workers[2];
    struct span s = span_start();
    for (int i = 0; i < 2; i++) pthread_create(&workers[i], NULL, parallel_worker, NULL);
    for (int i = 0; i < 2; i++) pthread_join(workers[i], NULL);
    span_report(s, "parallel_2x", 1);
    if (cpus < 2) return;

    bind_self(0);
    pthread_t partner;
    atomic_store(&turn, 0);
    s = span_start();
    pthread_create(&partner, NULL, cross_partner, (void *)(long)kCrossRounds);
    for (long i = 0; i < kCrossRounds; i++) {
        atomic_store(&turn, 1);
        futex_wake(&turn);
        while (atomic_load(&turn) != 0) futex_wait(&turn, 1);
    }
    pthread_join(partner, NULL);
    span_report(s, "futex_pingpong_cross", kCrossRounds);
    sched_setaffinity(0, sizeof all, &all);

    create_join(20);
    s = span_start();
    create_join(kThreadLoops);
    span_report(s, "create_join_smp", kThreadLoops);

    char *pages = mmap(NULL, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        printf("error mmap\n");
        exit(1);
    }
    pages[0] = pages[kPage] = 1;
    shootdown_page = pages;
    bind_self(0);
    atomic_store(&shootdown_stop, 0);
    atomic_store(&shootdown_ready, 0);
    pthread_create(&partner, NULL, shootdown_partner, NULL);
    while (!atomic_load(&shootdown_ready)) sched_yield();
    s = span_start();
    for (int i = 0; i < kShootdowns; i++)
        mprotect(pages + kPage, kPage, (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
    span_report(s, "mprotect_shootdown", kShootdowns);
    atomic_store(&shootdown_stop, 1);
    pthread_join(partner, NULL);
    munmap(pages, 2 * kPage);
    sched_setaffinity(0, sizeof all, &all);
}

// --- main -----------------------------------------------------------------------------

// Every group of figures this program knows (`all` runs them in this order); a figure
// appears in the table once bench/figures.tsv names it.
static const struct {
    const char *name;
    void (*run)(void);
    int in_all;
} kGroups[] = {
    {"syscalls", bench_syscalls, 1},
    {"threads", bench_threads, 1},
    {"mm", bench_mm, 1},
    {"processes", bench_processes, 1},
    {"smp", bench_smp, 0},
};

int main(int argc, char **argv) {
    unsigned long long tsc = __rdtsc();
    setvbuf(stdout, NULL, _IOLBF, 0);  // each line out at once, terminal or not
    printf("figure main_tsc %llu tsc\n", tsc);

    int poweroff = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--poweroff") == 0) {
            poweroff = 1;
            continue;
        }
        int found = 0;
        for (size_t g = 0; g < sizeof kGroups / sizeof kGroups[0]; g++) {
            if ((strcmp(argv[i], "all") == 0 && kGroups[g].in_all) || strcmp(argv[i], kGroups[g].name) == 0) {
                kGroups[g].run();
                found = 1;
            }
        }
        if (!found) printf("error unknown group %s\n", argv[i]);
    }
    printf("done\n");
    if (poweroff) {
        // On microvm there is no ACPI to power off with; a reset under -no-reboot ends QEMU.
        fflush(stdout);
        reboot(RB_AUTOBOOT);
    }
    return 0;
}
