// The Linux guest's /init for start-up figures of real programs (python3 -c pass): starts
// PROGRAM with ARGS, waits for it, and prints the TSC then (under -icount, the instructions
// executed since QEMU's reset), so the figure covers the kernel's boot and the program's
// whole run, as Osprey's "power off" TSC does.
//
//   run_tsc PROGRAM [ARGS...] [--poweroff]
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    int poweroff = argc > 1 && strcmp(argv[argc - 1], "--poweroff") == 0;
    if (poweroff) argv[--argc] = NULL;
    if (argc < 2) {
        printf("error usage: run_tsc PROGRAM [ARGS...] [--poweroff]\n");
        return 2;
    }
    pid_t child = fork();
    if (child == 0) {
        execv(argv[1], argv + 1);
        printf("error cannot run %s\n", argv[1]);
        _exit(127);
    }
    int status = 0;
    waitpid(child, &status, 0);
    unsigned long long tsc = __rdtsc();
    printf("figure child_exit_tsc %llu tsc\n", tsc);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) printf("done\n");
    else printf("error %s exited with status %#x\n", argv[1], status);
    if (poweroff) {
        // On microvm there is no ACPI to power off with; a reset under -no-reboot ends QEMU.
        fflush(stdout);
        reboot(RB_AUTOBOOT);
    }
    return 0;
}
