// alarm, setitimer, getitimer and pause (the process's real-time timer and SIGALRM),
// compared with the host. Ends killed by an unhandled SIGALRM: status 142.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t alarms;
static volatile int last_code;
static void on_alarm(int sig, siginfo_t *info, void *context) {
    (void)sig; (void)context;
    alarms++;
    last_code = info->si_code;
}
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_alarm;
    action.sa_flags = SA_SIGINFO;
    sigaction(SIGALRM, &action, NULL);

    printf("alarm(0) with none set: %u\n", alarm(0));
    printf("alarm(5) then alarm(0) returns %u\n", (alarm(5), alarm(0)));

    struct itimerval value = {{0, 0}, {0, 50000}}, old;
    double start = now();
    setitimer(ITIMER_REAL, &value, NULL);
    int r = pause();
    double waited = now() - start;
    printf("pause: %d %s, alarms %d, si_code SI_KERNEL %d, waited at least 50 ms %d\n", r, strerror(errno),
           alarms, last_code == SI_KERNEL, waited >= 0.049);

    // A periodic timer: 20 ms, five signals.
    struct itimerval periodic = {{0, 20000}, {0, 20000}};
    alarms = 0;
    setitimer(ITIMER_REAL, &periodic, NULL);
    while (alarms < 5) pause();
    getitimer(ITIMER_REAL, &old);
    printf("periodic: 5 signals, interval %ld us, value set %d\n", (long)old.it_interval.tv_usec,
           old.it_value.tv_sec == 0 && old.it_value.tv_usec > 0 && old.it_value.tv_usec <= 20000);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, &old);
    getitimer(ITIMER_REAL, &old);
    printf("disarmed: %ld %ld\n", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);

    struct itimerval bad = {{0, 0}, {0, 1000000}};
    r = setitimer(ITIMER_REAL, &bad, NULL);
    printf("usec 1000000: %d %s\n", r, strerror(errno));
    r = setitimer(7, &off, NULL);
    printf("which 7: %d %s\n", r, strerror(errno));

    // alarm's remaining seconds, rounded.
    alarm(10);
    printf("alarm(10) then alarm(0): %u\n", alarm(0));
    // An unhandled SIGALRM ends the process.
    signal(SIGALRM, SIG_DFL);
    alarm(1);
    fflush(stdout);
    for (;;) pause();
}
