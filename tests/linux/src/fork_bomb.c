// A fork bomb, inside the guest only (never on the host): a process in a group of its own
// forks until the kernel refuses (ENOMEM or EAGAIN); then the group is killed, every process
// is reaped, and fork works again. The kernel must survive all of it.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
    int report[2];
    pipe(report);
    pid_t bomber = fork();
    if (bomber == 0) {
        setpgid(0, 0);
        int count = 0;
        for (;;) {
            pid_t child = fork();
            if (child == 0) {
                for (;;) pause();
            }
            if (child < 0) break;
            count++;
        }
        int error = errno;
        write(report[1], &count, sizeof count);
        write(report[1], &error, sizeof error);
        for (;;) pause();
    }
    int count = 0, error = 0;
    read(report[0], &count, sizeof count);
    read(report[0], &error, sizeof error);
    printf("forked %d processes, then: %s\n", count, strerror(error));
    printf("refused with ENOMEM or EAGAIN: %s\n", error == ENOMEM || error == EAGAIN ? "yes" : "no");
    kill(-bomber, SIGKILL);
    int reaped = 0;
    while (waitpid(-1, NULL, 0) > 0) reaped++;  // the bomber, and its orphans (ours now, as pid 1)
    printf("every process reaped: %s\n", reaped == count + 1 ? "yes" : "no");
    pid_t child = fork();
    if (child == 0) _exit(3);
    int status = 0;
    waitpid(child, &status, 0);
    printf("a fork afterwards: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 3 ? "works" : "fails");
    return 0;
}
