// Taking signals synchronously with sigwaitinfo/sigtimedwait/sigwait: a blocked signal
// sent to the process is taken by the thread waiting for it (not delivered to a handler),
// with its siginfo; real-time signals queue; a zero timeout polls (EAGAIN); a short timeout
// expires (EAGAIN); a signal outside the set with a handler interrupts the wait (EINTR).
// Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static void on_usr2(int sig) { (void)sig; handled++; }

static void *send_later(void *arg) {
    int sig = *(int *)arg;
    struct timespec pause = {0, 50 * 1000 * 1000};
    nanosleep(&pause, NULL);
    union sigval value = {.sival_int = 4321};
    sigqueue(getpid(), sig, value);
    return NULL;
}

int main(void) {
    signal(SIGUSR2, on_usr2);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    // Already pending: taken at once, with the sender's siginfo.
    union sigval value = {.sival_int = 77};
    sigqueue(getpid(), SIGUSR1, value);
    siginfo_t info;
    int sig = sigwaitinfo(&set, &info);
    printf("pending SIGUSR1: %d, code SI_QUEUE %d, value %d, pid matches %d\n", sig == SIGUSR1,
           info.si_code == SI_QUEUE, info.si_value.sival_int, info.si_pid == getpid());

    // Real-time signals queue: three sent, three taken in order.
    for (int i = 1; i <= 3; i++) {
        value.sival_int = i;
        sigqueue(getpid(), SIGRTMIN + 1, value);
    }
    for (int i = 1; i <= 3; i++) {
        sig = sigwaitinfo(&set, &info);
        printf("queued real-time %d: value %d\n", sig == SIGRTMIN + 1, info.si_value.sival_int);
    }

    // Nothing pending: a zero timeout polls, a short one expires.
    struct timespec zero = {0, 0}, short_wait = {0, 20 * 1000 * 1000};
    errno = 0;
    sig = sigtimedwait(&set, &info, &zero);
    printf("zero timeout: %d %s\n", sig, strerror(errno));
    errno = 0;
    sig = sigtimedwait(&set, &info, &short_wait);
    printf("20 ms timeout: %d %s\n", sig, strerror(errno));

    // Sent later from another thread while this one waits.
    pthread_t thread;
    int usr1 = SIGUSR1;
    pthread_create(&thread, NULL, send_later, &usr1);
    struct timespec long_wait = {10, 0};
    sig = sigtimedwait(&set, &info, &long_wait);
    pthread_join(thread, NULL);
    printf("sent while waiting: %d, value %d\n", sig == SIGUSR1, info.si_value.sival_int);

    // A signal outside the set, with a handler, ends the wait with EINTR. musl's wrapper
    // waits again after EINTR, until the timeout: 3 s, not 10, so that its run (EAGAIN
    // after the handler ran, on Linux as here) does not idle.
    int usr2 = SIGUSR2;
    pthread_create(&thread, NULL, send_later, &usr2);
    errno = 0;
    struct timespec interrupted_wait = {3, 0};
    sig = sigtimedwait(&set, &info, &interrupted_wait);
    int saved = errno;
    pthread_join(thread, NULL);
    printf("interrupted: %d %s, handler ran %d\n", sig, strerror(saved), handled);

    // sigwait, and bad arguments.
    kill(getpid(), SIGUSR1);
    int got = 0;
    int waited = sigwait(&set, &got);
    printf("sigwait: %d, got SIGUSR1 %d\n", waited, got == SIGUSR1);
    struct timespec bad = {0, 2000000000};
    errno = 0;
    sig = sigtimedwait(&set, &info, &bad);
    printf("bad timeout: %d %s\n", sig, strerror(errno));
    errno = 0;
    long r = syscall(SYS_rt_sigtimedwait, &set, NULL, NULL, 4);
    printf("bad set size: %ld %s\n", r, strerror(errno));
    return 0;
}
