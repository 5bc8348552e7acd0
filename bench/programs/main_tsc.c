// The first thing main does is read the TSC: under `osprey run --deterministic` (or a
// Linux guest under -icount shift=0) it counts the instructions executed since the VM
// started, so `main's TSC - the TSC at the kernel's entry` is the boot cost to main.
#include <stdio.h>
#include <x86intrin.h>

int main(void) {
    unsigned long long tsc = __rdtsc();
    printf("main_tsc %llu\n", tsc);
    return 0;
}
