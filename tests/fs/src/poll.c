// poll, ppoll, select and pselect6 over pipes and eventfds: readiness for reading and
// writing, a timeout with nothing ready, POLLHUP when the writer closes, POLLERR when the
// reader closes, POLLNVAL for a closed descriptor, a wake-up from another thread, and
// ppoll/pselect6 with a timespec and a signal mask.
#include "fs_test.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *write_later(void *arg) {
    int fd = (int)(intptr_t)arg;
    usleep(200 * 1000);
    if (write(fd, "w", 1) != 1)
        abort();
    return NULL;
}

static void polls(void) {
    int p[2];
    OK(pipe(p));
    struct pollfd fds[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    EQ(poll(fds, 2, 0), 1);
    EQ(fds[0].revents, 0);
    EQ(fds[1].revents, POLLOUT);
    double start = now();
    EQ(poll(fds, 1, 100), 0);
    double waited = now() - start;
    CHECK(waited >= 0.09 && waited < 5, "poll(100 ms) waited %.3f s", waited);
    EQ(write(p[1], "x", 1), 1);
    EQ(poll(fds, 2, -1), 2);
    EQ(fds[0].revents, POLLIN);
    EQ(fds[1].revents, POLLOUT);
    ok("poll: POLLOUT on an empty pipe, a 100 ms timeout, POLLIN once data is there");

    // Negative fds are ignored; a closed one is POLLNVAL.
    struct pollfd odd[3] = {{.fd = -1, .events = POLLIN}, {.fd = 999, .events = POLLIN},
                            {.fd = p[0], .events = POLLIN}};
    EQ(poll(odd, 3, 0), 2);
    EQ(odd[0].revents, 0);
    EQ(odd[1].revents, POLLNVAL);
    EQ(odd[2].revents, POLLIN);
    ok("poll: a negative fd is ignored, a closed one reports POLLNVAL");

    // The writer closes: POLLIN|POLLHUP while data remains, then POLLHUP.
    OK(close(p[1]));
    EQ(poll(fds, 1, 0), 1);
    EQ(fds[0].revents, POLLIN | POLLHUP);
    char c;
    EQ(read(p[0], &c, 1), 1);
    EQ(poll(fds, 1, 0), 1);
    EQ(fds[0].revents, POLLHUP);
    OK(close(p[0]));
    // The reader closes: the writer gets POLLERR (and POLLOUT).
    OK(pipe(p));
    OK(close(p[0]));
    struct pollfd w = {.fd = p[1], .events = POLLOUT};
    EQ(poll(&w, 1, 0), 1);
    CHECK(w.revents & POLLERR, "no POLLERR on a pipe with no reader (revents %#x)", w.revents);
    OK(close(p[1]));
    ok("poll: POLLHUP after the writer closes, POLLERR after the reader closes");

    // A wake-up from another thread.
    OK(pipe(p));
    pthread_t t;
    OK(-pthread_create(&t, NULL, write_later, (void *)(intptr_t)p[1]));
    start = now();
    fds[0] = (struct pollfd){.fd = p[0], .events = POLLIN};
    EQ(poll(fds, 1, 10000), 1);
    waited = now() - start;
    EQ(fds[0].revents, POLLIN);
    CHECK(waited >= 0.15 && waited < 5, "poll woke after %.3f s, the write came at 0.2 s", waited);
    pthread_join(t, NULL);
    ok("poll sleeps until another thread writes");

    // ppoll: a timespec timeout and a signal mask applied while waiting.
    struct timespec ts = {0, 50 * 1000 * 1000};
    fds[0].revents = 0;
    EQ(read(p[0], &c, 1), 1);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGUSR1);
    EQ(ppoll(fds, 1, &ts, &mask), 0);
    EQ(write(p[1], "y", 1), 1);
    EQ(ppoll(fds, 1, NULL, NULL), 1);
    EQ(fds[0].revents, POLLIN);
    EQ(read(p[0], &c, 1), 1);
    close(p[0]);
    close(p[1]);
    ok("ppoll with a timeout and a signal mask");

    int efd = OK(eventfd(0, 0));
    struct pollfd e = {.fd = efd, .events = POLLIN | POLLOUT};
    EQ(poll(&e, 1, 0), 1);
    EQ(e.revents, POLLOUT);
    uint64_t v = 2;
    EQ(write(efd, &v, 8), 8);
    EQ(poll(&e, 1, 0), 1);
    EQ(e.revents, POLLIN | POLLOUT);
    close(efd);
    ok("poll on an eventfd: POLLOUT always, POLLIN when the counter is not zero");
}

static void selects(void) {
    int p[2], q[2];
    OK(pipe(p));
    OK(pipe(q));
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    FD_SET(p[1], &w);
    struct timeval tv = {0, 0};
    int nfds = 1 + (p[0] > p[1] ? p[0] : p[1]);
    nfds = 1 + (nfds - 1 > q[0] ? nfds - 1 : q[0]);
    EQ(select(nfds, &r, &w, NULL, &tv), 1);
    CHECK(!FD_ISSET(p[0], &r) && !FD_ISSET(q[0], &r), "select: an empty pipe is readable");
    CHECK(FD_ISSET(p[1], &w), "select: an empty pipe is not writable");
    EQ(write(q[1], "z", 1), 1);
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    FD_SET(q[0], &r);
    tv = (struct timeval){5, 0};
    EQ(select(nfds, &r, NULL, NULL, &tv), 1);
    CHECK(!FD_ISSET(p[0], &r) && FD_ISSET(q[0], &r), "select: wrong readable set");
    ok("select reports the writable and the readable pipes");

    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv = (struct timeval){0, 100 * 1000};
    double start = now();
    EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);
    double waited = now() - start;
    CHECK(waited >= 0.09 && waited < 5, "select(100 ms) waited %.3f s", waited);
    CHECK(!FD_ISSET(p[0], &r), "select timed out but left the fd set");
    ok("select times out after 100 ms and clears the sets");

    FD_ZERO(&r);
    FD_SET(20, &r);  // closed, and inside the descriptor table (Linux ignores bits past it)
    tv = (struct timeval){0, 0};
    ERR(select(21, &r, NULL, NULL, &tv), EBADF);
    ok("select with a closed descriptor fails with EBADF");

    // pselect6 with a timespec and a sigmask.
    pthread_t t;
    OK(-pthread_create(&t, NULL, write_later, (void *)(intptr_t)p[1]));
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    struct timespec ts = {10, 0};
    sigset_t mask;
    sigemptyset(&mask);
    start = now();
    EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, &mask), 1);
    waited = now() - start;
    CHECK(FD_ISSET(p[0], &r), "pselect woke without the fd");
    CHECK(waited >= 0.15 && waited < 5, "pselect woke after %.3f s, the write came at 0.2 s",
          waited);
    pthread_join(t, NULL);
    ok("pselect6 sleeps until another thread writes");
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
}

int main(void) {
    polls();
    selects();
    return 0;
}
