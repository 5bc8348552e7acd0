// Threads on several CPUs (run with --cpus 2 or more): the CPU count agrees everywhere a
// program asks (sched_getaffinity, sysconf, /proc/cpuinfo, /sys/devices/system/cpu/online),
// sched_setaffinity really moves a thread and getcpu tells where it is, a munmap on one CPU
// makes the next write through that page on another fault (TLB shootdown), FPU/SSE state
// survives a thread bouncing between CPUs while another thread uses the FPU, a futex
// ping-pong between threads bound to different CPUs, many threads created and joined, and
// two CPU-bound threads both make progress at once. Prints what it checked; "smp ok" last.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int failures;

static void check(int ok, const char *what) {
    printf("%s: %s\n", what, ok ? "yes" : "NO");
    if (!ok) failures++;
}

static int bind_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

static int count_lines(const char *path, const char *prefix) {
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    char line[512];
    int count = 0;
    while (fgets(line, sizeof line, file))
        if (strncmp(line, prefix, strlen(prefix)) == 0) count++;
    fclose(file);
    return count;
}

// FPU: a thread keeps values in SSE registers and memory while it moves from CPU to CPU;
// another thread on the FPU meanwhile must not disturb them.
static volatile int stop_noise;
static void *fpu_noise(void *arg) {
    (void)arg;
    volatile double x = 1.0;
    while (!stop_noise) x = x * 1.000001 + 0.5;
    return NULL;
}

static int fpu_survives_moves(int cpus) {
    double a = 1.0, b = 0.0;
    for (int i = 0; i < 200; i++) {
        bind_to(i % cpus);
        for (int k = 0; k < 1000; k++) {
            a = a * 1.0000001 + 0.25;
            b += a * 0.5;
        }
    }
    // The same sums computed without moving.
    double c = 1.0, d = 0.0;
    for (int i = 0; i < 200; i++)
        for (int k = 0; k < 1000; k++) {
            c = c * 1.0000001 + 0.25;
            d += c * 0.5;
        }
    return a == c && b == d;
}

// A futex ping-pong between two threads on different CPUs.
static int turn;  // 0: ping's turn, 1: pong's
enum { kRounds = 2000 };

static void futex_wait(int *word, int value) { syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0); }
static void futex_wake(int *word) { syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }

static void *pong(void *arg) {
    bind_to(*(int *)arg);
    for (int i = 0; i < kRounds; i++) {
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 1) futex_wait(&turn, 0);
        __atomic_store_n(&turn, 0, __ATOMIC_RELEASE);
        futex_wake(&turn);
    }
    return NULL;
}

// A TLB shootdown: a thread on CPU 1 writes through a mapping that CPU 0 unmaps. Once
// munmap has returned, the writer faults (SIGSEGV) at its next write; a write that still
// went through would be the stale translation. At most one write may land after munmap
// returns: the one in flight when it did (written before the shootdown reached CPU 1,
// counted after).
static volatile char *shared_page;
static volatile long writes;
static volatile int writer_ready, writer_faulted;
static sigjmp_buf writer_jump;

static void on_writer_fault(int sig) {
    (void)sig;
    siglongjmp(writer_jump, 1);
}

static void *writer(void *arg) {
    bind_to(*(int *)arg);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_writer_fault;
    sigaction(SIGSEGV, &action, NULL);
    if (sigsetjmp(writer_jump, 1)) {
        writer_faulted = 1;
        return NULL;
    }
    writer_ready = 1;
    for (;;) {
        shared_page[0] = (char)writes;
        writes++;
    }
}

static int shootdown_faults_writer(void) {
    shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (shared_page == MAP_FAILED) return 0;
    int cpu = 1;
    bind_to(0);
    pthread_t thread;
    pthread_create(&thread, NULL, writer, &cpu);
    while (!writer_ready) sched_yield();
    while (writes < 100000) sched_yield();  // it writes, with the page in CPU 1's TLB
    munmap((void *)shared_page, 4096);
    long at_return = writes;
    pthread_join(thread, NULL);
    printf("writes after munmap returned: %ld\n", writes - at_return <= 1 ? 0L : writes - at_return);
    return writer_faulted && writes - at_return <= 1;
}

static void *empty(void *arg) { return arg; }

