// Pipes, eventfd, memfd and in-kernel copies: pipe/pipe2 (flags, EOF, EPIPE and SIGPIPE,
// ioctl FIONREAD and FIONBIO, a non-blocking writer filling the pipe), eventfd2 (counter,
// EFD_SEMAPHORE, EFD_NONBLOCK), memfd_create, sendfile (file to file, file to pipe, with an
// offset), copy_file_range (with and without offsets).
#include "fs_test.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>

static volatile sig_atomic_t g_sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    g_sigpipes++;
}

static void pipes(void) {
    int p[2];
    OK(pipe(p));
    EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
    EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
    EQ(fcntl(p[0], F_GETFD), 0);
    struct stat st;
    OK(fstat(p[0], &st));
    CHECK(S_ISFIFO(st.st_mode), "a pipe is not S_IFIFO (mode %o)", st.st_mode);
    int avail = -1;
    OK(ioctl(p[0], FIONREAD, &avail));
    EQ(avail, 0);
    EQ(write(p[1], "hello", 5), 5);
    EQ(write(p[1], " pipe", 5), 5);
    OK(ioctl(p[0], FIONREAD, &avail));
    EQ(avail, 10);
    char buf[128];
    EQ(read(p[0], buf, 3), 3);
    OK(ioctl(p[0], FIONREAD, &avail));
    EQ(avail, 7);
    EQ(read(p[0], buf, sizeof buf), 7);  // returns what is there, not the whole buffer
    CHECK(memcmp(buf, "lo pipe", 7) == 0, "pipe data wrong");
    ERR(write(p[0], "x", 1), EBADF);
    ERR(read(p[1], buf, 1), EBADF);
    OK(close(p[1]));
    EQ(read(p[0], buf, sizeof buf), 0);
    EQ(read(p[0], buf, sizeof buf), 0);
    OK(close(p[0]));
    ok("pipe: S_IFIFO, FIONREAD, partial reads, wrong-end EBADF, EOF after the writer closes");

    OK(pipe2(p, O_CLOEXEC | O_NONBLOCK));
    EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
    EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
    EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    ERR(read(p[0], buf, 1), EAGAIN);
    int off = 0;
    OK(ioctl(p[0], FIONBIO, &off));
    EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
    int on = 1;
    OK(ioctl(p[0], FIONBIO, &on));
    EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    ERR(pipe2(p, O_APPEND), EINVAL);
    ok("pipe2 O_CLOEXEC and O_NONBLOCK; FIONBIO sets and clears O_NONBLOCK; EINVAL for bad flags");

    // Fill the pipe from a non-blocking writer: EAGAIN when full; never a partial PIPE_BUF write.
    size_t total = 0;
    char chunk[1000];
    memset(chunk, 'p', sizeof chunk);
    for (;;) {
        ssize_t n = write(p[1], chunk, sizeof chunk);
        if (n < 0) {
            EQ(errno, EAGAIN);
            break;
        }
        EQ(n, sizeof chunk);  // <= PIPE_BUF: all or nothing
        total += n;
        CHECK(total < (64u << 20), "the pipe never fills");
    }
    CHECK(total >= 4096, "pipe holds only %zu bytes", total);
    OK(ioctl(p[0], FIONREAD, &avail));
    EQ(avail, total);
    size_t drained = 0;
    for (;;) {
        ssize_t n = read(p[0], buf, sizeof buf);
        if (n < 0) {
            EQ(errno, EAGAIN);
            break;
        }
        drained += n;
    }
    EQ(drained, total);
    ok("a non-blocking writer fills the pipe in whole PIPE_BUF-sized writes until EAGAIN");

    // EPIPE and SIGPIPE.
    struct sigaction sa = {.sa_handler = on_sigpipe};
    OK(sigaction(SIGPIPE, &sa, NULL));
    OK(close(p[0]));
    ERR(write(p[1], "x", 1), EPIPE);
    EQ(g_sigpipes, 1);
    OK(close(p[1]));
    ok("writing to a pipe with no reader: EPIPE and SIGPIPE");
}

