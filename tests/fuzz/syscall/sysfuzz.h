// sysfuzz: random system calls against the kernel, from a seed (docs/fuzzing.md,
// "System calls"). Shared by its parts: the argument generators (args.c), the table of
// calls (calls.c) and the runner with its leak check (main.c).
#pragma once

#include <stdint.h>

// xorshift64*: a child's whole run follows from its seed.
static inline uint64_t rng_next(uint64_t *state) {
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
static inline uint64_t rng_below(uint64_t *state, uint64_t n) { return n ? rng_next(state) % n : 0; }

// What an argument is, so its generator knows what to make.
enum arg_kind {
    A_NONE,
    A_FD,      // open descriptors of every kind, closed ones, -1, huge
    A_BUF,     // a pointer to memory: writable, read-only, unmapped, NULL, kernel, misaligned
    A_LEN,     // 0, small, a page, huge, negative
    A_FLAGS,   // bits, biased to low ones
    A_PATH,    // names in the scratch directory, system files, too long, unterminated, bad pointers
    A_INT,     // small, negative, extreme
    A_PID,     // this process or its threads, 0, -1, nonsense (never another process)
    A_SIG,     // 0..64 and beyond
    A_ADDR,    // an address for mmap/munmap/mprotect: inside the fuzzer's own scratch area
    A_MODE,    // permission bits
    A_NODE_MODE,  // mknod's: a file type and permission bits
    A_TIME,    // a pointer to a short timespec (or a bad pointer)
};

struct call {
    const char *name;
    long number;
    enum arg_kind args[6];
};

extern const struct call g_calls[];
extern const int g_call_count;

// Set up once per child: the descriptors and memory the generators pick from.
void args_init(uint64_t *rng);
long arg_make(enum arg_kind kind, uint64_t *rng);