// Two CPU-bound threads: each counts while the other runs; both must have advanced while
// both were running (on one CPU the slices would also let both advance, so the check is
// on where they ran: getcpu differs).
static volatile long counters[2];
static volatile int where[2] = {-1, -1};
static void *spin(void *arg) {
    int index = *(int *)arg;
    bind_to(index);
    unsigned cpu = 99;
    for (long i = 0; i < 20000000; i++) {
        counters[index]++;
        if ((i & 0xfffff) == 0) {
            syscall(SYS_getcpu, &cpu, NULL, NULL);
            where[index] = (int)cpu;
        }
    }
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    int cpus = CPU_COUNT(&set);
    printf("CPUs: %d\n", cpus);
    check(cpus >= 2, "more than one CPU");
    check(sysconf(_SC_NPROCESSORS_ONLN) == cpus, "sysconf(_SC_NPROCESSORS_ONLN) agrees");
    check(count_lines("/proc/cpuinfo", "processor") == cpus, "/proc/cpuinfo lists each");
    char online[32] = {0}, expected[32];
    FILE *file = fopen("/sys/devices/system/cpu/online", "r");
    if (file) {
        if (!fgets(online, sizeof online, file)) online[0] = 0;
        fclose(file);
    }
    snprintf(expected, sizeof expected, "0-%d\n", cpus - 1);
    check(strcmp(online, expected) == 0, "/sys/devices/system/cpu/online agrees");
    check(count_lines("/proc/stat", "cpu") == cpus + 1, "/proc/stat has a line per CPU");

    int moved = 1;
    for (int round = 0; round < 3; round++)
        for (int c = 0; c < cpus; c++) {
            if (bind_to(c) != 0) moved = 0;
            unsigned cpu = 99;
            syscall(SYS_getcpu, &cpu, NULL, NULL);
            if ((int)cpu != c || sched_getcpu() != c) moved = 0;
        }
    check(moved, "sched_setaffinity moves the thread, getcpu and sched_getcpu follow");
    CPU_ZERO(&set);
    CPU_SET(cpus, &set);  // a CPU the machine does not have
    errno = 0;
    check(sched_setaffinity(0, sizeof set, &set) == -1 && errno == EINVAL, "a mask of no CPU: EINVAL");
    CPU_ZERO(&set);
    for (int c = 0; c < cpus; c++) CPU_SET(c, &set);
    sched_setaffinity(0, sizeof set, &set);

    pthread_t noise;
    pthread_create(&noise, NULL, fpu_noise, NULL);
    check(fpu_survives_moves(cpus), "FPU state survives 200 moves between CPUs");
    stop_noise = 1;
    pthread_join(noise, NULL);

    check(shootdown_faults_writer(), "a thread on CPU 1 faults once CPU 0's munmap returns");
    sched_setaffinity(0, sizeof set, &set);

    int other = 1;
    pthread_t partner;
    bind_to(0);
    pthread_create(&partner, NULL, pong, &other);
    for (int i = 0; i < kRounds; i++) {
        __atomic_store_n(&turn, 1, __ATOMIC_RELEASE);
        futex_wake(&turn);
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != 0) futex_wait(&turn, 1);
    }
    pthread_join(partner, NULL);
    check(1, "futex ping-pong across CPUs: 2000 round trips");
    sched_setaffinity(0, sizeof set, &set);

    int created = 0;
    for (int batch = 0; batch < 50; batch++) {
        pthread_t threads[40];
        int n = 0;
        for (; n < 40; n++)
            if (pthread_create(&threads[n], NULL, empty, NULL) != 0) break;
        for (int i = 0; i < n; i++) pthread_join(threads[i], NULL);
        created += n;
    }
    printf("threads created and joined: %d\n", created);
    check(created == 2000, "2000 threads created and joined");

    int index[2] = {0, 1};
    pthread_t spinners[2];
    for (int i = 0; i < 2; i++) pthread_create(&spinners[i], NULL, spin, &index[i]);
    for (int i = 0; i < 2; i++) pthread_join(spinners[i], NULL);
    check(where[0] == 0 && where[1] == 1, "two CPU-bound threads ran on CPUs 0 and 1");

    printf(failures ? "smp FAILED\n" : "smp ok\n");
    return failures != 0;
}
