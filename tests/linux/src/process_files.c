// Files across processes (issue 13): a descriptor inherited by fork shares its open file
// description (offset, status flags), POSIX record locks belong to the process (a child
// does not inherit them, conflicts with its parent's, and closing its copy of a descriptor
// does not drop the parent's), while flock and OFD locks belong to the description and so
// are shared with the child. Printed lines hold relations, never pids, so the host's run
// is the reference byte for byte.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(int r) { return r < 0 ? strerror(errno) : "ok"; }

// Runs `body` in a child and returns its exit code (the child reports through it).
static int in_child(int (*body)(int fd), int fd) {
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        exit(1);
    }
    if (child == 0) _exit(body(fd));
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status)) {
        printf("child did not exit normally: %#x\n", status);
        exit(1);
    }
    return WEXITSTATUS(status);
}

static int lock(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    return fcntl(fd, cmd, &fl);
}

// The child writes 5 bytes and moves the shared offset; the parent sees the new offset.
static int child_writes(int fd) { return write(fd, "child", 5) == 5 ? 0 : 1; }

// The parent holds a write lock on bytes 0..9: the child cannot take it, F_GETLK names the
// parent as the holder and its range; bytes 10.. are free.
static int child_meets_parent_lock(int fd) {
    int code = 0;
    if (lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0) code |= 1;
    else if (errno != EAGAIN && errno != EACCES) code |= 2;
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 1};
    if (fcntl(fd, F_GETLK, &fl) != 0) code |= 4;
    else if (fl.l_type != F_WRLCK || fl.l_pid != getppid() || fl.l_start != 0 || fl.l_len != 10) code |= 8;
    if (lock(fd, F_SETLK, F_WRLCK, 10, 10) != 0) code |= 16;
    // The child's copy of the descriptor closed: the parent's locks stay (they are the
    // parent's), which the parent checks after this child is gone.
    close(fd);
    return code;
}

// A read lock is shared: the child takes one over the parent's read lock.
static int child_shares_read_lock(int fd) { return lock(fd, F_SETLK, F_RDLCK, 0, 10) == 0 ? 0 : 1; }

// flock belongs to the description: the child already holds the parent's lock and can
// release it for both.
static int child_releases_flock(int fd) { return flock(fd, LOCK_UN) == 0 ? 0 : 1; }

// OFD locks too: the child's F_OFD_GETLK through the same description sees no conflict.
static int child_sees_ofd_lock_as_own(int fd) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) return 2;
    return fl.l_type == F_UNLCK ? 0 : 1;
}

int main(void) {
    char path[] = "/tmp/process_files_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    unlink(path);
    setvbuf(stdout, NULL, _IONBF, 0);

    // The shared offset and status flags.
    int code = in_child(child_writes, fd);
    printf("child wrote: code %d, parent's offset now %ld\n", code, (long)lseek(fd, 0, SEEK_CUR));
    ssize_t wrote = write(fd, "parent", 6);
    printf("parent writes after it: %zd, offset %ld\n", wrote, (long)lseek(fd, 0, SEEK_CUR));
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_APPEND);
    pid_t child = fork();
    if (child == 0) _exit((fcntl(fd, F_GETFL) & O_APPEND) ? 0 : 1);
    int status = 0;
    waitpid(child, &status, 0);
    printf("O_APPEND set by the parent seen by a child: %s\n", WEXITSTATUS(status) == 0 ? "yes" : "no");
    fcntl(fd, F_SETFL, flags);

    // POSIX record locks: per process.
    printf("parent write-locks 0..9: %s\n", err(lock(fd, F_SETLK, F_WRLCK, 0, 10)));
    printf("child against it: code %d (0 = refused, holder named, rest free)\n", in_child(child_meets_parent_lock, fd));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
    fcntl(fd, F_GETLK, &fl);
    printf("parent's own lock after the child closed its copy: %s to itself\n",
           fl.l_type == F_UNLCK ? "invisible" : "visible");
    child = fork();
    if (child == 0) _exit(lock(fd, F_SETLK, F_WRLCK, 0, 10) == 0 ? 0 : 1);
    waitpid(child, &status, 0);
    printf("the parent's lock still stops a second child: %s\n", WEXITSTATUS(status) == 1 ? "yes" : "no");
    child = fork();
    if (child == 0) {
        // A child does not inherit its parent's locks: F_GETLK sees the parent's.
        struct flock probe = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
        fcntl(fd, F_GETLK, &probe);
        _exit(probe.l_type == F_WRLCK ? 0 : 1);
    }
    waitpid(child, &status, 0);
    printf("a child does not inherit the lock: %s\n", WEXITSTATUS(status) == 0 ? "yes" : "no");
    printf("parent downgrades to a read lock: %s\n", err(lock(fd, F_SETLK, F_RDLCK, 0, 10)));
    printf("child takes a read lock beside it: code %d\n", in_child(child_shares_read_lock, fd));
    printf("parent unlocks: %s\n", err(lock(fd, F_SETLK, F_UNLCK, 0, 0)));

    // A blocking lock waits for the other process to let go.
    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0) return 1;
    child = fork();
    if (child == 0) {
        lock(fd, F_SETLK, F_WRLCK, 0, 1);
        char c = 'r';
        write(ready[1], &c, 1);
        read(go[0], &c, 1);
        _exit(0);  // exiting releases the lock
    }
    char c;
    read(ready[0], &c, 1);
    printf("while the child holds byte 0: F_SETLK %s\n", err(lock(fd, F_SETLK, F_WRLCK, 0, 1)));
    write(go[1], "g", 1);
    printf("F_SETLKW waits for the child's exit: %s\n", err(lock(fd, F_SETLKW, F_WRLCK, 0, 1)));
    waitpid(child, &status, 0);
    lock(fd, F_SETLK, F_UNLCK, 0, 0);

    // flock: per open file description.
    printf("parent flock LOCK_EX: %s\n", err(flock(fd, LOCK_EX)));
    printf("child unlocks the shared description: code %d\n", in_child(child_releases_flock, fd));
    char again[64];
    snprintf(again, sizeof again, "/proc/self/fd/%d", fd);
    int second = open(again, O_RDWR);
    printf("a second description can now flock: %s\n", second < 0 ? strerror(errno) : err(flock(second, LOCK_EX | LOCK_NB)));
    if (second >= 0) close(second);

    // OFD locks: per open file description.
    printf("parent OFD write lock: %s\n", err(lock(fd, F_OFD_SETLK, F_WRLCK, 0, 10)));
    printf("the child shares it: code %d\n", in_child(child_sees_ofd_lock_as_own, fd));
    close(fd);
    printf("process files ok\n");
    return 0;
}
