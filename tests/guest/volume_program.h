// What the static programs that write volumes in the guest share (ext4_write.c,
// crash_workload.c): failing with the path and errno, and the mixing function their
// file contents and random choices come from, so that the guest and the host (which
// runs the same programs to check) compute the same bytes.
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void fail(const char* what, const char* path) {
    fprintf(stderr, "FAIL: %s: %s: %s\n", what, path, strerror(errno));
    exit(1);
}

// splitmix64's finaliser: a fixed, well-spread function of x.
static uint64_t mix(uint64_t x) {
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}
