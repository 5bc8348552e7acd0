// Signals that must wake a sleeper on another CPU, over and over: a child sleeps in
// pause(), sigsuspend or a pipe read, and the parent, on the other CPU, sends it a signal
// (SIGTERM, or SIGUSR1 to a handler) at once, often while the child is between checking
// for signals and going to sleep. A wake-up lost in that window left the child asleep for ever (and the parent
// in waitpid): the kernel's sleep now notes the wake-ups that came since it checked.
// Guest only, run with --cpus 2: a stress with nothing host-specific to compare.
//
//   signal_wake ROUNDS
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_usr1(int sig) { (void)sig; }

static void bind_to(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: signal_wake ROUNDS\n");
        return 2;
    }
    long rounds = atol(argv[1]);
    long wrong = 0;
    signal(SIGUSR1, on_usr1);
    // SIGUSR1 stays blocked except inside sigsuspend, so one sent early waits for it.
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);
    bind_to(0);
    for (long i = 0; i < rounds; i++) {
        int way = (int)(i % 3);
        int fds[2];
        if (pipe(fds) != 0) return 1;
        pid_t child = fork();
        if (child < 0) return 1;
        if (child == 0) {
            bind_to(1);
            close(fds[1]);
            char byte;
            sigset_t none;
            sigemptyset(&none);
            if (way == 0) pause();                        // SIGTERM ends it, whenever it comes
            if (way == 1) sigsuspend(&none);              // SIGUSR1's handler, then EINTR
            if (way == 2) (void)!read(fds[0], &byte, 1);  // SIGTERM again
            _exit(7);
        }
        close(fds[0]);
        // Sent at once: the child may be anywhere from not yet running to asleep.
        if (i % 2) sched_yield();
        kill(child, way == 1 ? SIGUSR1 : SIGTERM);
        int status = 0;
        int ok = waitpid(child, &status, 0) == child &&
                 (way == 1 ? WIFEXITED(status) && WEXITSTATUS(status) == 7
                           : WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
        if (!ok) wrong++;
        close(fds[1]);
    }
    printf("signal_wake: %ld rounds, %ld wrong\n", rounds, wrong);
    return wrong != 0;
}
