// Clock and sleep sanity: MONOTONIC never goes back, REALTIME is a plausible date and agrees
// with gettimeofday and time, sleeps never return early (relative and TIMER_ABSTIME), and
// bad arguments give EINVAL. Prints only "ok" lines, never durations.
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

static int64_t ns(const struct timespec *t) {
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static int64_t now_ns(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return ns(&t);
}

static struct timespec from_ns(int64_t value) {
    struct timespec t = {.tv_sec = value / 1000000000, .tv_nsec = value % 1000000000};
    return t;
}

static void check_monotonic(void) {
    struct timespec previous, current;
    clock_gettime(CLOCK_MONOTONIC, &previous);
    int backwards = 0, invalid = 0;
    for (int i = 0; i < 100000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &current);
        if (current.tv_nsec < 0 || current.tv_nsec >= 1000000000)
            invalid++;
        if (ns(&current) < ns(&previous))
            backwards++;
        previous = current;
    }
    check(!invalid, "MONOTONIC: tv_nsec always in [0, 1e9)");
    check(!backwards, "MONOTONIC: never goes back over 100000 reads");
    int64_t first = now_ns(CLOCK_MONOTONIC);
    int64_t later = first;
    for (int i = 0; i < 10000000 && later == first; i++)
        later = now_ns(CLOCK_MONOTONIC);
    check(later > first, "MONOTONIC: advances");
}

static void check_realtime(void) {
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    check(real.tv_sec > 1577836800, "REALTIME: after 2020-01-01");
    check(real.tv_sec < 4102444800, "REALTIME: before 2100-01-01");

    // gettimeofday and time agree with REALTIME within a second.
    struct timeval tv;
    gettimeofday(&tv, NULL);
    time_t t = time(NULL);
    struct timespec real_after;
    clock_gettime(CLOCK_REALTIME, &real_after);
    check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "gettimeofday: tv_usec in [0, 1e6)");
    check(tv.tv_sec >= real.tv_sec - 1 && tv.tv_sec <= real_after.tv_sec + 1,
          "gettimeofday agrees with REALTIME");
    check(t >= real.tv_sec - 1 && t <= real_after.tv_sec + 1, "time agrees with REALTIME");
    time_t stored = 0;
    time_t returned = (time_t)syscall(SYS_time, &stored);
    check(returned == stored && returned >= real.tv_sec - 1, "time(&t) stores what it returns");
}

static void check_resolution(void) {
    static const struct { clockid_t id; const char *name; } clocks[] = {
        {CLOCK_REALTIME, "REALTIME"},
        {CLOCK_MONOTONIC, "MONOTONIC"},
    };
    for (size_t i = 0; i < sizeof clocks / sizeof clocks[0]; i++) {
        struct timespec res = {-1, -1};
        char what[96];
        snprintf(what, sizeof what, "clock_getres(%s): between 1 ns and 10 ms", clocks[i].name);
        check(clock_getres(clocks[i].id, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0 &&
                  res.tv_nsec <= 10000000,
              what);
    }
    check(clock_getres(CLOCK_MONOTONIC, NULL) == 0, "clock_getres with NULL res succeeds");
    struct timespec t;
    errno = 0;
    check(syscall(SYS_clock_gettime, 1234, &t) == -1 && errno == EINVAL,
          "clock_gettime of an unknown clock: EINVAL");
}

static void check_sleeps(void) {
    static const int64_t durations[] = {1000000, 10000000, 100000000};
    static const char *names[] = {"1 ms", "10 ms", "100 ms"};
    for (int i = 0; i < 3; i++) {
        char what[96];
        struct timespec request = from_ns(durations[i]);
        int64_t start = now_ns(CLOCK_MONOTONIC);
        int rc = nanosleep(&request, NULL);
        int64_t elapsed = now_ns(CLOCK_MONOTONIC) - start;
        snprintf(what, sizeof what, "nanosleep %s: not early", names[i]);
        check(rc == 0 && elapsed >= durations[i], what);

        start = now_ns(CLOCK_MONOTONIC);
        rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &request, NULL);
        elapsed = now_ns(CLOCK_MONOTONIC) - start;
        snprintf(what, sizeof what, "clock_nanosleep(MONOTONIC) %s: not early", names[i]);
        check(rc == 0 && elapsed >= durations[i], what);
    }

    // Absolute deadlines, on both clocks.
    int64_t deadline = now_ns(CLOCK_MONOTONIC) + 20000000;
    struct timespec abs = from_ns(deadline);
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
    check(rc == 0 && now_ns(CLOCK_MONOTONIC) >= deadline,
          "clock_nanosleep(MONOTONIC, TIMER_ABSTIME) 20 ms: not before the deadline");
    deadline = now_ns(CLOCK_REALTIME) + 20000000;
    abs = from_ns(deadline);
    rc = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL);
    check(rc == 0 && now_ns(CLOCK_REALTIME) >= deadline,
          "clock_nanosleep(REALTIME, TIMER_ABSTIME) 20 ms: not before the deadline");
    // 1 ns after boot: in the past, and valid even on a system up for less than a second.
    abs = from_ns(1);
    check(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL) == 0,
          "clock_nanosleep to a past deadline returns at once");

    struct timespec zero = {0, 0};
    check(nanosleep(&zero, NULL) == 0, "nanosleep of zero returns 0");
    struct timespec bad_nsec = {0, 1000000000};
    errno = 0;
    check(nanosleep(&bad_nsec, NULL) == -1 && errno == EINVAL, "nanosleep tv_nsec 1e9: EINVAL");
    struct timespec negative = {-1, 0};
    errno = 0;
    check(nanosleep(&negative, NULL) == -1 && errno == EINVAL, "nanosleep tv_sec -1: EINVAL");
    check(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad_nsec, NULL) == EINVAL,
          "clock_nanosleep tv_nsec 1e9: EINVAL");

    // A whole second, and the clocks moved together.
    int64_t mono_start = now_ns(CLOCK_MONOTONIC), real_start = now_ns(CLOCK_REALTIME);
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    int64_t mono_elapsed = now_ns(CLOCK_MONOTONIC) - mono_start;
    int64_t real_elapsed = now_ns(CLOCK_REALTIME) - real_start;
    check(mono_elapsed >= 1000000000, "nanosleep 1 s: not early");
    check(real_elapsed > mono_elapsed - 100000000 && real_elapsed < mono_elapsed + 100000000,
          "REALTIME and MONOTONIC advance together over 1 s");
}

int main(void) {
    check_monotonic();
    check_realtime();
    check_resolution();
    check_sleeps();
    if (failures) {
        fprintf(stderr, "FAIL: clock_sleep: %d checks failed\n", failures);
        return 1;
    }
    printf("clock_sleep ok\n");
    return 0;
}
