// A thread waiting on a pipe behind another waiter is still reached by a signal: one thread
// reads an empty pipe (or writes a full one) and waits; the main thread does the same and
// is sent a signal whose handler has no SA_RESTART. Its call must fail with EINTR. (Osprey
// kept the pipe's read lock across the wait for data, so the second reader waited for the
// lock where no signal reached it; sysfuzz found it.) Compared with the host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int g_pipe[2];
static volatile sig_atomic_t g_caught;

static void on_signal(int sig) {
    (void)sig;
    g_caught++;
}

static void *first_reader(void *arg) {
    (void)arg;
    char c;
    (void)read(g_pipe[0], &c, 1);
    return NULL;
}

static void *first_writer(void *arg) {
    (void)arg;
    static char block[65536];
    (void)write(g_pipe[1], block, sizeof block);
    return NULL;
}

static void *interrupter(void *arg) {
    usleep(100000);  // both waiters into their waits
    pthread_kill(*(pthread_t *)arg, SIGUSR1);
    return NULL;
}

// Starts `first`, lets it wait, then makes the main thread's own call wait behind it until
// the signal; returns what that call gave and errno.
static void second_waiter(const char *what, void *(*first)(void *), int writing) {
    pthread_t waiter, signaller, self = pthread_self();
    pthread_create(&waiter, NULL, first, NULL);
    usleep(50000);
    g_caught = 0;
    pthread_create(&signaller, NULL, interrupter, &self);
    char buffer[64] = {0};
    errno = 0;
    ssize_t n = writing ? write(g_pipe[1], buffer, sizeof buffer) : read(g_pipe[0], buffer, 1);
    int error = errno;
    printf("%s behind another: returned %zd, %s, handler ran %d time(s)\n", what, n,
           n < 0 ? strerror(error) : "no error", (int)g_caught);
    pthread_join(signaller, NULL);
    // Free the first waiter: data for the reader, room for the writer.
    if (writing) {
        static char sink[65536];
        for (size_t left = 2 * sizeof sink; left > 0;) {  // what filled it, then the first writer's
            ssize_t n = read(g_pipe[0], sink, sizeof sink);
            if (n <= 0) break;
            left -= (size_t)n;
        }
    } else {
        (void)write(g_pipe[1], "x", 1);
    }
    pthread_join(waiter, NULL);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;  // no SA_RESTART: the wait must end with EINTR
    sigaction(SIGUSR1, &action, NULL);
    alarm(20);  // a waiter no signal reaches would hang here

    if (pipe(g_pipe) != 0) return 1;
    second_waiter("read of an empty pipe", first_reader, 0);
    close(g_pipe[0]);
    close(g_pipe[1]);

    if (pipe(g_pipe) != 0) return 1;
    // Full: 64 KiB is the pipe's size on both; the first writer's 64 KiB then waits too.
    static char fill[65536];
    if (write(g_pipe[1], fill, sizeof fill) != sizeof fill) return 1;
    second_waiter("write to a full pipe", first_writer, 1);
    return 0;
}
