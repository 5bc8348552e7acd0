// File locks (kept apart: being added): flock shared/exclusive between two open files,
// LOCK_NB conflicts with EWOULDBLOCK, unlock; fcntl record locks: classic POSIX locks
// (F_SETLK/F_GETLK, owned by the process: they never conflict with each other within one)
// and OFD locks (F_OFD_SETLK/F_OFD_GETLK, owned by the open file: they conflict between open
// files of one process), byte ranges, a blocking F_OFD_SETLKW woken by an unlock from another
// thread; then the two kinds together: they conflict with each other even in one process,
// closing any descriptor drops the POSIX ones, ranges split and join.
#include "fs_test.h"

#include <pthread.h>
#include <sys/file.h>

static void *unlock_later(void *arg) {
    int fd = (int)(intptr_t)arg;
    usleep(100 * 1000);
    struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    if (fcntl(fd, F_OFD_SETLK, &fl) != 0)
        FATAL("unlock: %s", errno_name(errno));
    return NULL;
}

static void set_lock(int fd, int command, short type, off_t start, off_t len) {
    struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, command, &fl) != 0)
        FAIL("fcntl(%d, %d, type %d, %ld+%ld): %s", fd, command, type, (long)start, (long)len,
             errno_name(errno));
}

// What F_GETLK or F_OFD_GETLK says about a write lock on [start, start+len) through fd.
static struct flock query(int fd, int command, off_t start, off_t len) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
    if (fcntl(fd, command, &fl) != 0)
        FAIL("fcntl(%d, %d) query: %s", fd, command, errno_name(errno));
    return fl;
}

#define EXPECT_LOCK(fl, type, start, len, pid)                                                   \
    do {                                                                                         \
        struct flock el_ = (fl);                                                                 \
        EQ(el_.l_type, type);                                                                    \
        if (el_.l_type != F_UNLCK) {                                                             \
            EQ(el_.l_whence, SEEK_SET);                                                          \
            EQ(el_.l_start, start);                                                              \
            EQ(el_.l_len, len);                                                                  \
            EQ(el_.l_pid, pid);                                                                  \
        }                                                                                        \
    } while (0)

static void *unlock_ofd_later(void *arg) {
    usleep(100 * 1000);
    set_lock((int)(intptr_t)arg, F_OFD_SETLK, F_UNLCK, 0, 0);
    return NULL;
}