static void eventfds(void) {
    int fd = OK(eventfd(5, 0));
    uint64_t v = 0;
    EQ(read(fd, &v, sizeof v), 8);
    EQ(v, 5);
    v = 3;
    EQ(write(fd, &v, 8), 8);
    v = 4;
    EQ(write(fd, &v, 8), 8);
    EQ(read(fd, &v, 8), 8);
    EQ(v, 7);
    char small[4];
    ERR(read(fd, small, sizeof small), EINVAL);
    v = UINT64_MAX;
    ERR(write(fd, &v, 8), EINVAL);
    OK(close(fd));
    ok("eventfd: reads return and reset the counter, writes add; EINVAL for short reads and ~0");

    fd = OK(eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    for (int i = 0; i < 3; i++) {
        EQ(read(fd, &v, 8), 8);
        EQ(v, 1);
    }
    ERR(read(fd, &v, 8), EAGAIN);
    OK(close(fd));
    fd = OK(eventfd(0, EFD_NONBLOCK));
    ERR(read(fd, &v, 8), EAGAIN);
    v = UINT64_MAX - 1;
    EQ(write(fd, &v, 8), 8);
    v = 1;
    ERR(write(fd, &v, 8), EAGAIN);  // would overflow: a non-blocking writer gets EAGAIN
    OK(close(fd));
    ok("eventfd: EFD_SEMAPHORE reads 1 at a time; EFD_NONBLOCK reads EAGAIN at 0, writes at the "
       "maximum");
}

static void memfds(void) {
    int fd = OK(memfd_create("osprey-test", MFD_CLOEXEC));
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct stat st;
    OK(fstat(fd, &st));
    EQ(st.st_size, 0);
    CHECK(S_ISREG(st.st_mode), "a memfd is not a regular file");
    EQ(write(fd, "memory file", 11), 11);
    OK(ftruncate(fd, 8192));
    char *map = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(map != MAP_FAILED, "mmap of a memfd: %s", errno_name(errno));
    CHECK(memcmp(map, "memory file", 11) == 0, "memfd mapping lacks the written data");
    memcpy(map + 4096, "via map", 7);
    char buf[16] = {0};
    EQ(pread(fd, buf, 7, 4096), 7);
    STREQ(buf, "via map");
    OK(munmap(map, 8192));
    EQ(lseek(fd, 0, SEEK_END), 8192);
    OK(close(fd));
    ok("memfd_create: a regular file with data, ftruncate and a shared mapping");
}

static void copies(void) {
    char data[100000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)('a' + i % 26);
    int src = OK(open("src", O_RDWR | O_CREAT | O_TRUNC, 0644));
    EQ(write(src, data, sizeof data), sizeof data);

    // sendfile file to file from the current offset, then with an offset pointer.
    int dst = OK(open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644));
    OK(lseek(src, 10, SEEK_SET));
    EQ(sendfile(dst, src, NULL, 50000), 50000);
    EQ(lseek(src, 0, SEEK_CUR), 50010);
    char buf[100000];
    EQ(pread(dst, buf, sizeof buf, 0), 50000);
    CHECK(memcmp(buf, data + 10, 50000) == 0, "sendfile copied the wrong bytes");
    off_t offset = 99990;
    EQ(sendfile(dst, src, &offset, 100), 10);  // stops at the end of the source
    EQ(offset, 100000);
    EQ(lseek(src, 0, SEEK_CUR), 50010);  // with an offset pointer the file offset stays
    EQ(sendfile(dst, src, &offset, 100), 0);
    ok("sendfile file to file: from the offset, with an offset pointer, stops at EOF");

    // sendfile into a pipe.
    int p[2];
    OK(pipe(p));
    offset = 26;
    EQ(sendfile(p[1], src, &offset, 26), 26);
    EQ(read(p[0], buf, sizeof buf), 26);
    CHECK(memcmp(buf, "abcdefghijklmnopqrstuvwxyz", 26) == 0, "sendfile to a pipe wrong");
    close(p[0]);
    close(p[1]);
    ok("sendfile into a pipe");

    // copy_file_range.
    int dst2 = OK(open("dst2", O_RDWR | O_CREAT | O_TRUNC, 0644));
    loff_t in_off = 1000, out_off = 5;
    EQ(syscall(SYS_copy_file_range, src, &in_off, dst2, &out_off, 30000, 0), 30000);
    EQ(in_off, 31000);
    EQ(out_off, 30005);
    struct stat st;
    OK(fstat(dst2, &st));
    EQ(st.st_size, 30005);
    EQ(pread(dst2, buf, sizeof buf, 0), 30005);
    CHECK(memcmp(buf, "\0\0\0\0\0", 5) == 0, "copy_file_range: the gap is not zero");
    CHECK(memcmp(buf + 5, data + 1000, 30000) == 0, "copy_file_range copied the wrong bytes");
    OK(lseek(src, 0, SEEK_SET));
    OK(lseek(dst2, 0, SEEK_SET));
    EQ(syscall(SYS_copy_file_range, src, NULL, dst2, NULL, 7, 0), 7);
    EQ(lseek(src, 0, SEEK_CUR), 7);
    EQ(lseek(dst2, 0, SEEK_CUR), 7);
    EQ(pread(dst2, buf, 7, 0), 7);
    CHECK(memcmp(buf, "abcdefg", 7) == 0, "copy_file_range without offsets wrong");
    in_off = 100000;
    EQ(syscall(SYS_copy_file_range, src, &in_off, dst2, NULL, 10, 0), 0);
    ERR(syscall(SYS_copy_file_range, src, NULL, dst2, NULL, 10, 1), EINVAL);
    int ro = OK(open("dst2", O_RDONLY));
    ERR(syscall(SYS_copy_file_range, src, NULL, ro, NULL, 10, 0), EBADF);
    close(ro);
    close(dst2);
    close(dst);
    close(src);
    ok("copy_file_range with offsets (filling a gap with zeros) and from the file offsets; 0 at "
       "EOF; EINVAL for flags, EBADF for a read-only target");
}

int main(void) {
    make_test_dir();
    pipes();
    eventfds();
    memfds();
    copies();
    return 0;
}
