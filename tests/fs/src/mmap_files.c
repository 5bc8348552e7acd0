// mmap of files on tmpfs (/tmp in Osprey, /dev/shm on both) and on the root file system (a
// file next to this binary): MAP_PRIVATE copy-on-write never reaches the file or other
// mappings; MAP_SHARED stores are visible to read() and to other mappings, write() is
// visible in the mapping, msync, growing the file under a mapping, SIGBUS past the end,
// and this binary's own pages mapped read-only equal what read() returns.
#include "fs_test.h"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

enum { PAGE = 4096, SIZE = 4 * PAGE };

static void fill(int fd) {
    char buf[SIZE];
    for (int i = 0; i < SIZE; i++)
        buf[i] = (char)('A' + i % 23);
    EQ(pwrite(fd, buf, SIZE, 0), SIZE);
}

static char at(int fd, off_t off) {
    char c;
    EQ(pread(fd, &c, 1, off), 1);
    return c;
}

static sigjmp_buf g_jump;
static void on_sigbus(int sig) {
    siglongjmp(g_jump, sig);
}

static void on_file(const char *path, const char *where) {
    remove_at_exit(path);
    int fd = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0644));
    fill(fd);

    // MAP_PRIVATE: reads see the file; writes are private copies.
    char *priv = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    REQUIRE(priv != MAP_FAILED, "mmap private: %s", errno_name(errno));
    char *priv2 = mmap(NULL, SIZE, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(priv2 != MAP_FAILED, "mmap private 2: %s", errno_name(errno));
    EQ(priv[0], 'A');
    EQ(priv[PAGE + 1], 'A' + (PAGE + 1) % 23);
    priv[1] = 'x';
    priv[3 * PAGE] = 'y';
    EQ(priv[1], 'x');
    EQ(at(fd, 1), 'B');
    EQ(at(fd, 3 * PAGE), 'A' + (3 * PAGE) % 23);
    EQ(priv2[1], 'B');
    ok("%s: MAP_PRIVATE reads the file; its writes reach neither the file nor another mapping",
       where);

    // A write() to the file after a private page was copied does not change the copy.
    EQ(pwrite(fd, "W", 1, 1), 1);
    EQ(priv[1], 'x');
    ok("%s: a private copy keeps its data when the file changes", where);

    // MAP_SHARED: both directions, and between two mappings.
    char *shared = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(shared != MAP_FAILED, "mmap shared: %s", errno_name(errno));
    char *shared2 = mmap(NULL, SIZE, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(shared2 != MAP_FAILED, "mmap shared 2: %s", errno_name(errno));
    EQ(shared[1], 'W');
    shared[2 * PAGE + 5] = 'S';
    EQ(at(fd, 2 * PAGE + 5), 'S');
    EQ(shared2[2 * PAGE + 5], 'S');
    EQ(pwrite(fd, "R", 1, PAGE + 7), 1);
    EQ(shared[PAGE + 7], 'R');
    OK(msync(shared, SIZE, MS_SYNC));
    OK(msync(shared, PAGE, MS_ASYNC));
    OK(msync(shared, PAGE, MS_INVALIDATE));
    ok("%s: MAP_SHARED stores reach read() and another mapping; write() reaches the mapping; msync",
       where);

    // An offset mapping.
    char *off = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE);
    REQUIRE(off != MAP_FAILED, "mmap at an offset: %s", errno_name(errno));
    EQ(off[5], 'S');
    ERR((long)mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100), EINVAL);
    OK(munmap(off, PAGE));
    ok("%s: a mapping at a page offset; EINVAL for an unaligned offset", where);

    // Changes through a shared mapping survive munmap and close.
    OK(munmap(shared, SIZE));
    OK(munmap(shared2, SIZE));
    OK(munmap(priv, SIZE));
    OK(munmap(priv2, SIZE));
    close(fd);
    fd = OK(open(path, O_RDONLY));
    EQ(at(fd, 2 * PAGE + 5), 'S');
    EQ(at(fd, 1), 'W');
    close(fd);
    ok("%s: shared stores survive munmap and close", where);

    // Past the end of the file: the rest of the last page reads as zeros, whole pages past the
    // end raise SIGBUS; growing the file makes them readable.
    fd = OK(open(path, O_RDWR | O_TRUNC));
    EQ(write(fd, "short", 5), 5);
    char *m = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    REQUIRE(m != MAP_FAILED, "mmap past the end: %s", errno_name(errno));
    EQ(m[4], 't');
    EQ(m[5], 0);
    EQ(m[PAGE - 1], 0);
    struct sigaction sa = {.sa_handler = on_sigbus}, old;
    OK(sigaction(SIGBUS, &sa, &old));
    int sig = sigsetjmp(g_jump, 1);
    if (sig == 0) {
        volatile char c = m[PAGE];
        (void)c;
        FAIL("%s: reading a page past the end did not raise SIGBUS", where);
    }
    EQ(sig, SIGBUS);
    OK(sigaction(SIGBUS, &old, NULL));
    OK(ftruncate(fd, 2 * PAGE));
    EQ(m[PAGE], 0);
    m[PAGE + 1] = 'G';
    EQ(at(fd, PAGE + 1), 'G');
    OK(munmap(m, 2 * PAGE));
    close(fd);
    ok("%s: zeros to the end of the last page, SIGBUS past it, readable after ftruncate", where);

    // Read-only opens map read-only only.
    fd = OK(open(path, O_RDONLY));
    ERR((long)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), EACCES);
    char *ro = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    REQUIRE(ro != MAP_FAILED, "private writable map of a read-only fd: %s", errno_name(errno));
    ro[0] = 'p';
    OK(munmap(ro, PAGE));
    close(fd);
    fd = OK(open(path, O_WRONLY));
    ERR((long)mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0), EACCES);
    close(fd);
    ok("%s: EACCES for a shared writable map of a read-only fd and any map of a write-only fd",
       where);
    OK(unlink(path));
}

static void own_binary(const char *path) {
    int fd = OK(open(path, O_RDONLY));
    struct stat st;
    OK(fstat(fd, &st));
    CHECK(st.st_size > 16384, "the binary is only %ld bytes", (long)st.st_size);
    size_t len = st.st_size;
    unsigned char *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    REQUIRE(m != MAP_FAILED, "mmap of the binary: %s", errno_name(errno));
    unsigned char *buf = malloc(len);
    EQ(pread(fd, buf, len, 0), len);
    CHECK(memcmp(m, buf, len) == 0, "the mapped binary differs from what read() returns");
    CHECK(memcmp(m, "\177ELF", 4) == 0, "the mapped binary has no ELF header");
    // A MAP_SHARED read-only map of the same file agrees.
    unsigned char *s = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    REQUIRE(s != MAP_FAILED, "shared mmap of the binary: %s", errno_name(errno));
    CHECK(memcmp(s, buf, len) == 0, "the shared map of the binary differs from read()");
    OK(munmap(m, len));
    OK(munmap(s, len));
    free(buf);
    close(fd);
    ok("this binary mapped private and shared equals what read() returns");
}

int main(int argc, char **argv) {
    (void)argc;
    make_test_dir();
    on_file("file", "/tmp");
    char path[PATH_MAX];
    snprintf(path, sizeof path, "/dev/shm/osprey-fs-test-mmap-%d", (int)getpid());
    on_file(path, "/dev/shm");
    snprintf(path, sizeof path, "%s/osprey-fs-test-mmap-%d", exe_dir(argv[0]), (int)getpid());
    on_file(path, "root");
    own_binary(argv[0]);
    return 0;
}
