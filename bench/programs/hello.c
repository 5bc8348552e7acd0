// The smallest program for the memory and image-size figures: prints hello and exits (as
// Linux's /init, with --poweroff, it ends the VM instead of returning).
#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

int main(int argc, char **argv) {
    puts("hello");
    if (argc > 1 && strcmp(argv[1], "--poweroff") == 0) {
        fflush(stdout);
        reboot(RB_AUTOBOOT);
    }
    return 0;
}