// POSIX locks belong to the process, OFD locks to the open file: on Linux they conflict with
// each other even within one process (and even through the same descriptor). Also the POSIX
// oddity that closing any descriptor of the file drops the process's locks on it, and how
// both kinds split, join and report ranges.
static void posix_and_ofd(void) {
    int a = OK(open("lockfile", O_RDWR));
    int b = OK(open("lockfile", O_RDWR));
    int pid = getpid();

    set_lock(a, F_SETLK, F_WRLCK, 0, 10);
    struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 9, .l_len = 1};
    ERR(fcntl(b, F_OFD_SETLK, &fl), EAGAIN);
    ERR(fcntl(a, F_OFD_SETLK, &fl), EAGAIN);  // the same open file, but another owner
    EXPECT_LOCK(query(b, F_OFD_GETLK, 0, 0), F_WRLCK, 0, 10, pid);
    EXPECT_LOCK(query(b, F_GETLK, 0, 0), F_UNLCK, 0, 0, 0);  // the process's own
    set_lock(b, F_OFD_SETLK, F_RDLCK, 10, 5);                 // beside it: fine
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1};
    ERR(fcntl(a, F_SETLK, &fl), EAGAIN);
    EXPECT_LOCK(query(a, F_GETLK, 12, 1), F_RDLCK, 10, 5, -1);
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 12, .l_len = 1};
    OK(fcntl(a, F_SETLK, &fl));  // read locks share
    ok("a POSIX lock and an OFD lock conflict within one process; F_GETLK and F_OFD_GETLK "
       "report the other kind (l_pid: the process, -1 for OFD)");

    // Closing any descriptor of the file drops the process's POSIX locks on it, not OFD ones.
    int c = OK(open("lockfile", O_RDONLY));
    OK(close(c));
    EXPECT_LOCK(query(b, F_OFD_GETLK, 0, 0), F_UNLCK, 0, 0, 0);
    EXPECT_LOCK(query(a, F_GETLK, 0, 0), F_RDLCK, 10, 5, -1);
    set_lock(b, F_OFD_SETLK, F_UNLCK, 0, 0);
    ok("closing another descriptor of the file drops the process's POSIX locks, not OFD locks");

    // Splitting and joining, seen from the other kind.
    set_lock(a, F_SETLK, F_WRLCK, 0, 10);
    set_lock(a, F_SETLK, F_UNLCK, 3, 2);
    EXPECT_LOCK(query(b, F_OFD_GETLK, 0, 0), F_WRLCK, 0, 3, pid);
    EXPECT_LOCK(query(b, F_OFD_GETLK, 3, 2), F_UNLCK, 0, 0, 0);
    EXPECT_LOCK(query(b, F_OFD_GETLK, 4, 0), F_WRLCK, 5, 5, pid);
    set_lock(a, F_SETLK, F_WRLCK, 3, 2);  // fills the hole: one lock again
    EXPECT_LOCK(query(b, F_OFD_GETLK, 0, 0), F_WRLCK, 0, 10, pid);
    set_lock(a, F_SETLK, F_RDLCK, 4, 1);  // a read lock in the middle splits the write lock
    EXPECT_LOCK(query(b, F_OFD_GETLK, 4, 1), F_RDLCK, 4, 1, pid);
    EXPECT_LOCK(query(b, F_OFD_GETLK, 5, 0), F_WRLCK, 5, 5, pid);
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 1};
    OK(fcntl(b, F_OFD_SETLK, &fl));
    set_lock(b, F_OFD_SETLK, F_UNLCK, 0, 0);
    set_lock(a, F_SETLK, F_UNLCK, 0, 0);
    set_lock(b, F_OFD_SETLK, F_WRLCK, 0, 5);
    set_lock(b, F_OFD_SETLK, F_WRLCK, 5, 5);  // adjacent: joined
    EXPECT_LOCK(query(a, F_GETLK, 0, 0), F_WRLCK, 0, 10, -1);
    set_lock(b, F_OFD_SETLK, F_UNLCK, 2, 0);  // to the end of the file
    EXPECT_LOCK(query(a, F_GETLK, 0, 0), F_WRLCK, 0, 2, -1);
    set_lock(b, F_OFD_SETLK, F_UNLCK, 0, 0);
    EXPECT_LOCK(query(a, F_GETLK, 0, 0), F_UNLCK, 0, 0, 0);
    ok("record locks split when a range is cleared or changes kind in the middle, join when "
       "adjacent, and F_GETLK reports the joined range");

    // F_SETLKW waits for an OFD lock of the same process held through another open file.
    set_lock(b, F_OFD_SETLK, F_WRLCK, 0, 0);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, unlock_ofd_later, (void *)(intptr_t)b) == 0, "pthread_create");
    set_lock(a, F_SETLKW, F_WRLCK, 0, 1);
    pthread_join(t, NULL);
    EXPECT_LOCK(query(b, F_OFD_GETLK, 0, 0), F_WRLCK, 0, 1, pid);
    set_lock(a, F_SETLK, F_UNLCK, 0, 0);
    ok("F_SETLKW sleeps until an OFD lock on another open file of the process is released");

    // F_OFD_GETLK with F_UNLCK reports the open file's own lock (Linux 6.10 and later).
    set_lock(a, F_OFD_SETLK, F_RDLCK, 2, 3);
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 0};
    OK(fcntl(a, F_OFD_GETLK, &fl));
    EXPECT_LOCK(fl, F_RDLCK, 2, 3, -1);
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 0};
    OK(fcntl(b, F_OFD_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 0};
    OK(fcntl(a, F_OFD_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    set_lock(a, F_OFD_SETLK, F_UNLCK, 0, 0);
    ok("F_OFD_GETLK with F_UNLCK reports the open file's own lock on the range");

    // Argument errors.
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    ERR(fcntl(a, F_GETLK, &fl), EINVAL);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 1};
    ERR(fcntl(a, F_OFD_SETLK, &fl), EINVAL);
    fl = (struct flock){.l_type = 7, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    ERR(fcntl(a, F_SETLK, &fl), EINVAL);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = -1, .l_len = 1};
    ERR(fcntl(a, F_SETLK, &fl), EINVAL);
    int ro = OK(open("lockfile", O_RDONLY));
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    ERR(fcntl(ro, F_SETLK, &fl), EBADF);
    ERR(fcntl(ro, F_OFD_SETLK, &fl), EBADF);
    close(ro);
    ok("record lock errors: EINVAL for an F_UNLCK F_GETLK, a pid in OFD requests, a bad type or a "
       "negative start; EBADF for a write lock on a read-only descriptor");
    close(a);
    close(b);
}

int main(void) {
    make_test_dir();
    write_file("lockfile", "0123456789");
    int a = OK(open("lockfile", O_RDWR));
    int b = OK(open("lockfile", O_RDWR));

    OK(flock(a, LOCK_SH));
    OK(flock(b, LOCK_SH | LOCK_NB));
    ERR(flock(b, LOCK_EX | LOCK_NB), EWOULDBLOCK);
    OK(flock(a, LOCK_UN));
    OK(flock(b, LOCK_EX | LOCK_NB));
    ERR(flock(a, LOCK_SH | LOCK_NB), EWOULDBLOCK);
    int dupb = OK(dup(b));
    OK(flock(dupb, LOCK_EX | LOCK_NB));  // the same open file: no conflict
    OK(close(b));
    ERR(flock(a, LOCK_EX | LOCK_NB), EWOULDBLOCK);  // still held through the dup
    OK(close(dupb));
    OK(flock(a, LOCK_EX | LOCK_NB));  // released with the last descriptor
    OK(flock(a, LOCK_UN));
    ERR(flock(999, LOCK_SH), EBADF);
    ERR(flock(a, 0), EINVAL);
    ok("flock: shared and exclusive between open files, LOCK_NB EWOULDBLOCK, held until the "
       "last descriptor closes");

    // Classic POSIX locks: within one process they never conflict; F_GETLK says F_UNLCK.
    b = OK(open("lockfile", O_RDWR));
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    OK(fcntl(a, F_SETLK, &fl));
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    OK(fcntl(b, F_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    OK(fcntl(a, F_SETLK, &fl));
    ok("F_SETLK/F_GETLK: a process's own record locks do not conflict with it");

    // OFD locks conflict between open files.
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 2, .l_len = 3};
    OK(fcntl(a, F_OFD_SETLK, &fl));
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    OK(fcntl(b, F_OFD_GETLK, &fl));
    EQ(fl.l_type, F_WRLCK);
    EQ(fl.l_start, 2);
    EQ(fl.l_len, 3);
    EQ(fl.l_pid, -1);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 5, .l_len = 5};
    OK(fcntl(b, F_OFD_SETLK, &fl));  // no overlap
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 4, .l_len = 1};
    ERR(fcntl(b, F_OFD_SETLK, &fl), EAGAIN);
    fl = (struct flock){.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 2};
    OK(fcntl(b, F_OFD_SETLK, &fl));
    ok("OFD locks: F_OFD_GETLK reports the conflicting range, non-overlapping ranges coexist, "
       "an overlap is EAGAIN");

    // A blocking F_OFD_SETLKW waits for the unlock from another thread.
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, unlock_later, (void *)(intptr_t)a) == 0, "pthread_create");
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 3, .l_len = 1};
    OK(fcntl(b, F_OFD_SETLKW, &fl));
    pthread_join(t, NULL);
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    OK(fcntl(a, F_OFD_GETLK, &fl));
    CHECK(fl.l_type != F_UNLCK, "b's locks do not show in F_OFD_GETLK");
    fl = (struct flock){.l_type = F_UNLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    OK(fcntl(b, F_OFD_SETLK, &fl));
    fl = (struct flock){.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0};
    OK(fcntl(a, F_OFD_GETLK, &fl));
    EQ(fl.l_type, F_UNLCK);
    ok("F_OFD_SETLKW sleeps until another open file's lock is released");
    close(a);
    close(b);
    posix_and_ofd();
    return 0;
}
