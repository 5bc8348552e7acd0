// Prints the host's TSC frequency in kHz, measured against CLOCK_MONOTONIC over 200 ms.
// Without -icount a TCG guest's TSC runs at the host's rate, and Debian's kernel on
// microvm cannot calibrate it (no HPET, and it does not trust the PIT there): it is told
// with tsc_early_khz=.
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void) {
    double start = now_s();
    unsigned long long tsc_start = __rdtsc();
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    unsigned long long tsc_end = __rdtsc();
    double end = now_s();
    printf("%.0f\n", (double)(tsc_end - tsc_start) / (end - start) / 1000.0);
    return 0;
}
