// timerfd_create/settime/gettime (kept apart: being added): a one-shot timer becomes
// readable once with a count of 1, a periodic one counts expirations, gettime reports the
// remaining time, TFD_NONBLOCK reads EAGAIN before expiry, TFD_TIMER_ABSTIME, disarming, and
// epoll wakes on expiry.
#include "fs_test.h"

#include <poll.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
    int fd = OK(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    ERR(timerfd_create(CLOCK_MONOTONIC, 0x12345), EINVAL);
    ERR(timerfd_create(12345, 0), EINVAL);
    uint64_t count;
    ERR(read(fd, &count, 8), EAGAIN);
    struct itimerspec cur;
    OK(timerfd_gettime(fd, &cur));
    EQ(cur.it_value.tv_sec | cur.it_value.tv_nsec, 0);
    ok("timerfd_create: flags, EINVAL, an unarmed timer reads EAGAIN and reports 0");

    struct itimerspec spec = {.it_value = {0, 200 * 1000 * 1000}};
    double start = now();
    OK(timerfd_settime(fd, 0, &spec, NULL));
    OK(timerfd_gettime(fd, &cur));
    CHECK(cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
              cur.it_value.tv_nsec <= 200 * 1000 * 1000,
          "gettime after arming 200 ms: %ld.%09ld", (long)cur.it_value.tv_sec,
          cur.it_value.tv_nsec);
    ERR(read(fd, &count, 8), EAGAIN);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    EQ(poll(&p, 1, 5000), 1);
    double waited = now() - start;
    CHECK(waited >= 0.19 && waited < 5, "a 200 ms timer fired after %.3f s", waited);
    EQ(read(fd, &count, 8), 8);
    EQ(count, 1);
    ERR(read(fd, &count, 8), EAGAIN);
    char small[4];
    ERR(read(fd, small, 4), EINVAL);
    ok("a one-shot timer: gettime counts down, poll wakes on expiry, read gives 1 once");

    // The count must match the time that really passed, whatever the machine's load: at
    // least the periods wholly between arming and reading, at most those between the
    // moments just outside them (one period of slack each way for the clocks' reading).
    spec = (struct itimerspec){.it_value = {0, 10 * 1000 * 1000}, .it_interval = {0, 10 * 1000 * 1000}};
    double before_arm = now();
    OK(timerfd_settime(fd, 0, &spec, NULL));
    double after_arm = now();
    usleep(105 * 1000);
    double before_read = now();
    EQ(read(fd, &count, 8), 8);
    double after_read = now();
    long least = (long)((before_read - after_arm) / 0.010) - 1;
    long most = (long)((after_read - before_arm) / 0.010) + 1;
    CHECK(count >= 1 && (long)count >= least && (long)count <= most,
          "a 10 ms periodic timer counted %llu in %.3f-%.3f s", (unsigned long long)count,
          before_read - after_arm, after_read - before_arm);
    struct itimerspec old;
    spec = (struct itimerspec){0};
    OK(timerfd_settime(fd, 0, &spec, &old));
    EQ(old.it_interval.tv_nsec, 10 * 1000 * 1000);
    usleep(30 * 1000);
    ERR(read(fd, &count, 8), EAGAIN);
    ok("a periodic timer counts expirations; disarming returns the old setting and stops it");

    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 50 * 1000 * 1000;
    if (abs.tv_nsec >= 1000000000) {
        abs.tv_sec++;
        abs.tv_nsec -= 1000000000;
    }
    spec = (struct itimerspec){.it_value = abs};
    OK(timerfd_settime(fd, TFD_TIMER_ABSTIME, &spec, NULL));
    int ep = OK(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    start = now();
    EQ(epoll_wait(ep, &ev, 1, 5000), 1);
    EQ(ev.data.fd, fd);
    EQ(read(fd, &count, 8), 8);
    EQ(count, 1);
    close(ep);
    ok("TFD_TIMER_ABSTIME fires at the absolute time and wakes epoll");

    int blocking = OK(timerfd_create(CLOCK_REALTIME, 0));
    spec = (struct itimerspec){.it_value = {0, 50 * 1000 * 1000}};
    OK(timerfd_settime(blocking, 0, &spec, NULL));
    start = now();
    EQ(read(blocking, &count, 8), 8);
    waited = now() - start;
    CHECK(waited >= 0.04 && waited < 5, "a blocking read of a 50 ms timer took %.3f s", waited);
    close(blocking);
    close(fd);
    ok("a blocking read sleeps until a CLOCK_REALTIME timer expires");
    return 0;
}
