// prctl(PR_SET_PDEATHSIG): the signal a process gets when its parent ends, sent as by
// kill(2) from the parent (SI_USER, si_pid the parent's); not inherited by fork, kept
// across execve, dropped when the effective ids change. Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static int current(void) {
    int sig = -1;
    if (prctl(PR_GET_PDEATHSIG, &sig) != 0) return -errno;
    return sig;
}

static void wait_for(pid_t pid) {
    int status;
    waitpid(pid, &status, 0);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "--get") == 0) {
        printf("  after execve: %d\n", current());
        return 0;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    printf("at start: %d\n", current());
    int set = prctl(PR_SET_PDEATHSIG, SIGUSR2);
    printf("set SIGUSR2: %d, now %d\n", set, current());
    set = prctl(PR_SET_PDEATHSIG, 65);
    printf("set 65: %d (%s)\n", set, errno == EINVAL ? "EINVAL" : strerror(errno));
    printf("still: %d\n", current());

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        printf("a forked child has: %d\n", current());
        fflush(stdout);
        char *args[] = {argv[0], "--get", NULL};
        prctl(PR_SET_PDEATHSIG, SIGHUP);
        execv(argv[0], args);
        _exit(99);
    }
    wait_for(child);

    fflush(stdout);
    child = fork();
    if (child == 0) {
        prctl(PR_SET_PDEATHSIG, SIGUSR1);
        int changed = setresuid(4242, 4242, 4242);
        printf("after setresuid (%d): %d\n", changed, current());
        fflush(stdout);
        _exit(0);
    }
    wait_for(child);
    prctl(PR_SET_PDEATHSIG, 0);

    // A middle process forks a child that asks for SIGUSR1 on its parent's end, then ends;
    // the child reports what it got through a pipe.
    int ready[2], result[2];
    pipe(ready);
    pipe(result);
    fflush(stdout);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t me = getpid();
        pid_t orphan = fork();
        if (orphan == 0) {
            sigset_t set;
            sigemptyset(&set);
            sigaddset(&set, SIGUSR1);
            sigprocmask(SIG_BLOCK, &set, NULL);
            prctl(PR_SET_PDEATHSIG, SIGUSR1);
            write(ready[1], "x", 1);
            siginfo_t info;
            int sig = sigwaitinfo(&set, &info);
            int report[3] = {sig, info.si_code, info.si_pid == me};
            write(result[1], report, sizeof report);
            _exit(0);
        }
        char byte;
        read(ready[0], &byte, 1);
        _exit(7);
    }
    close(ready[1]);
    close(result[1]);
    int status;
    waitpid(middle, &status, 0);
    printf("the parent ended with %d\n", WEXITSTATUS(status));
    int report[3] = {0, 0, 0};
    ssize_t got = read(result[0], report, sizeof report);
    printf("its child got signal %d (%s), si_code %s, from its parent: %d\n", got == sizeof report ? report[0] : -1,
           report[0] == SIGUSR1 ? "SIGUSR1" : "?", report[1] == SI_USER ? "SI_USER" : "other", report[2]);
    return 0;
}
