// System calls given bad pointers fail with EFAULT and the program goes on: unmapped
// addresses, NULL, kernel-half and non-canonical addresses, and pages whose protection
// forbids the access (a read-only page as an output buffer, a PROT_NONE page as input).
// Calls go through syscall() so no libc wrapper touches the pointer first.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

// From the kernel's headers, which musl-gcc does not see.
#define ARCH_GET_FS 0x1003
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static int failures;

static void expect_efault(const char *what, long rc) {
    int error = errno;
    if (rc == -1 && error == EFAULT) {
        printf("ok: %s: EFAULT\n", what);
    } else {
        fprintf(stderr, "FAIL: %s returned %ld, errno %d (%s)\n", what, rc, error,
                strerror(error));
        failures++;
    }
}

#define EFAULT_CASE(what, ...) \
    do {                       \
        errno = 0;             \
        long rc_ = __VA_ARGS__; \
        expect_efault(what, rc_); \
    } while (0)

int main(void) {
    void *unmapped = (void *)(uintptr_t)1;
    void *kernel = (void *)(uintptr_t)0xffffffff80001000ull;
    void *noncanonical = (void *)(uintptr_t)0x8000000000000000ull;
    void *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    void *noaccess = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    // A page that was mapped and is no longer: aligned, for calls that check alignment.
    void *unmapped_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (readonly == MAP_FAILED || noaccess == MAP_FAILED || unmapped_page == MAP_FAILED ||
        munmap(unmapped_page, 4096) != 0) {
        fprintf(stderr, "FAIL: mmap\n");
        return 1;
    }

    // Input buffers the kernel must read.
    EFAULT_CASE("write(1, 1, 10)", syscall(SYS_write, 1, unmapped, 10));
    EFAULT_CASE("write(1, NULL, 10)", syscall(SYS_write, 1, NULL, 10));
    EFAULT_CASE("write(1, kernel address, 10)", syscall(SYS_write, 1, kernel, 10));
    EFAULT_CASE("write(1, non-canonical, 10)", syscall(SYS_write, 1, noncanonical, 10));
    EFAULT_CASE("write(1, PROT_NONE page, 10)", syscall(SYS_write, 1, noaccess, 10));
    EFAULT_CASE("writev(1, bad iovec array, 1)", syscall(SYS_writev, 1, unmapped, 1));
    struct iovec bad_base = {.iov_base = unmapped, .iov_len = 10};
    EFAULT_CASE("writev(1, iovec with bad base, 1)", syscall(SYS_writev, 1, &bad_base, 1));
    EFAULT_CASE("nanosleep(bad, NULL)", syscall(SYS_nanosleep, unmapped, NULL));
    EFAULT_CASE("nanosleep(NULL, NULL)", syscall(SYS_nanosleep, NULL, NULL));
    EFAULT_CASE("clock_nanosleep(MONOTONIC, 0, bad, NULL)",
                syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, unmapped, NULL));
    EFAULT_CASE("rt_sigaction(SIGUSR1, bad act)",
                syscall(SYS_rt_sigaction, SIGUSR1, unmapped, NULL, 8));
    EFAULT_CASE("rt_sigprocmask(SIG_BLOCK, bad set)",
                syscall(SYS_rt_sigprocmask, SIG_BLOCK, unmapped, NULL, 8));
    EFAULT_CASE("sigaltstack(bad, NULL)", syscall(SYS_sigaltstack, unmapped, NULL));
    EFAULT_CASE("futex(bad, FUTEX_WAIT)",
                syscall(SYS_futex, unmapped_page, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    EFAULT_CASE("futex(kernel address, FUTEX_WAKE)",
                syscall(SYS_futex, kernel, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));

    // Output buffers the kernel must write.
    EFAULT_CASE("clock_gettime(MONOTONIC, bad)",
                syscall(SYS_clock_gettime, CLOCK_MONOTONIC, unmapped));
    EFAULT_CASE("clock_gettime(REALTIME, NULL)", syscall(SYS_clock_gettime, CLOCK_REALTIME, NULL));
    EFAULT_CASE("clock_gettime(MONOTONIC, kernel address)",
                syscall(SYS_clock_gettime, CLOCK_MONOTONIC, kernel));
    EFAULT_CASE("clock_gettime(MONOTONIC, non-canonical)",
                syscall(SYS_clock_gettime, CLOCK_MONOTONIC, noncanonical));
    EFAULT_CASE("clock_gettime(MONOTONIC, read-only page)",
                syscall(SYS_clock_gettime, CLOCK_MONOTONIC, readonly));
    EFAULT_CASE("clock_getres(MONOTONIC, bad)",
                syscall(SYS_clock_getres, CLOCK_MONOTONIC, unmapped));
    EFAULT_CASE("gettimeofday(bad, NULL)", syscall(SYS_gettimeofday, unmapped, NULL));
    EFAULT_CASE("time(bad)", syscall(SYS_time, unmapped));
    EFAULT_CASE("uname(bad)", syscall(SYS_uname, unmapped));
    EFAULT_CASE("uname(unmapped page)", syscall(SYS_uname, unmapped_page));
    EFAULT_CASE("uname(read-only page)", syscall(SYS_uname, readonly));
    EFAULT_CASE("uname(code)", syscall(SYS_uname, (void *)&main));
    EFAULT_CASE("getrandom(bad, 16, 0)", syscall(SYS_getrandom, unmapped, 16, 0));
    EFAULT_CASE("getrandom(kernel address, 16, 0)", syscall(SYS_getrandom, kernel, 16, 0));
    EFAULT_CASE("pipe2(bad, 0)", syscall(SYS_pipe2, unmapped, 0));
    EFAULT_CASE("pipe2(read-only page, 0)", syscall(SYS_pipe2, readonly, 0));
    EFAULT_CASE("rt_sigprocmask(SIG_BLOCK, NULL, bad old)",
                syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, unmapped, 8));
    EFAULT_CASE("rt_sigaction(SIGUSR1, NULL, bad old)",
                syscall(SYS_rt_sigaction, SIGUSR1, NULL, unmapped, 8));
    EFAULT_CASE("sigaltstack(NULL, bad old)", syscall(SYS_sigaltstack, NULL, unmapped));
    EFAULT_CASE("prlimit64(0, RLIMIT_STACK, NULL, bad)",
                syscall(SYS_prlimit64, 0, RLIMIT_STACK, NULL, unmapped));
    EFAULT_CASE("getrlimit(RLIMIT_STACK, bad)", syscall(SYS_getrlimit, RLIMIT_STACK, unmapped));
    EFAULT_CASE("sched_getaffinity(0, 128, bad)",
                syscall(SYS_sched_getaffinity, 0, 128, unmapped));
    EFAULT_CASE("arch_prctl(ARCH_GET_FS, bad)", syscall(SYS_arch_prctl, ARCH_GET_FS, unmapped));
    EFAULT_CASE("arch_prctl(ARCH_GET_FS, kernel address)",
                syscall(SYS_arch_prctl, ARCH_GET_FS, kernel));

    // A pipe with data in it, read into bad memory; the data stays for a good read.
    int fds[2];
    if (syscall(SYS_pipe2, fds, 0) != 0) {
        fprintf(stderr, "FAIL: pipe2\n");
        return 1;
    }
    syscall(SYS_write, fds[1], "x", 1);
    EFAULT_CASE("read(pipe, bad, 10)", syscall(SYS_read, fds[0], unmapped, 10));
    EFAULT_CASE("read(pipe, read-only page, 10)", syscall(SYS_read, fds[0], readonly, 10));
    char byte = 0;
    long got = syscall(SYS_read, fds[0], &byte, 1);
    if (got == 1 && byte == 'x') {
        printf("ok: the pipe's data survives the failed reads\n");
    } else {
        fprintf(stderr, "FAIL: pipe read after EFAULT returned %ld\n", got);
        failures++;
    }
    close(fds[0]);
    close(fds[1]);

    // The process is intact: good calls still work.
    struct timespec now;
    fflush(stdout);
    if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &now) != 0 ||
        syscall(SYS_write, 1, "ok: good calls still work\n", 26) != 26) {
        fprintf(stderr, "FAIL: good calls after EFAULT\n");
        failures++;
    }
    if (failures) {
        fprintf(stderr, "FAIL: efault: %d checks failed\n", failures);
        return 1;
    }
    printf("efault ok\n");
    return 0;
}
