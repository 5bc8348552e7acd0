// Allocates and frees hundreds of MiB through malloc: many small chunks (served from brk),
// large chunks above the mmap threshold, realloc growth and calloc zeroing, with a pattern
// written into every chunk and checked before it is freed. Peak live memory stays near
// 64 MiB so the program fits a 256 MiB guest.
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MiB (1024ul * 1024ul)

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

// A fixed-seed generator, so every run makes the same requests.
static uint64_t next_random(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void fail(const char *what, size_t detail) {
    fprintf(stderr, "FAIL: %s (%zu)\n", what, detail);
    exit(1);
}

static unsigned char pattern_byte(uint64_t tag, size_t i) {
    return (unsigned char)(tag * 31 + i * 7 + (i >> 8));
}

// Small chunks are filled completely.
static void fill_all(unsigned char *p, size_t size, uint64_t tag) {
    for (size_t i = 0; i < size; i++)
        p[i] = pattern_byte(tag, i);
}

static int check_all(const unsigned char *p, size_t size, uint64_t tag) {
    for (size_t i = 0; i < size; i++)
        if (p[i] != pattern_byte(tag, i))
            return 0;
    return 1;
}

// Large chunks: the first and last 4 KiB, and one word on every page in between, which
// touches every page without making an emulated guest spend minutes in memset.
static void fill_sparse(unsigned char *p, size_t size, uint64_t tag) {
    size_t edge = size < 8192 ? size : 4096;
    fill_all(p, edge, tag);
    fill_all(p + size - edge, edge, tag + 1);
    for (size_t off = 4096; off + 8 <= size - edge; off += 4096)
        *(uint64_t *)(p + off) = tag ^ off;
}

static int check_sparse(const unsigned char *p, size_t size, uint64_t tag) {
    size_t edge = size < 8192 ? size : 4096;
    if (!check_all(p, edge, tag) || !check_all(p + size - edge, edge, tag + 1))
        return 0;
    for (size_t off = 4096; off + 8 <= size - edge; off += 4096)
        if (*(const uint64_t *)(p + off) != (tag ^ off))
            return 0;
    return 1;
}

struct slot {
    unsigned char *p;
    size_t size;
    uint64_t tag;
};

static void small_chunks(void) {
    enum { kSlots = 8192, kRounds = 120000 };
    static struct slot slots[kSlots];
    size_t total = 0;
    for (uint64_t round = 1; round <= kRounds; round++) {
        struct slot *s = &slots[next_random() % kSlots];
        if (s->p) {
            if (!check_all(s->p, s->size, s->tag))
                fail("small chunk pattern changed", s->size);
            free(s->p);
        }
        s->size = 1 + next_random() % 2048;
        s->tag = round;
        s->p = malloc(s->size);
        if (!s->p)
            fail("small malloc returned NULL", s->size);
        if ((uintptr_t)s->p % 16 != 0)
            fail("small malloc result not 16-byte aligned", s->size);
        fill_all(s->p, s->size, s->tag);
        total += s->size;
    }
    for (int i = 0; i < kSlots; i++) {
        if (slots[i].p && !check_all(slots[i].p, slots[i].size, slots[i].tag))
            fail("small chunk pattern changed", slots[i].size);
        free(slots[i].p);
    }
    if (total < 100 * MiB)
        fail("small phase allocated too little", total / MiB);
    printf("small chunks: %d allocations, over 100 MiB in total, patterns intact\n", kRounds);
}

static void large_chunks(void) {
    enum { kSlots = 16, kRounds = 400 };
    struct slot slots[kSlots] = {0};
    size_t total = 0;
    for (uint64_t round = 1; round <= kRounds; round++) {
        struct slot *s = &slots[next_random() % kSlots];
        if (s->p) {
            if (!check_sparse(s->p, s->size, s->tag))
                fail("large chunk pattern changed", s->size);
            free(s->p);
        }
        // 128 KiB to 4 MiB: at most 64 MiB live across the 16 slots.
        s->size = 128 * 1024 + next_random() % (4 * MiB - 128 * 1024 + 1);
        s->tag = round;
        s->p = malloc(s->size);
        if (!s->p)
            fail("large malloc returned NULL", s->size);
        fill_sparse(s->p, s->size, s->tag);
        total += s->size;
    }
    for (int i = 0; i < kSlots; i++) {
        if (slots[i].p && !check_sparse(slots[i].p, slots[i].size, slots[i].tag))
            fail("large chunk pattern changed", slots[i].size);
        free(slots[i].p);
    }
    if (total < 600 * MiB)
        fail("large phase allocated too little", total / MiB);
    printf("large chunks: %d allocations, over 600 MiB in total, patterns intact\n", kRounds);
}

static void realloc_growth(void) {
    for (int pass = 0; pass < 4; pass++) {
        size_t size = 1;
        unsigned char *p = malloc(size);
        if (!p)
            fail("realloc seed malloc", 0);
        p[0] = pattern_byte(pass, 0);
        while (size < 32 * MiB) {
            size_t grown = size * 2 + (size_t)pass * 24;
            unsigned char *q = realloc(p, grown);
            if (!q)
                fail("realloc returned NULL", grown);
            p = q;
            // The old contents must survive; check a sample and write the new tail.
            for (size_t i = 0; i < size; i += (size < 65536 ? 1 : 4093))
                if (p[i] != pattern_byte(pass, i))
                    fail("realloc lost contents", i);
            for (size_t i = size; i < grown; i += (grown < 65536 ? 1 : 4093))
                p[i] = pattern_byte(pass, i);
            if (grown >= 65536)  // Keep every sampled index written.
                for (size_t i = 0; i < grown; i += 4093)
                    p[i] = pattern_byte(pass, i);
            size = grown;
        }
        // Shrinking keeps the prefix too.
        unsigned char *q = realloc(p, 1000);
        if (!q)
            fail("shrinking realloc returned NULL", 1000);
        if (q[0] != pattern_byte(pass, 0))
            fail("shrinking realloc lost contents", 0);
        free(q);
    }
    printf("realloc: growth from 1 byte to 32 MiB keeps contents\n");
}

static void calloc_zeroing(void) {
    // Dirty memory first, free it, then calloc the same sizes: everything must read zero.
    static const size_t sizes[] = {24, 1000, 4096, 100000, 200000, 3 * MiB, 16 * MiB};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            unsigned char *dirty = malloc(sizes[i]);
            if (!dirty)
                fail("malloc returned NULL", sizes[i]);
            memset(dirty, 0xa5, sizes[i]);
            free(dirty);
            unsigned char *clean = calloc(sizes[i], 1);
            if (!clean)
                fail("calloc returned NULL", sizes[i]);
            size_t step = sizes[i] <= 200000 ? 1 : 61;
            for (size_t j = 0; j < sizes[i]; j += step)
                if (clean[j] != 0)
                    fail("calloc memory not zero", sizes[i]);
            memset(clean, 0x5a, sizes[i]);
            free(clean);
        }
        // Many small callocs in a row, each after freeing a dirty chunk of its size.
        for (int k = 0; k < 10000; k++) {
            size_t size = 1 + (size_t)(next_random() % 512);
            unsigned char *dirty = malloc(size);
            memset(dirty, 0xff, size);
            free(dirty);
            unsigned char *clean = calloc(1, size);
            for (size_t j = 0; j < size; j++)
                if (clean[j] != 0)
                    fail("small calloc memory not zero", size);
            free(clean);
        }
    }
    // Overflowing calloc fails cleanly instead of returning a short buffer.
    volatile size_t huge = SIZE_MAX / 16 + 2;  // volatile: keep the compiler from warning
    void *overflow = calloc(huge, 32);
    if (overflow)
        fail("calloc with an overflowing size succeeded", 0);
    printf("calloc: memory reads zero after reuse; overflow rejected\n");
}

static void aligned_allocations(void) {
    for (size_t align = 16; align <= 1 * MiB; align *= 4) {
        void *p = NULL;
        if (posix_memalign(&p, align, align * 3 + 5) != 0 || (uintptr_t)p % align != 0)
            fail("posix_memalign", align);
        memset(p, 1, align * 3 + 5);
        free(p);
        p = aligned_alloc(align, align * 2);
        if (!p || (uintptr_t)p % align != 0)
            fail("aligned_alloc", align);
        free(p);
    }
    printf("aligned allocations: ok\n");
}

int main(void) {
#ifdef __GLIBC__
    // A fixed threshold, so large chunks always go through mmap instead of the threshold
    // glibc raises after freeing a mapped chunk.
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
    small_chunks();
    large_chunks();
    realloc_growth();
    calloc_zeroing();
    aligned_allocations();
    // One huge request that cannot be satisfied fails with NULL instead of crashing.
    volatile size_t too_big = SIZE_MAX / 2;
    void *impossible = malloc(too_big);
    if (impossible)
        fail("malloc(SIZE_MAX / 2) succeeded", 0);
    printf("malloc_stress ok\n");
    return 0;
}
