// Guest only (Linux refuses an eventfd as sendfile's input): a copy that never runs dry,
// an eventfd into itself, must end at a signal. sysfuzz found it holding its thread in the
// kernel where not even SIGKILL ended it.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sendfile.h>
#include <unistd.h>

static void on_alarm(int sig) { (void)sig; }

int main(void) {
    int fd = eventfd(1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    ssize_t n = sendfile(fd, fd, NULL, 1ul << 30);
    printf("sendfile from an eventfd into itself ended at the signal: %s\n",
           n >= 0 || errno == EINTR ? "yes" : strerror(errno));
    return 0;
}
