// Guest only (it would leave processes behind on the host): pid 1 exits while children are
// still running — one blocked in pause(), one spinning, one stopped in a pipe read — and
// the VM must power off at once with pid 1's status, as a Linux container's init does.
#include <stdio.h>
#include <unistd.h>

int main(void) {
    int fds[2];
    if (pipe(fds) != 0) return 1;
    for (int i = 0; i < 3; i++) {
        pid_t child = fork();
        if (child < 0) return 1;
        if (child > 0) continue;
        if (i == 0) pause();
        if (i == 1)
            for (volatile unsigned long n = 0;; n++) {
            }
        char c;
        read(fds[0], &c, 1);  // the write end stays open in every process
        _exit(0);
    }
    printf("pid 1 leaves three children running\n");
    fflush(stdout);
    return 7;
}
