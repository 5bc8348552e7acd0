// signalfd: blocked signals read as signalfd_siginfo records, several per read, poll and
// epoll readiness (woken by a signal sent from another thread), non-blocking reads
// (EAGAIN), a new mask on the same descriptor, and the errors. Compared with the host's
// run.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static void *send_later(void *arg) {
    (void)arg;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    union sigval value = {.sival_int = 555};
    sigqueue(getpid(), SIGUSR2, value);
    return NULL;
}

int main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int fd = signalfd(-1, &set, SFD_CLOEXEC);
    printf("created: %d\n", fd >= 0);

    struct pollfd p = {fd, POLLIN, 0};
    printf("nothing pending, poll: %d\n", poll(&p, 1, 0));

    // Two signals, read in one go.
    union sigval value = {.sival_int = 42};
    sigqueue(getpid(), SIGUSR1, value);
    value.sival_int = 43;
    sigqueue(getpid(), SIGRTMIN, value);
    int polled = poll(&p, 1, 0);
    printf("pending, poll: %d revents POLLIN %d\n", polled, (p.revents & POLLIN) != 0);
    struct signalfd_siginfo records[4];
    ssize_t n = read(fd, records, sizeof records);
    printf("read %zd records\n", n / (ssize_t)sizeof records[0]);
    for (int i = 0; i < n / (ssize_t)sizeof records[0]; i++)
        printf("  signo %s, code SI_QUEUE %d, int %d, pid matches %d\n",
               records[i].ssi_signo == SIGUSR1 ? "SIGUSR1" : records[i].ssi_signo == (unsigned)SIGRTMIN ? "SIGRTMIN" : "?",
               records[i].ssi_code == SI_QUEUE, records[i].ssi_int, records[i].ssi_pid == (unsigned)getpid());

    // Non-blocking: EAGAIN when nothing is there; a short buffer is EINVAL.
    int nb = signalfd(-1, &set, SFD_NONBLOCK);
    errno = 0;
    n = read(nb, records, sizeof records);
    printf("non-blocking empty read: %zd %s\n", n, strerror(errno));
    errno = 0;
    n = read(nb, records, 10);
    printf("short buffer: %zd %s\n", n, strerror(errno));

    // epoll wakes when another thread sends one.
    int ep = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.u32 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
    pthread_t thread;
    pthread_create(&thread, NULL, send_later, NULL);
    struct epoll_event got;
    int ready = epoll_wait(ep, &got, 1, 10000);
    pthread_join(thread, NULL);
    printf("epoll: %d ready, data %u\n", ready, got.data.u32);
    n = read(fd, records, sizeof records);
    printf("then read: %zd record, SIGUSR2 %d, int %d\n", n / (ssize_t)sizeof records[0],
           records[0].ssi_signo == SIGUSR2, records[0].ssi_int);

    // A new mask on the same descriptor; kill's siginfo.
    sigset_t only_usr1;
    sigemptyset(&only_usr1);
    sigaddset(&only_usr1, SIGUSR1);
    printf("new mask keeps fd: %d\n", signalfd(fd, &only_usr1, 0) == fd);
    kill(getpid(), SIGUSR2);
    printf("SIGUSR2 outside the mask, poll: %d\n", poll(&p, 1, 0));
    kill(getpid(), SIGUSR1);
    n = read(fd, records, sizeof records);
    printf("kill: %zd record, SI_USER %d\n", n / (ssize_t)sizeof records[0], records[0].ssi_code == SI_USER);
    int sig;
    sigwait(&set, &sig);
    printf("SIGUSR2 still pending for sigwait: %d\n", sig == SIGUSR2);

    // Errors.
    int pipe_fds[2];
    pipe(pipe_fds);
    errno = 0;
    int r = signalfd(pipe_fds[0], &set, 0);
    printf("not a signalfd: %d %s\n", r, strerror(errno));
    errno = 0;
    r = signalfd(-1, &set, 0x1234);
    printf("bad flags: %d %s\n", r, strerror(errno));
    return 0;
}
