// POSIX timers (timer_create, timer_settime, timer_gettime, timer_getoverrun,
// timer_delete), compared with the host's run: a one-shot timer's signal with its siginfo,
// a periodic one taken with sigwaitinfo, overruns while the signal waits, SIGEV_NONE,
// SIGEV_THREAD (libc runs the function on a thread of its own), absolute times, errors.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t fired, code_ok, value_seen;
static void on_timer(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    fired++;
    code_ok = info->si_code == SI_TIMER;
    value_seen = info->si_value.sival_int;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static int thread_calls;
static void in_thread(union sigval value) {
    pthread_mutex_lock(&lock);
    thread_calls += value.sival_int;
    pthread_cond_signal(&done);
    pthread_mutex_unlock(&lock);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_timer;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGRTMIN + 2, &action, NULL);

    // One shot, SIGEV_SIGNAL with a value.
    struct sigevent event;
    memset(&event, 0, sizeof event);
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN + 2;
    event.sigev_value.sival_int = 99;
    timer_t one;
    printf("create: %d\n", timer_create(CLOCK_MONOTONIC, &event, &one));
    struct itimerspec spec = {{0, 0}, {0, 30 * 1000000}}, now;
    timer_settime(one, 0, &spec, NULL);
    timer_gettime(one, &now);
    printf("armed: %d\n", now.it_value.tv_sec == 0 && now.it_value.tv_nsec > 0 && now.it_value.tv_nsec <= 30000000);
    while (!fired) pause();
    timer_gettime(one, &now);
    printf("one shot: fired %d, SI_TIMER %d, value %d, disarmed %d\n", fired, code_ok, value_seen,
           now.it_value.tv_sec == 0 && now.it_value.tv_nsec == 0);

    // Periodic, its signal blocked and taken with sigwaitinfo.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 3);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    event.sigev_signo = SIGRTMIN + 3;
    event.sigev_value.sival_int = 5;
    timer_t periodic;
    timer_create(CLOCK_MONOTONIC, &event, &periodic);
    struct itimerspec every = {{0, 10 * 1000000}, {0, 10 * 1000000}};
    timer_settime(periodic, 0, &every, NULL);
    siginfo_t info;
    int taken = 0;
    for (int i = 0; i < 5; i++)
        if (sigwaitinfo(&set, &info) == SIGRTMIN + 3 && info.si_value.sival_int == 5) taken++;
    printf("periodic: %d signals taken\n", taken);
    // While its signal waits, expirations count as overruns (one signal at a time).
    sleep_ms(100);
    sigwaitinfo(&set, &info);
    printf("overruns while waiting: %d, getoverrun agrees %d\n", info.si_overrun > 3,
           timer_getoverrun(periodic) == info.si_overrun);
    struct itimerspec off = {{0, 0}, {0, 0}}, old;
    timer_settime(periodic, 0, &off, &old);
    printf("old interval: %ld ns\n", (long)old.it_interval.tv_nsec);
    timer_delete(periodic);

    // SIGEV_NONE: nothing is sent, the time left still counts down.
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    timer_t quiet;
    timer_create(CLOCK_MONOTONIC, &none, &quiet);
    struct itimerspec long_one = {{0, 0}, {5, 0}}, first, second;
    timer_settime(quiet, 0, &long_one, NULL);
    timer_gettime(quiet, &first);
    sleep_ms(20);
    timer_gettime(quiet, &second);
    printf("SIGEV_NONE counts down: %d\n",
           second.it_value.tv_sec * 1000000000L + second.it_value.tv_nsec <
               first.it_value.tv_sec * 1000000000L + first.it_value.tv_nsec);
    timer_delete(quiet);

    // Absolute time on CLOCK_REALTIME.
    fired = 0;
    event.sigev_signo = SIGRTMIN + 2;
    timer_t absolute;
    timer_create(CLOCK_REALTIME, &event, &absolute);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    wall.tv_nsec += 20 * 1000000;
    if (wall.tv_nsec >= 1000000000) wall.tv_sec++, wall.tv_nsec -= 1000000000;
    struct itimerspec at = {{0, 0}, wall};
    timer_settime(absolute, TIMER_ABSTIME, &at, NULL);
    while (!fired) pause();
    printf("absolute: fired %d\n", fired);
    timer_delete(absolute);

    // SIGEV_THREAD: libc calls the function on a thread.
    struct sigevent threaded;
    memset(&threaded, 0, sizeof threaded);
    threaded.sigev_notify = SIGEV_THREAD;
    threaded.sigev_notify_function = in_thread;
    threaded.sigev_value.sival_int = 7;
    timer_t callback;
    printf("create SIGEV_THREAD: %d\n", timer_create(CLOCK_MONOTONIC, &threaded, &callback));
    struct itimerspec soon = {{0, 0}, {0, 10 * 1000000}};
    timer_settime(callback, 0, &soon, NULL);
    pthread_mutex_lock(&lock);
    while (thread_calls == 0) pthread_cond_wait(&done, &lock);
    pthread_mutex_unlock(&lock);
    printf("SIGEV_THREAD ran with value %d\n", thread_calls);
    timer_delete(callback);

    // Errors.
    timer_t unused;
    int r = timer_create(12345, &event, &unused);
    printf("bad clock: %d %s\n", r, strerror(errno));
    struct itimerspec bad = {{0, 0}, {0, 1000000000}};
    r = timer_settime(one, 0, &bad, NULL);
    printf("bad nanoseconds: %d %s\n", r, strerror(errno));
    timer_delete(one);
    return 0;
}
