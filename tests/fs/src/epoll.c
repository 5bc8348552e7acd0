// epoll_create1/epoll_ctl/epoll_wait/epoll_pwait over pipes and eventfds: level-triggered
// events repeat until drained, edge-triggered ones come once per new arrival, EPOLLONESHOT
// disarms until EPOLL_CTL_MOD, data.u64 comes back, EPOLL_CTL_DEL and closing the fd stop
// events, EEXIST/ENOENT/EBADF/EINVAL/EPERM from epoll_ctl, a timeout, and an epoll fd
// inside another epoll.
#include "fs_test.h"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>

static int wait_one(int ep, struct epoll_event *ev, int timeout) {
    return epoll_wait(ep, ev, 1, timeout);
}

int main(void) {
    make_test_dir();
    int ep = OK(epoll_create1(EPOLL_CLOEXEC));
    EQ(fcntl(ep, F_GETFD), FD_CLOEXEC);
    ERR(epoll_create1(42), EINVAL);
    ERR(syscall(SYS_epoll_create, 0), EINVAL);  // raw: musl's wrapper calls epoll_create1
    int p[2];
    OK(pipe2(p, O_NONBLOCK));
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev), EEXIST);
    ERR(epoll_ctl(ep, EPOLL_CTL_MOD, p[1], &ev), ENOENT);
    ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], &ev), ENOENT);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), EBADF);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev), EINVAL);
    write_file("regular", "r");
    int reg = OK(open("regular", O_RDONLY));
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev), EPERM);
    close(reg);
    ok("epoll_create1 and epoll_ctl errors: EINVAL, EEXIST, ENOENT, EBADF, EPERM for a regular file");

    // Level-triggered: reported while data remains.
    struct epoll_event out;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    EQ(wait_one(ep, &out, 100), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    CHECK(waited >= 0.09 && waited < 5, "epoll_wait(100 ms) waited %.3f s", waited);
    EQ(write(p[1], "ab", 2), 2);
    for (int i = 0; i < 3; i++) {
        EQ(wait_one(ep, &out, 0), 1);
        EQ(out.events, EPOLLIN);
        EQ(out.data.u64, 0x1122334455667788ull);
    }
    char buf[16];
    EQ(read(p[0], buf, 1), 1);
    EQ(wait_one(ep, &out, 0), 1);
    EQ(read(p[0], buf, 1), 1);
    EQ(wait_one(ep, &out, 0), 0);
    ok("level-triggered: a timeout when idle, EPOLLIN with data.u64 every wait until drained");

    // Edge-triggered: once per arrival, even if not drained.
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLET, .data.fd = p[0]};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    EQ(write(p[1], "cd", 2), 2);
    EQ(wait_one(ep, &out, 0), 1);
    EQ(out.events, EPOLLIN);
    EQ(out.data.fd, p[0]);
    EQ(wait_one(ep, &out, 0), 0);
    EQ(read(p[0], buf, 1), 1);
    EQ(wait_one(ep, &out, 0), 0);
    EQ(write(p[1], "e", 1), 1);
    EQ(wait_one(ep, &out, 0), 1);
    EQ(wait_one(ep, &out, 0), 0);
    EQ(read(p[0], buf, sizeof buf), 2);
    ok("edge-triggered: one event per arrival, none while old data waits");

    // EPOLLONESHOT: one event, then disarmed until EPOLL_CTL_MOD.
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLONESHOT, .data.fd = p[0]};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    EQ(write(p[1], "f", 1), 1);
    EQ(wait_one(ep, &out, 0), 1);
    EQ(wait_one(ep, &out, 0), 0);
    EQ(write(p[1], "g", 1), 1);
    EQ(wait_one(ep, &out, 0), 0);
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    EQ(wait_one(ep, &out, 0), 1);
    EQ(out.events, EPOLLIN);
    EQ(wait_one(ep, &out, 0), 0);
    EQ(read(p[0], buf, sizeof buf), 2);
    ok("EPOLLONESHOT: one event, then none until re-armed by EPOLL_CTL_MOD");

    // Several fds in one wait; EPOLLOUT; an eventfd.
    ev = (struct epoll_event){.events = EPOLLIN, .data.fd = p[0]};
    OK(epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
    ev = (struct epoll_event){.events = EPOLLOUT, .data.fd = p[1]};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    int efd = OK(eventfd(0, EFD_NONBLOCK));
    ev = (struct epoll_event){.events = EPOLLIN, .data.fd = efd};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    struct epoll_event many[8];
    EQ(epoll_wait(ep, many, 8, 0), 1);
    EQ(many[0].data.fd, p[1]);
    EQ(many[0].events, EPOLLOUT);
    uint64_t v = 1;
    EQ(write(efd, &v, 8), 8);
    EQ(write(p[1], "h", 1), 1);
    int n = epoll_wait(ep, many, 8, 0);
    EQ(n, 3);
    int seen = 0;
    for (int i = 0; i < n; i++)
        seen |= many[i].data.fd == p[0] ? 1 : many[i].data.fd == p[1] ? 2 : many[i].data.fd == efd ? 4 : 8;
    EQ(seen, 7);
    EQ(epoll_wait(ep, many, 1, 0), 1);  // maxevents limits the batch
    ERR(epoll_wait(ep, many, 0, 0), EINVAL);
    sigset_t mask;
    sigemptyset(&mask);
    EQ(epoll_pwait(ep, many, 8, 0, &mask), 3);
    ok("one wait reports a pipe's both ends and an eventfd; maxevents; epoll_pwait");

    // EPOLL_CTL_DEL and close.
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
    EQ(epoll_wait(ep, many, 8, 0), 1);
    EQ(many[0].data.fd, p[0]);
    OK(close(p[0]));  // the only reference: closing removes it from the set
    EQ(epoll_wait(ep, many, 8, 0), 0);
    ok("EPOLL_CTL_DEL and closing the last descriptor remove a file from the set");

    // EPOLLHUP on a pipe whose writer closed; EPOLLERR on one whose reader closed.
    OK(pipe(p));
    ev = (struct epoll_event){.events = EPOLLIN, .data.fd = p[0]};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
    OK(close(p[1]));
    EQ(wait_one(ep, &out, 0), 1);
    EQ(out.events, EPOLLHUP);
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL));
    close(p[0]);
    OK(pipe(p));
    ev = (struct epoll_event){.events = EPOLLOUT, .data.fd = p[1]};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
    OK(close(p[0]));
    EQ(wait_one(ep, &out, 0), 1);
    EQ(out.events, EPOLLOUT | EPOLLERR);
    OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
    close(p[1]);
    ok("EPOLLHUP when the writer closes, EPOLLERR when the reader closes (always reported)");

    // An epoll fd in another epoll is readable when its set has events.
    int outer = OK(epoll_create1(0));
    ev = (struct epoll_event){.events = EPOLLIN, .data.fd = ep};
    OK(epoll_ctl(outer, EPOLL_CTL_ADD, ep, &ev));
    EQ(wait_one(outer, &out, 0), 0);
    v = 5;
    EQ(write(efd, &v, 8), 8);
    ev = (struct epoll_event){.events = EPOLLIN, .data.fd = efd};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
    EQ(wait_one(outer, &out, 0), 1);
    EQ(out.data.fd, ep);
    ERR(epoll_ctl(ep, EPOLL_CTL_ADD, outer, &ev), ELOOP);
    close(outer);
    close(efd);
    close(ep);
    ok("an epoll set inside another is readable when it has events; a cycle is ELOOP");
    return 0;
}
