// 100 MiB through a pipe between two threads: the writer sends a position-dependent pattern
// in writes of varying sizes (1 byte to 200 KiB, so some are split across the pipe's
// buffer), the reader reads with varying sizes and checks every byte and the total.
//   pipe_100mib [MIB]   (default 100; a smaller figure for measuring)
#include "fs_test.h"

#include <pthread.h>

enum { MAX_CHUNK = 200 << 10 };
static uint64_t TOTAL = 100 << 20;

static inline unsigned char pattern(uint64_t i) {
    return (unsigned char)(i ^ (i >> 8) * 7 ^ (i >> 16) * 13 ^ (i >> 24) * 29);
}

static int g_pipe[2];

static void *writer(void *arg) {
    (void)arg;
    static unsigned char buf[MAX_CHUNK];
    uint64_t pos = 0;
    uint32_t x = 1;
    while (pos < TOTAL) {
        x = x * 1664525 + 1013904223;
        size_t chunk = x % 4 == 0 ? 1 + x % 17 : 1 + (x >> 8) % MAX_CHUNK;
        if (chunk > TOTAL - pos)
            chunk = TOTAL - pos;
        for (size_t i = 0; i < chunk; i++)
            buf[i] = pattern(pos + i);
        size_t done = 0;
        while (done < chunk) {
            ssize_t n = write(g_pipe[1], buf + done, chunk - done);
            if (n <= 0)
                FATAL("write at %llu: %s", (unsigned long long)(pos + done), errno_name(errno));
            done += n;
        }
        pos += chunk;
    }
    close(g_pipe[1]);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1)
        TOTAL = (uint64_t)atoi(argv[1]) << 20;
    OK(pipe(g_pipe));
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, writer, NULL) == 0, "pthread_create");
    static unsigned char buf[MAX_CHUNK];
    uint64_t pos = 0;
    uint32_t y = 7;
    for (;;) {
        y = y * 22695477 + 1;
        size_t want = y % 3 == 0 ? 1 + y % 100 : 1 + (y >> 8) % MAX_CHUNK;
        ssize_t n = read(g_pipe[0], buf, want);
        if (n < 0)
            FATAL("read at %llu: %s", (unsigned long long)pos, errno_name(errno));
        if (n == 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != pattern(pos + i))
                FATAL("byte %llu is %#x, expected %#x", (unsigned long long)(pos + i), buf[i],
                      pattern(pos + i));
        pos += n;
        REQUIRE(pos <= TOTAL, "more bytes than written: %llu", (unsigned long long)pos);
    }
    pthread_join(t, NULL);
    EQ(pos, TOTAL);
    close(g_pipe[0]);
    ok("%llu bytes through a pipe between two threads, every byte checked",
       (unsigned long long)TOTAL);
    return 0;
}
