// SIGKILL sent to a process ends all its threads, wherever they wait: here four threads
// read one empty pipe (one waits for data, the others for the pipe's read side), and the
// parent's kill must end the process (sysfuzz found a process SIGKILL could not end: the
// signal went to a thread waiting where no signal interrupts). Compared with the host.
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int g_pipe[2];

static void *reader(void *arg) {
    (void)arg;
    char c;
    (void)read(g_pipe[0], &c, 1);
    return NULL;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    for (int round = 0; round < 20; round++) {
        int ready[2];
        if (pipe(ready) != 0) return 1;
        pid_t child = fork();
        if (child == 0) {
            if (pipe(g_pipe) != 0) _exit(2);
            // Another thread takes the pipe's read side and waits for data; then the main
            // thread (the one a process's signal goes to first) and two more wait behind it.
            pthread_t t[3];
            pthread_create(&t[0], NULL, reader, NULL);
            usleep(20000);
            for (int i = 1; i < 3; i++) pthread_create(&t[i], NULL, reader, NULL);
            (void)write(ready[1], "r", 1);
            reader(NULL);
            _exit(3);
        }
        char c;
        if (read(ready[0], &c, 1) != 1) return 1;
        usleep(20000);  // the readers into their waits
        kill(child, SIGKILL);
        alarm(20);  // a process SIGKILL cannot end would hang here
        int status;
        if (waitpid(child, &status, 0) != child) return 1;
        alarm(0);
        if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
            printf("round %d: ended otherwise (status %#x)\n", round, status);
            return 1;
        }
        close(ready[0]);
        close(ready[1]);
    }
    printf("20 processes with threads blocked on one pipe: each ended by SIGKILL\n");
    return 0;
}
