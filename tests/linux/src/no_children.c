// What a lone process sees of the calls around processes: wait4 and waitid find no child
// (ECHILD; EINVAL for bad options first), capget answers for itself and tells its version
// to a prober, posix_fadvise accepts advice for a file and refuses a pipe. Compared with
// the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

// <linux/capability.h>, which musl's toolchain lacks.
struct cap_header {
    unsigned version;
    int pid;
};
struct cap_data {
    unsigned effective, permitted, inheritable;
};
#define CAP_VERSION_3 0x20080522

static void show(const char *what, long result) {
    printf("%s: %ld %s\n", what, result, result < 0 ? strerror(errno) : "");
}

int main(void) {
    int status;
    long r;
    r = wait4(-1, &status, 0, NULL);
    show("wait4(-1)", r);
    r = wait4(-1, &status, WNOHANG, NULL);
    show("wait4(-1, WNOHANG)", r);
    r = wait4(-1, &status, 0x10000, NULL);
    show("wait4 with a bad option", r);
    siginfo_t info;
    r = waitid(P_ALL, 0, &info, WEXITED);
    show("waitid(P_ALL, WEXITED)", r);
    r = waitid(P_ALL, 0, &info, 0);
    show("waitid without WEXITED|WSTOPPED|WCONTINUED", r);
    r = waitid(9, 0, &info, WEXITED);
    show("waitid(type 9)", r);

    struct cap_header header = {0, 0};
    r = syscall(SYS_capget, &header, NULL);
    show("capget version probe", r);
    printf("preferred version: %#x\n", header.version);
    struct cap_data data[2];
    header.version = CAP_VERSION_3;
    header.pid = 0;
    r = syscall(SYS_capget, &header, data);
    show("capget of itself", r);
    printf("nothing inheritable: %d\n", data[0].inheritable == 0 && data[1].inheritable == 0);
    header.pid = -5;
    r = syscall(SYS_capget, &header, data);
    show("capget of pid -5", r);

    char path[] = "/tmp/osprey-fadvise-XXXXXX";
    int fd = mkstemp(path);
    write(fd, "data", 4);
    printf("fadvise sequential: %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    printf("fadvise dontneed: %d\n", posix_fadvise(fd, 0, 4, POSIX_FADV_DONTNEED));
    printf("fadvise advice 99: %s\n", strerror(posix_fadvise(fd, 0, 0, 99)));
    printf("fadvise length -1: %s\n", strerror(posix_fadvise(fd, 0, -1, POSIX_FADV_NORMAL)));
    unlink(path);
    close(fd);
    int pipe_fds[2];
    pipe(pipe_fds);
    printf("fadvise on a pipe: %s\n", strerror(posix_fadvise(pipe_fds[0], 0, 0, POSIX_FADV_NORMAL)));
    printf("fadvise on a closed descriptor: %s\n", strerror(posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL)));
    return 0;
}
