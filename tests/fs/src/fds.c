// Descriptors: the lowest free number is used, dup/dup2/dup3 and fcntl F_DUPFD and
// F_DUPFD_CLOEXEC share the open file (offset and status flags) but not FD_CLOEXEC, dup2
// onto an open descriptor closes it, close_range (also with CLOSE_RANGE_CLOEXEC).
#include "fs_test.h"


int main(void) {
    make_test_dir();
    write_file("f", "0123456789");

    // The lowest free number.
    int a = OK(open("f", O_RDONLY));
    int b = OK(open("f", O_RDONLY));
    EQ(b, a + 1);
    OK(close(a));
    int c = OK(open("f", O_RDONLY));
    EQ(c, a);
    OK(close(b));
    OK(close(c));
    ok("open returns the lowest free descriptor");

    int fd = OK(open("f", O_RDWR));
    int d = OK(dup(fd));
    CHECK(d != fd, "dup returned the same number");
    char buf[16];
    EQ(read(fd, buf, 3), 3);
    EQ(lseek(d, 0, SEEK_CUR), 3);
    EQ(read(d, buf, 2), 2);
    CHECK(memcmp(buf, "34", 2) == 0, "dup does not share the offset");
    EQ(lseek(fd, 0, SEEK_CUR), 5);
    OK(fcntl(d, F_SETFL, O_APPEND));
    EQ(fcntl(fd, F_GETFL) & O_APPEND, O_APPEND);
    OK(fcntl(d, F_SETFL, 0));
    OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
    EQ(fcntl(d, F_GETFD), 0);
    OK(close(fd));
    EQ(read(d, buf, 2), 2);  // the file stays open through the other descriptor
    CHECK(memcmp(buf, "56", 2) == 0, "read after closing the original wrong");
    ok("dup shares offset and status flags, not FD_CLOEXEC; the file lives while one is open");

    // dup2.
    int other = OK(open("f", O_RDONLY));
    EQ(dup2(d, other), other);  // closes `other`'s file, then shares d's
    EQ(lseek(other, 0, SEEK_CUR), 7);
    EQ(dup2(d, d), d);
    EQ(dup2(d, 100), 100);
    EQ(lseek(100, 0, SEEK_CUR), 7);
    EQ(fcntl(100, F_GETFD), 0);
    ERR(dup2(d, -1), EBADF);
    ERR(dup2(d, 1 << 30), EBADF);
    ok("dup2 onto an open descriptor replaces it, onto itself is a no-op, onto 100 works");

    // dup3.
    EQ(dup3(d, 101, O_CLOEXEC), 101);
    EQ(fcntl(101, F_GETFD), FD_CLOEXEC);
    EQ(dup3(d, 101, 0), 101);
    EQ(fcntl(101, F_GETFD), 0);
    ERR(dup3(d, d, 0), EINVAL);
    ERR(syscall(SYS_dup3, d, 102, O_NONBLOCK), EINVAL);  // raw: libc wrappers differ
    ok("dup3 with and without O_CLOEXEC; EINVAL onto itself or with other flags");

    // F_DUPFD and F_DUPFD_CLOEXEC: the lowest free number at or above the argument.
    int e = OK(fcntl(d, F_DUPFD, 50));
    EQ(e, 50);
    int f = OK(fcntl(d, F_DUPFD, 50));
    EQ(f, 51);
    EQ(fcntl(f, F_GETFD), 0);
    int g = OK(fcntl(d, F_DUPFD_CLOEXEC, 50));
    EQ(g, 52);
    EQ(fcntl(g, F_GETFD), FD_CLOEXEC);
    EQ(lseek(g, 0, SEEK_CUR), 7);
    ERR(fcntl(d, F_DUPFD, -1), EINVAL);
    ok("F_DUPFD and F_DUPFD_CLOEXEC take the lowest free number >= the argument");

    // F_GETFL/F_SETFL only change the settable flags.
    int rd = OK(open("f", O_RDONLY));
    OK(fcntl(rd, F_SETFL, O_RDWR | O_NONBLOCK));
    EQ(fcntl(rd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
    ERR(write(rd, "x", 1), EBADF);
    close(rd);
    ok("F_SETFL cannot change the access mode");

    // close_range.
    for (int i = 60; i < 70; i++)
        EQ(dup2(d, i), i);
    OK(syscall(SYS_close_range, 60, 64, 0));
    for (int i = 60; i < 70; i++)
        EQ(fcntl(i, F_GETFD) >= 0, i >= 65);
    OK(syscall(SYS_close_range, 65, 69, CLOSE_RANGE_CLOEXEC));
    for (int i = 65; i < 70; i++)
        EQ(fcntl(i, F_GETFD), FD_CLOEXEC);
    OK(syscall(SYS_close_range, 65, ~0U, 0));
    for (int i = 65; i < 110; i++)
        ERR(fcntl(i, F_GETFD), EBADF);
    ERR(syscall(SYS_close_range, 10, 5, 0), EINVAL);
    ok("close_range closes a range, marks one close-on-exec, and closes to ~0U");

    // Many descriptors at once.
    int fds[500];
    for (int i = 0; i < 500; i++)
        fds[i] = OK(dup(d));
    for (int i = 0; i < 500; i++)
        OK(close(fds[i]));
    ok("500 descriptors open at once");
    (void)e;
    return 0;
}
