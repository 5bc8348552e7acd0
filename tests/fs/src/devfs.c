// devfs (kept apart: being written): null, zero, full, random, urandom, tty and console
// device numbers and behaviour, and the stdin/stdout/stderr/fd links into /proc/self/fd.
#include "fs_test.h"

#include <sys/mman.h>
#include <sys/sysmacros.h>

static void char_device(const char *path, unsigned major_no, unsigned minor_no) {
    struct stat st;
    if (stat(path, &st) != 0) {
        FAIL("stat %s: %s", path, errno_name(errno));
        return;
    }
    CHECK(S_ISCHR(st.st_mode), "%s is not a character device (mode %o)", path, st.st_mode);
    CHECK(major(st.st_rdev) == major_no && minor(st.st_rdev) == minor_no,
          "%s is %u:%u, expected %u:%u", path, major(st.st_rdev), minor(st.st_rdev), major_no,
          minor_no);
}

static void link_to(const char *path, const char *target) {
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof buf - 1);
    if (n < 0) {
        FAIL("readlink %s: %s", path, errno_name(errno));
        return;
    }
    buf[n] = 0;
    STREQ(buf, target);
}

int main(void) {
    char_device("/dev/null", 1, 3);
    char_device("/dev/zero", 1, 5);
    char_device("/dev/full", 1, 7);
    char_device("/dev/random", 1, 8);
    char_device("/dev/urandom", 1, 9);
    char_device("/dev/tty", 5, 0);
    char_device("/dev/console", 5, 1);
    ok("null, zero, full, random, urandom, tty, console are character devices with Linux's numbers");

    char buf[4096];
    int fd = OK(open("/dev/null", O_RDWR));
    EQ(write(fd, "discarded", 9), 9);
    EQ(read(fd, buf, sizeof buf), 0);
    EQ(lseek(fd, 100, SEEK_SET), 0);
    close(fd);
    ok("/dev/null: writes vanish, reads are EOF");

    fd = OK(open("/dev/zero", O_RDWR));
    memset(buf, 0x55, sizeof buf);
    EQ(read(fd, buf, sizeof buf), sizeof buf);
    for (size_t i = 0; i < sizeof buf; i++)
        if (buf[i]) {
            FAIL("/dev/zero byte %zu is %d", i, buf[i]);
            break;
        }
    EQ(write(fd, buf, 100), 100);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
        FAIL("mmap /dev/zero: %s", errno_name(errno));
    } else {
        EQ(m[0] | m[8191], 0);
        m[1] = 1;
        munmap(m, 8192);
    }
    close(fd);
    ok("/dev/zero: reads zeros, takes writes, maps as zero pages");

    fd = OK(open("/dev/full", O_RDWR));
    ERR(write(fd, "x", 1), ENOSPC);
    buf[0] = 1;
    EQ(read(fd, buf, 16), 16);
    EQ(buf[0], 0);
    close(fd);
    ok("/dev/full: writes fail with ENOSPC, reads give zeros");

    for (int r = 0; r < 2; r++) {
        const char *path = r ? "/dev/random" : "/dev/urandom";
        unsigned char a[64], b[64];
        fd = OK(open(path, O_RDONLY));
        EQ(read(fd, a, sizeof a), sizeof a);
        EQ(read(fd, b, sizeof b), sizeof b);
        CHECK(memcmp(a, b, sizeof a) != 0, "%s gave the same 64 bytes twice", path);
        int zeros = 0;
        for (size_t i = 0; i < sizeof a; i++)
            zeros += a[i] == 0;
        CHECK(zeros < 16, "%s: %d of 64 bytes are 0", path, zeros);
        close(fd);
    }
    ok("/dev/random and /dev/urandom give differing random bytes");

    link_to("/dev/stdin", "/proc/self/fd/0");
    link_to("/dev/stdout", "/proc/self/fd/1");
    link_to("/dev/stderr", "/proc/self/fd/2");
    link_to("/dev/fd", "/proc/self/fd");
    ok("/dev/stdin, stdout, stderr and fd link into /proc/self/fd");

    // Opening /dev/stdout opens what descriptor 1 is (not written to: a reopened file starts
    // at offset 0 and would overwrite the output).
    struct stat st, out;
    fd = OK(open("/dev/stdout", O_WRONLY));
    OK(fstat(fd, &st));
    OK(fstat(1, &out));
    EQ(st.st_ino, out.st_ino);
    EQ(st.st_dev, out.st_dev);
    close(fd);
    ok("opening /dev/stdout opens standard output's file");

    OK(stat("/dev", &st));
    CHECK(S_ISDIR(st.st_mode), "/dev is not a directory");
    OK(stat("/dev/shm", &st));
    CHECK(S_ISDIR(st.st_mode), "/dev/shm is not a directory");
    ok("/dev and /dev/shm are directories");
    return 0;
}
