// The memory system calls directly: anonymous mmap (private and shared, MAP_FIXED,
// MAP_FIXED_NOREPLACE, MAP_NORESERVE), munmap, mprotect (including NX and making code
// executable), madvise(MADV_DONTNEED) zeroing, mremap and brk, with their error codes.
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

#define PAGE 4096ul
#define MiB (1024ul * 1024ul)

#include "check.h"

// Probing an address: the SIGSEGV handler jumps back with the fault's si_code.
static sigjmp_buf probe_jump;
static volatile int probe_code;
static void *volatile probe_addr;

static void segv_handler(int signo, siginfo_t *info, void *context) {
    (void)signo;
    (void)context;
    probe_addr = info->si_addr;
    siglongjmp(probe_jump, info->si_code);
}

// 0 when the access works, else the fault's si_code.
static int try_read(volatile const char *p) {
    int code = sigsetjmp(probe_jump, 1);
    if (code)
        return code;
    (void)*p;
    return 0;
}

static int try_write(volatile char *p) {
    int code = sigsetjmp(probe_jump, 1);
    if (code)
        return code;
    *p = 1;
    return 0;
}

static int try_call(int (*function)(void), int *result) {
    int code = sigsetjmp(probe_jump, 1);
    if (code)
        return code;
    *result = function();
    return 0;
}

static int all_zero(const char *p, size_t size) {
    for (size_t i = 0; i < size; i++)
        if (p[i])
            return 0;
    return 1;
}

