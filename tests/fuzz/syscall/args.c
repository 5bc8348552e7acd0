// The argument generators: values of the kind each argument is, valid most of the time
// and wrong in every way the kernel must survive the rest of it.
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "sysfuzz.h"

enum { kPage = 4096, kScratchPages = 64, kMaxFds = 32 };

static int g_fds[kMaxFds];
static int g_fd_count;
static char *g_writable;    // kScratchPages writable pages; the fuzzer's calls may remap them
static char *g_read_only;   // one page
static char *g_unmapped;    // one page, mapped and unmapped again
static char *g_edge;        // the last byte of a page followed by a PROT_NONE page
static char *g_long_path;   // 5000 bytes of "a/a/a..."
static struct timespec *g_short_time;

static const char *const kPaths[] = {
    "t/file", "t/dir", "t/link", "t/dir/inner", "t/fifo", "t/new", "t", ".", "..", "/proc/self/status",
    "/proc/self/maps", "/proc/self/fd/0", "/dev/null", "/dev/zero", "/dev/urandom", "/", "/tmp", "", "t/file/",
    "t/missing/x", "/proc/osprey/objects", "/sys/devices/system/cpu/online",
};

static void add_fd(int fd) {
    if (fd >= 0 && g_fd_count < kMaxFds) g_fds[g_fd_count++] = fd;
}

void args_init(uint64_t *rng) {
    (void)rng;
    g_writable = mmap(NULL, kScratchPages * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_read_only = mmap(NULL, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    g_unmapped = mmap(NULL, kPage, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(g_unmapped, kPage);
    char *pair = mmap(NULL, 2 * kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    mprotect(pair + kPage, kPage, PROT_NONE);
    memset(pair, 'e', kPage);  // no NUL before the guard page
    g_edge = pair + kPage - 1;
    g_long_path = malloc(5001);
    for (int i = 0; i < 5000; i++) g_long_path[i] = i % 2 ? '/' : 'a';
    g_long_path[5000] = 0;
    g_short_time = malloc(sizeof *g_short_time);
    g_short_time->tv_sec = 0;
    g_short_time->tv_nsec = 1000000;

    add_fd(open("t/file", O_RDWR | O_CREAT, 0644));
    add_fd(open("t", O_RDONLY | O_DIRECTORY));
    add_fd(open("/dev/null", O_RDWR));
    add_fd(open("/proc/self/status", O_RDONLY));
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_NONBLOCK) == 0) add_fd(pipe_fds[0]), add_fd(pipe_fds[1]);
    int pair_fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair_fds) == 0) add_fd(pair_fds[0]), add_fd(pair_fds[1]);
    add_fd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    add_fd(socket(AF_INET, SOCK_DGRAM, 0));
    add_fd(socket(AF_UNIX, SOCK_DGRAM, 0));
    add_fd(eventfd(0, EFD_NONBLOCK));
    add_fd(epoll_create1(0));
    add_fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK));
}

static long pointer(uint64_t *rng) {
    switch (rng_below(rng, 12)) {
        case 0: return 0;
        case 1: return (long)g_read_only;
        case 2: return (long)g_unmapped;
        case 3: return (long)0xffffffff80000000ull;          // the kernel's image
        case 4: return (long)0xffff800000000000ull;          // the direct map
        case 5: return (long)0x0000800000000000ull;          // not canonical
        case 6: return (long)(g_writable + 1);               // misaligned
        case 7: return (long)g_edge;                         // one byte before a guard page
        case 8: return (long)rng_next(rng);
        default: return (long)(g_writable + rng_below(rng, kScratchPages / 2) * kPage);
    }
}

long arg_make(enum arg_kind kind, uint64_t *rng) {
    switch (kind) {
        case A_NONE: return 0;
        case A_FD:
            switch (rng_below(rng, 10)) {
                case 0: return -1;
                case 1: return 1000;
                case 2: return 0x7fffffff;
                case 3: return (long)rng_below(rng, 64);
                default: return g_fd_count ? g_fds[rng_below(rng, g_fd_count)] : -1;
            }
        case A_BUF: return pointer(rng);
        case A_LEN:
            switch (rng_below(rng, 9)) {
                case 0: return 0;
                case 1: return 1;
                case 2: return kPage;
                case 3: return 1l << 62;
                case 4: return -1;
                case 5: return -(long)rng_below(rng, 1 << 20);
                default: return (long)rng_below(rng, 2 * kPage);
            }
        case A_FLAGS:
            switch (rng_below(rng, 4)) {
                case 0: return 0;
                case 1: return 1l << rng_below(rng, 32);
                case 2: return (long)(rng_next(rng) & 0xffff);
                default: return (long)rng_next(rng);
            }
        case A_PATH:
            switch (rng_below(rng, 12)) {
                case 0: return (long)g_long_path;
                case 1: return (long)g_edge;  // no NUL before the guard page
                case 2: return pointer(rng);
                default: return (long)kPaths[rng_below(rng, sizeof kPaths / sizeof kPaths[0])];
            }
        case A_INT:
            switch (rng_below(rng, 6)) {
                case 0: return -1;
                case 1: return 0x7fffffff;
                case 2: return (long)0x8000000000000000ull;
                case 3: return (long)rng_next(rng);
                default: return (long)rng_below(rng, 16);
            }
        case A_PID:
            switch (rng_below(rng, 5)) {
                case 0: return 0;
                case 1: return -1000000;
                case 2: return 999999;
                default: return getpid();
            }
        case A_SIG: return (long)rng_below(rng, 70);
        case A_ADDR:
            if (rng_below(rng, 8) == 0) return pointer(rng);
            return (long)(g_writable + (kScratchPages / 2 + rng_below(rng, kScratchPages / 2)) * kPage);
        case A_MODE: return (long)(rng_next(rng) & 07777);
        case A_NODE_MODE: {
            // mknod's: permission bits and a file type, mostly one mknod makes.
            static const long kTypes[] = {0, 0100000, 0010000, 0140000, 0020000, 0060000, 0040000, 0170000};
            return kTypes[rng_below(rng, 8)] | (long)(rng_next(rng) & 07777);
        }
        case A_TIME: return rng_below(rng, 4) ? (long)g_short_time : pointer(rng);
    }
    return 0;
}
