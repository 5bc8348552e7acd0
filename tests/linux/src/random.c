// getrandom: two reads differ, GRND_NONBLOCK and GRND_RANDOM work, a large read looks
// uniform, bad flags give EINVAL. The hex of 16 random bytes goes to stderr only, so a
// runner can check that two boots differ; stdout stays deterministic.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

int main(void) {
    unsigned char first[16], second[16];
    check(getrandom(first, sizeof first, 0) == 16, "getrandom 16 bytes");
    check(getrandom(second, sizeof second, 0) == 16, "getrandom 16 more bytes");
    check(memcmp(first, second, sizeof first) != 0, "two reads differ");
    fprintf(stderr, "random: ");
    for (size_t i = 0; i < sizeof first; i++)
        fprintf(stderr, "%02x", first[i]);
    fprintf(stderr, "\n");

    unsigned char nonblock[16];
    check(getrandom(nonblock, sizeof nonblock, GRND_NONBLOCK) == 16, "GRND_NONBLOCK");
    check(getrandom(nonblock, sizeof nonblock, GRND_RANDOM) == 16, "GRND_RANDOM");
    check(getrandom(nonblock, 0, 0) == 0, "a zero-length read returns 0");
    errno = 0;
    check(syscall(SYS_getrandom, nonblock, sizeof nonblock, 0x1000) == -1 && errno == EINVAL,
          "unknown flags: EINVAL");

    // 1 MiB: every byte value should appear about 4096 times (sd 64); far outside means the
    // generator is broken.
    size_t size = 1 << 20, filled = 0;
    unsigned char *big = malloc(size);
    while (filled < size) {
        ssize_t n = getrandom(big + filled, size - filled, 0);
        if (n <= 0)
            break;
        filled += (size_t)n;
    }
    check(filled == size, "getrandom fills 1 MiB");
    unsigned counts[256] = {0};
    for (size_t i = 0; i < size; i++)
        counts[big[i]]++;
    int uniform = 1;
    for (int v = 0; v < 256; v++)
        if (counts[v] < 3500 || counts[v] > 4700)
            uniform = 0;
    check(uniform, "1 MiB of output has a plausible byte distribution");
    free(big);

    if (failures) {
        fprintf(stderr, "FAIL: random: %d checks failed\n", failures);
        return 1;
    }
    printf("getrandom ok\n");
    return 0;
}