static char *map(size_t size, int prot, int flags) {
    return mmap(NULL, size, prot, flags | MAP_ANONYMOUS, -1, 0);
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = segv_handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    char *p = map(16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    check(p != MAP_FAILED && (uintptr_t)p % PAGE == 0, "mmap anonymous: page-aligned");
    check(all_zero(p, 16 * PAGE), "mmap anonymous: zero-filled");
    memset(p, 0x5a, 16 * PAGE);
    check(p[0] == 0x5a && p[16 * PAGE - 1] == 0x5a, "mmap anonymous: writable");

    // MAP_FIXED replaces part of the mapping with fresh zero pages.
    char *fixed = mmap(p + 4 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    check(fixed == p + 4 * PAGE && all_zero(fixed, 2 * PAGE) && p[3 * PAGE] == 0x5a &&
              p[6 * PAGE] == 0x5a,
          "MAP_FIXED replaces exactly its range with zero pages");
    errno = 0;
    char *noreplace = mmap(p + 8 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS |
                           MAP_FIXED_NOREPLACE, -1, 0);
    check(noreplace == MAP_FAILED && errno == EEXIST, "MAP_FIXED_NOREPLACE over a mapping: EEXIST");

    // munmap a hole: the hole faults with SEGV_MAPERR at its address, its neighbours work.
    check(munmap(p + 10 * PAGE, PAGE) == 0, "munmap one page");
    check(try_read(p + 10 * PAGE + 8) == SEGV_MAPERR && probe_addr == p + 10 * PAGE + 8,
          "unmapped page faults with SEGV_MAPERR at the address");
    check(try_read(p + 9 * PAGE) == 0 && try_read(p + 11 * PAGE) == 0, "neighbours still mapped");
    noreplace = mmap(p + 10 * PAGE, PAGE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    check(noreplace == p + 10 * PAGE && all_zero(noreplace, PAGE),
          "MAP_FIXED_NOREPLACE into the hole");

    // mprotect.
    check(mprotect(p, 2 * PAGE, PROT_READ) == 0, "mprotect PROT_READ");
    check(try_write(p + 100) == SEGV_ACCERR && try_read(p + 100) == 0 && p[100] == 0x5a,
          "write to a read-only page: SEGV_ACCERR; reads still work");
    check(mprotect(p, 2 * PAGE, PROT_NONE) == 0 && try_read(p + PAGE) == SEGV_ACCERR,
          "PROT_NONE: reads fault with SEGV_ACCERR");
    check(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE) == 0 && try_write(p) == 0 && p[1] == 0x5a,
          "mprotect back to read-write keeps contents");

    // Code: not executable in a writable data page (NX), executable after mprotect.
    static const unsigned char return_42[] = {0xb8, 0x2a, 0x00, 0x00, 0x00, 0xc3};
    char *code = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE);
    memcpy(code, return_42, sizeof return_42);
    int result = 0;
    int (*function)(void) = (int (*)(void))(void *)code;
    check(try_call(function, &result) == SEGV_ACCERR && probe_addr == code,
          "executing a non-executable page: SEGV_ACCERR at the code");
    check(mprotect(code, PAGE, PROT_READ | PROT_EXEC) == 0 && try_call(function, &result) == 0 &&
              result == 42,
          "mprotect PROT_EXEC: the code runs");
    munmap(code, PAGE);

    // madvise(MADV_DONTNEED) zeroes private anonymous memory.
    memset(p, 0x77, 4 * PAGE);
    check(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
    check(p[0] == 0x77 && all_zero(p + PAGE, 2 * PAGE) && p[3 * PAGE] == 0x77,
          "MADV_DONTNEED zeroes exactly its range");

    // mremap: grow (moving if needed) keeps contents; shrink.
    char *grown = mremap(p, 16 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
    check(grown != MAP_FAILED && grown[0] == 0x77 && grown[3 * PAGE] == 0x77 &&
              all_zero(grown + 16 * PAGE, 48 * PAGE),
          "mremap grow keeps contents, new pages zero");
    memset(grown + 32 * PAGE, 3, PAGE);
    char *shrunk = mremap(grown, 64 * PAGE, 8 * PAGE, 0);
    check(shrunk == grown && shrunk[0] == 0x77, "mremap shrink in place");
    check(try_read(grown + 32 * PAGE) == SEGV_MAPERR, "pages beyond a shrunk mapping are gone");
    check(munmap(shrunk, 8 * PAGE) == 0, "munmap the rest");

    // MAP_SHARED anonymous memory, and a large lazily-backed reservation.
    char *shared = map(4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED);
    check(shared != MAP_FAILED && all_zero(shared, 4 * PAGE), "MAP_SHARED anonymous: zero-filled");
    memset(shared, 9, 4 * PAGE);
    munmap(shared, 4 * PAGE);
    size_t huge = 4096 * MiB;
    char *reserve = map(huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_NORESERVE);
    check(reserve != MAP_FAILED, "MAP_NORESERVE 4 GiB reservation");
    if (reserve != MAP_FAILED) {
        int ok = 1;
        for (size_t off = 0; off < huge; off += 256 * MiB) {
            ok &= reserve[off] == 0;
            reserve[off] = 1;
        }
        check(ok, "touching 16 pages spread over 4 GiB");
        check(munmap(reserve, huge) == 0, "munmap the reservation");
    }

    // Errors.
    errno = 0;
    check(map(0, PROT_READ, MAP_PRIVATE) == MAP_FAILED && errno == EINVAL, "mmap length 0: EINVAL");
    errno = 0;
    check(mmap((void *)0x10000001, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
               -1, 0) == MAP_FAILED && errno == EINVAL,
          "MAP_FIXED at an unaligned address: EINVAL");
    errno = 0;
    check(syscall(SYS_munmap, 0x10000001, PAGE) == -1 && errno == EINVAL,
          "munmap unaligned: EINVAL");
    errno = 0;
    check(syscall(SYS_mprotect, 0x10000001, PAGE, PROT_READ) == -1 && errno == EINVAL,
          "mprotect unaligned: EINVAL");
    errno = 0;
    check(map(PAGE, PROT_READ, 0) == MAP_FAILED && errno == EINVAL,
          "mmap without MAP_PRIVATE or MAP_SHARED: EINVAL");

    // brk: grow, zero-filled, shrink; a request below the start is refused.
    uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
    uintptr_t grown_brk = (uintptr_t)syscall(SYS_brk, start + MiB);
    check(grown_brk == start + MiB, "brk grows by 1 MiB");
    if (grown_brk == start + MiB) {
        check(all_zero((char *)start, MiB), "new brk memory is zero");
        memset((char *)start, 1, MiB);
        check((uintptr_t)syscall(SYS_brk, start) == start, "brk shrinks back");
        check(try_read((char *)start + MiB / 2) == SEGV_MAPERR, "memory above the break is gone");
        check((uintptr_t)syscall(SYS_brk, start + PAGE) == start + PAGE &&
                  all_zero((char *)start, PAGE),
              "brk grown again gives zeroed memory");
        syscall(SYS_brk, start);
    }
    check((uintptr_t)syscall(SYS_brk, 4096) == start,
          "brk below its start fails, returns the break");

    if (failures) {
        fprintf(stderr, "FAIL: memory: %d checks failed\n", failures);
        return 1;
    }
    printf("memory ok\n");
    return 0;
}
