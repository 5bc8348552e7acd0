// Ends with the status named by argv[1]: a number (exit(n)), "segv" (dies of SIGSEGV,
// status 139 from a shell) or "abort" (dies of SIGABRT, 134).
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: exit_status STATUS|segv|abort\n");
        return 2;
    }
    const char *mode = argv[1];
    if (strcmp(mode, "segv") == 0) {
        printf("exit_status: dereferencing a bad pointer\n");
        fflush(stdout);
        volatile uintptr_t bad = 0x10;  // volatile: a load the compiler cannot see through.
        *(volatile int *)bad = 1;
        fprintf(stderr, "FAIL: survived a bad pointer\n");
        return 1;
    }
    if (strcmp(mode, "abort") == 0) {
        printf("exit_status: calling abort\n");
        fflush(stdout);
        abort();
    }
    char *end;
    long status = strtol(mode, &end, 10);
    if (*end != 0 || status < 0 || status > 255) {
        fprintf(stderr, "exit_status: bad status '%s'\n", mode);
        return 2;
    }
    printf("exit_status: exiting with %ld\n", status);
    exit((int)status);
}
