// An epoll loop over two pipes and two eventfds (level- and edge-triggered) wakes exactly
// when data arrives: a writer thread waits 100 ms, then writes to one descriptor; the loop's
// epoll_wait must return that descriptor alone with EPOLLIN, not before the write (checked
// with the clock and with a flag the writer sets just before writing), and short waits
// between rounds must time out with no event at all.
#include "fs_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

enum { ROUNDS = 24, SOURCES = 4 };

static int g_write_end[SOURCES];  // what the writer writes to (pipe write ends, eventfds)
static atomic_int g_round = -1;   // the round the writer may do next
static atomic_int g_written = -1; // the last round whose write has started

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *writer(void *arg) {
    (void)arg;
    for (int round = 0; round < ROUNDS; round++) {
        while (atomic_load(&g_round) < round)
            usleep(1000);
        usleep(100 * 1000);
        int source = round % SOURCES;
        atomic_store(&g_written, round);
        if (source < 2) {
            if (write(g_write_end[source], "data", 4) != 4)
                FATAL("write: %s", errno_name(errno));
        } else {
            uint64_t one = 1;
            if (write(g_write_end[source], &one, 8) != 8)
                FATAL("eventfd write: %s", errno_name(errno));
        }
    }
    return NULL;
}

int main(void) {
    int ep = OK(epoll_create1(0));
    int read_end[SOURCES];
    for (int i = 0; i < 2; i++) {
        int p[2];
        OK(pipe2(p, O_NONBLOCK));
        read_end[i] = p[0];
        g_write_end[i] = p[1];
    }
    for (int i = 2; i < 4; i++)
        read_end[i] = g_write_end[i] = OK(eventfd(0, EFD_NONBLOCK));
    for (int i = 0; i < SOURCES; i++) {
        struct epoll_event ev = {.events = EPOLLIN | (i % 2 ? EPOLLET : 0), .data.u32 = i};
        OK(epoll_ctl(ep, EPOLL_CTL_ADD, read_end[i], &ev));
    }
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, writer, NULL) == 0, "pthread_create");

    int early = 0, wrong = 0, spurious = 0;
    double slowest = 0;
    for (int round = 0; round < ROUNDS; round++) {
        // Nothing is pending: a short wait times out empty.
        struct epoll_event ev[SOURCES];
        int n = epoll_wait(ep, ev, SOURCES, 20);
        if (n != 0) {
            FAIL("round %d: %d event(s) before the writer was released (first: source %u, "
                 "events %#x)", round, n, n > 0 ? ev[0].data.u32 : 0, n > 0 ? ev[0].events : 0);
            spurious++;
        }
        double start = now();
        atomic_store(&g_round, round);
        n = epoll_wait(ep, ev, SOURCES, 10000);
        double woke = now();
        int source = round % SOURCES;
        if (atomic_load(&g_written) < round || woke - start < 0.09) {
            FAIL("round %d: epoll_wait returned %d after %.3f s, before the write", round, n,
                 woke - start);
            early++;
        }
        if (n != 1 || ev[0].data.u32 != (uint32_t)source || ev[0].events != EPOLLIN) {
            FAIL("round %d: expected source %d with EPOLLIN alone, got %d event(s) (source %u, "
                 "events %#x)", round, source, n, n > 0 ? ev[0].data.u32 : 0,
                 n > 0 ? ev[0].events : 0);
            wrong++;
        }
        if (woke - start > slowest)
            slowest = woke - start;
        // Drain what arrived (the writer may not have finished yet if we woke early).
        char buf[16];
        ssize_t got;
        while ((got = read(read_end[source], buf, source < 2 ? sizeof buf : 8)) < 0 &&
               errno == EAGAIN)
            usleep(1000);
        if (got != (source < 2 ? 4 : 8))
            FAIL("round %d: read %zd bytes", round, got);
    }
    pthread_join(t, NULL);
    struct epoll_event ev;
    EQ(epoll_wait(ep, &ev, 1, 50), 0);
    CHECK(slowest < 5, "a wake-up took %.3f s", slowest);
    EQ(early, 0);
    EQ(wrong, 0);
    EQ(spurious, 0);
    ok("%d rounds over 2 pipes and 2 eventfds: each wait woke for the written fd with EPOLLIN, "
       "never before the write, no spurious events", ROUNDS);
    return 0;
}
