// mknod(2) and FIFOs: named pipes made with mknod/mkfifo, opened by a reader and a writer
// that wait for each other, non-blocking opens, O_RDWR, what stat says, data dropped with
// the last close; and mknod's other file types and refusals. Compared with the host.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

// The errno's name (musl has no strerrorname_np).
static const char *errno_name(int e) {
    static const struct {
        int value;
        const char *name;
    } kNames[] = {{EEXIST, "EEXIST"}, {ENXIO, "ENXIO"},   {EAGAIN, "EAGAIN"}, {ESPIPE, "ESPIPE"},
                  {EINTR, "EINTR"},   {EPERM, "EPERM"},   {EINVAL, "EINVAL"}, {ENOENT, "ENOENT"},
                  {ECONNREFUSED, "ECONNREFUSED"}};
    for (unsigned i = 0; i < sizeof kNames / sizeof kNames[0]; i++)
        if (kNames[i].value == e) return kNames[i].name;
    return strerror(e);
}

static const char *result(long r) {
    static char text[64];
    if (r >= 0) snprintf(text, sizeof text, "%ld", r);
    else snprintf(text, sizeof text, "%s", errno_name(errno));
    return text;
}

static void on_alarm(int sig) { (void)sig; }

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    char dir[] = "/tmp/fifo-test-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0) return 1;
    umask(022);

    // Made, and what stat says.
    printf("mkfifo: %s\n", result(mkfifo("f", 0666)));
    struct stat st;
    stat("f", &st);
    printf("is a fifo: %d, mode %o, size %ld, nlink %ld\n", S_ISFIFO(st.st_mode), st.st_mode & 07777, (long)st.st_size,
           (long)st.st_nlink);
    printf("again: %s\n", result(mkfifo("f", 0666)));

    // Non-blocking opens: a reader alone is fine; a writer without a reader is ENXIO.
    printf("write-only, non-blocking, no reader: %s\n", result(open("f", O_WRONLY | O_NONBLOCK)));
    int r = open("f", O_RDONLY | O_NONBLOCK);
    printf("read-only, non-blocking: %s\n", r >= 0 ? "opened" : result(r));
    char buffer[64];
    printf("read with no writer yet: %s\n", result(read(r, buffer, sizeof buffer)));
    int w = open("f", O_WRONLY | O_NONBLOCK);
    printf("write-only, non-blocking, with a reader: %s\n", w >= 0 ? "opened" : result(w));
    printf("write: %s\n", result(write(w, "abc", 3)));
    printf("read: %s\n", result(read(r, buffer, sizeof buffer)));
    printf("read, writer open, nothing there: %s\n", result(read(r, buffer, sizeof buffer)));
    struct stat by_fd;
    fstat(w, &by_fd);
    printf("fstat names the fifo: %d\n", by_fd.st_ino == st.st_ino && S_ISFIFO(by_fd.st_mode));
    printf("lseek: %s\n", result(lseek(w, 0, SEEK_SET)));
    close(w);
    printf("read after the writer closed: %s\n", result(read(r, buffer, sizeof buffer)));
    close(r);

    // O_RDWR opens both sides without waiting; what is left goes with the last close.
    int both = open("f", O_RDWR | O_NONBLOCK);
    printf("read-write: %s\n", both >= 0 ? "opened" : result(both));
    printf("write then read on one descriptor: %s", result(write(both, "xy", 2)));
    printf(", %s\n", result(read(both, buffer, 1)));
    close(both);
    both = open("f", O_RDWR | O_NONBLOCK);
    printf("after the last close, what was left: %s\n", result(read(both, buffer, sizeof buffer)));
    close(both);

    // Blocking opens wait for each other: a child writes, the parent reads.
    pid_t child = fork();
    if (child == 0) {
        int fd = open("f", O_WRONLY);
        if (fd < 0) _exit(1);
        usleep(20000);
        (void)write(fd, "from the child", 14);
        _exit(0);
    }
    r = open("f", O_RDONLY);
    ssize_t n = read(r, buffer, sizeof buffer);
    printf("the parent read: %.*s\n", (int)(n > 0 ? n : 0), buffer);
    int status;
    waitpid(child, &status, 0);
    printf("then end-of-file: %s\n", result(read(r, buffer, sizeof buffer)));
    close(r);

    // A blocking open that nobody answers ends at a signal without SA_RESTART.
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_alarm;
    sigaction(SIGALRM, &action, NULL);
    alarm(1);
    printf("a reader nobody answers, at a signal: %s\n", result(open("f", O_RDONLY)));
    alarm(0);

    // Unlinked while open: the pipe goes on.
    r = open("f", O_RDONLY | O_NONBLOCK);
    w = open("f", O_WRONLY);
    unlink("f");
    (void)write(w, "!", 1);
    printf("unlinked while open, read: %s\n", result(read(r, buffer, sizeof buffer)));
    close(r);
    close(w);

    // mknod's other types and refusals.
    printf("mknod regular: %s", result(mknod("regular", S_IFREG | 0600, 0)));
    stat("regular", &st);
    printf(", is regular %d, size %ld, mode %o\n", S_ISREG(st.st_mode), (long)st.st_size, st.st_mode & 07777);
    printf("mknod type 0: %s", result(mknod("plain", 0600, 0)));
    stat("plain", &st);
    printf(", is regular %d\n", S_ISREG(st.st_mode));
    printf("mknod socket: %s", result(mknod("socket", S_IFSOCK | 0600, 0)));
    stat("socket", &st);
    printf(", is a socket %d\n", S_ISSOCK(st.st_mode));
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s/socket", dir);
    printf("connect to it: %s\n", result(connect(s, (struct sockaddr *)&address, sizeof address)));
    close(s);
    printf("mknod directory: %s\n", result(mknod("directory", S_IFDIR | 0755, 0)));
    printf("mknod bad type: %s\n", result(mknod("bad", 0170000 | 0600, 0)));
    printf("mknod existing: %s\n", result(mknod("regular", S_IFIFO | 0600, 0)));
    printf("mknodat \"..\": %s\n", result(mknodat(AT_FDCWD, "..", S_IFIFO | 0600, 0)));
    printf("mknod in a missing directory: %s\n", result(mknod("missing/f", S_IFIFO | 0600, 0)));

    unlink("regular");
    unlink("plain");
    unlink("socket");
    if (chdir("/") != 0 || rmdir(dir) != 0) printf("cleanup failed: %s\n", strerror(errno));
    return 0;
}
