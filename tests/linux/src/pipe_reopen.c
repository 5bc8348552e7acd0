// A pipe opened again through /proc/self/fd/N and /dev/fd/N (what bash's process
// substitution hands a command as /dev/fd/63, and /dev/stdin on a pipe): a new open file
// of the same pipe, reading or writing as its mode asks, with its own status flags, woken
// by poll like the first ends, and counted as a reader or writer for end-of-file and
// EPIPE. Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_fd_path(const char *directory, int fd, int flags) {
    char path[64];
    snprintf(path, sizeof path, "%s/%d", directory, fd);
    return open(path, flags);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    int ends[2];
    if (pipe(ends) != 0) return 1;

    int reader = open_fd_path("/proc/self/fd", ends[0], O_RDONLY);
    printf("reopened the read end: %s\n", reader >= 0 ? "yes" : strerror(errno));
    int writer = open_fd_path("/dev/fd", ends[1], O_WRONLY | O_NONBLOCK);
    printf("reopened the write end through /dev/fd: %s\n", writer >= 0 ? "yes" : strerror(errno));
    if (reader < 0 || writer < 0) return 1;

    struct stat original, reopened;
    fstat(ends[0], &original);
    fstat(reader, &reopened);
    printf("a fifo: %s, the same pipe: %s\n", S_ISFIFO(reopened.st_mode) ? "yes" : "no",
           original.st_ino == reopened.st_ino && original.st_dev == reopened.st_dev ? "yes" : "no");
    printf("own status flags: original %s, reopened %s\n", fcntl(ends[1], F_GETFL) & O_NONBLOCK ? "nonblocking" : "blocking",
           fcntl(writer, F_GETFL) & O_NONBLOCK ? "nonblocking" : "blocking");

    // Written through the new write end, read through the new read end.
    write(writer, "one", 3);
    char buffer[16] = {0};
    ssize_t n = read(reader, buffer, sizeof buffer);
    printf("through the new ends: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buffer);

    // poll on the new read end is woken by a write through the old write end.
    struct pollfd ready = {reader, POLLIN, 0};
    printf("poll before a write: %d\n", poll(&ready, 1, 0));
    write(ends[1], "two", 3);
    int polled = poll(&ready, 1, 1000);
    printf("poll after a write: %d, revents POLLIN %s\n", polled, ready.revents & POLLIN ? "yes" : "no");
    n = read(ends[0], buffer, sizeof buffer);
    printf("read through the old end: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buffer);

    // End-of-file only when every write end is closed.
    close(ends[1]);
    struct pollfd empty = {reader, POLLIN, 0};
    printf("poll with a writer left: %d\n", poll(&empty, 1, 0));
    close(writer);
    printf("read with no writer left: %zd\n", read(reader, buffer, sizeof buffer));

    // EPIPE only when every read end is closed.
    int more[2];
    pipe(more);
    int second_reader = open_fd_path("/proc/self/fd", more[0], O_RDONLY);
    close(more[0]);
    printf("write with a reader left: %zd\n", write(more[1], "x", 1));
    close(second_reader);
    n = write(more[1], "x", 1);
    printf("write with no reader left: %zd %s\n", n, n < 0 ? strerror(errno) : "");

    // /dev/stdin is fd 0: here a pipe's read end.
    int fresh[2];
    pipe(fresh);
    dup2(fresh[0], 0);
    close(fresh[0]);
    write(fresh[1], "stdin", 5);
    int in = open("/dev/stdin", O_RDONLY);
    n = in >= 0 ? read(in, buffer, sizeof buffer) : -1;
    printf("/dev/stdin on a pipe: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buffer);
    return 0;
}
