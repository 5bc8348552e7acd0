// File locks (kept apart: being added): flock shared/exclusive between two open files,
// LOCK_NB conflicts with EWOULDBLOCK, unlock; fcntl F_SETLK/F_GETLK record locks checked
// through OFD locks (F_OFD_SETLK/F_OFD_GETLK, which conflict between open files of one
// process, unlike classic POSIX locks), byte ranges, and a blocking F_OFD_SETLKW woken by an
// unlock from another thread.
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
    return 0;
}
