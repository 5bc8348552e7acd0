// A process whose other threads are still running when it ends, over and over: its
// exit_group (or an execve) makes every other thread leave, and the last one frees the
// address space. A thread that has left the process but not yet the CPU must not find its
// page table freed when it is switched back in: the kernel reset the CPU (a CR3 of 0) when
// a killed thread was preempted there and its siblings' exit ran in between. The parent
// forks short-lived children between rounds so that the scheduler switches often.
// Guest only: a stress of the kernel's exit path, with nothing host-specific to compare.
//
//   threads_end exit ROUNDS
//   threads_end exec ROUNDS PROGRAM      (PROGRAM: a static program that exits with 0)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kThreads = 3 };

static void *spin(void *unused) {
    (void)unused;
    for (;;) __asm__ volatile("" ::: "memory");
    return NULL;
}

int main(int argc, char **argv) {
    int exec_mode = argc > 3 && strcmp(argv[1], "exec") == 0;
    if (argc < 3 || (!exec_mode && strcmp(argv[1], "exit") != 0)) {
        fprintf(stderr, "usage: threads_end exit ROUNDS | exec ROUNDS PROGRAM\n");
        return 2;
    }
    int rounds = atoi(argv[2]), wrong = 0;
    for (int round = 0; round < rounds; round++) {
        pid_t child = fork();
        if (child == 0) {
            pthread_t threads[kThreads];
            for (int i = 0; i < kThreads; i++)
                if (pthread_create(&threads[i], NULL, spin, NULL) != 0) _exit(3);
            if (exec_mode) {
                char *child_argv[] = {argv[3], NULL};
                char *envp[] = {NULL};
                execve(argv[3], child_argv, envp);
                _exit(4);
            }
            exit(5);
        }
        int status = 0, expected = exec_mode ? 0 : 5;
        if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
            WEXITSTATUS(status) != expected)
            wrong++;
        for (int i = 0; i < 3; i++) {
            pid_t brief = fork();
            if (brief == 0) _exit(0);
            if (brief > 0) waitpid(brief, &status, 0);
        }
    }
    printf("%s: %d rounds, %d wrong\n", argv[1], rounds, wrong);
    return wrong != 0;
}
