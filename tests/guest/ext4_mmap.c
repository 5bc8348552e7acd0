// MAP_SHARED mappings of ext4 files (docs/storage.md, "Shared mappings of disk files"),
// run on a volume mounted on /data: two mappings and read(2)/write(2) see the same
// bytes; a forked child's writes through its mapping reach the parent; msync writes
// them to the disk (the host reads the file back with debugfs); a truncate makes the
// pages past the end SIGBUS; what a mapping wrote without msync is in the file after
// munmap and close; a read-only shared mapping of a large file (the JVM's modules file is
// one) reads what the file holds.
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "volume_program.h"

static sigjmp_buf g_bus;
static void on_bus(int signal) { siglongjmp(g_bus, signal); }

static void expect(int ok, const char* what) {
    if (!ok) {
        fprintf(stderr, "FAIL: %s\n", what);
        exit(1);
    }
}

int main(int argc, char** argv) {
    // "hold": stop after the writes the host checks with QEMU killed (nothing written
    // back at exit or power-off can then help), and wait to be killed.
    int hold = argc > 1 && strcmp(argv[1], "hold") == 0;
    const char* path = "/data/shared";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail("open", path);
    (void)mix;
    static char page[12288];
    for (int i = 0; i < 12288; i++) page[i] = (char)('a' + i % 26);
    if (write(fd, page, sizeof page) != (ssize_t)sizeof page) fail("write", path);
    char* one = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    char* two = mmap(NULL, 12288, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (one == MAP_FAILED || two == MAP_FAILED) fail("mmap", path);
    expect(memcmp(one, page, 8192) == 0, "the mapping holds the file's bytes");
    memcpy(one + 100, "through one", 11);
    expect(memcmp(two + 100, "through one", 11) == 0, "a second mapping sees the first's write");
    char back[16] = {0};
    expect(pread(fd, back, 11, 100) == 11 && memcmp(back, "through one", 11) == 0, "read(2) sees a mapping's write");
    expect(pwrite(fd, "by pwrite", 9, 5000) == 9, "pwrite");
    expect(memcmp(one + 5000, "by pwrite", 9) == 0, "a mapping sees write(2)");

    pid_t child = fork();
    if (child == 0) {
        memcpy(two + 6000, "from the child", 14);
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child ran");
    expect(memcmp(one + 6000, "from the child", 14) == 0, "the parent sees the child's write");
    if (msync(one, 12288, MS_SYNC) != 0) fail("msync", path);

    // Cut to one page: the third page, never touched, is past the end and raises SIGBUS,
    // as on Linux. (A page a mapping still has reads zeros instead: docs/storage.md.)
    if (ftruncate(fd, 4096) != 0) fail("ftruncate", path);
    signal(SIGBUS, on_bus);
    int caught = sigsetjmp(g_bus, 1);
    if (!caught) {
        volatile char c = one[8192 + 10];
        (void)c;
        expect(0, "a page past the end of the file did not raise SIGBUS");
    }
    expect(caught == SIGBUS, "SIGBUS past the end");
    signal(SIGBUS, SIG_DFL);
    munmap(one, 12288);
    munmap(two, 12288);
    close(fd);

    // Written through a mapping, then only munmap and close: in the file afterwards.
    fd = open("/data/unsynced", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 4096) != 0) fail("create", "/data/unsynced");
    char* map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) fail("mmap", "/data/unsynced");
    memcpy(map, "kept without msync", 18);
    munmap(map, 4096);
    close(fd);
    if (hold) {
        printf("closed\n");
        fflush(stdout);
        for (;;) pause();
    }

    // A large file mapped read-only and shared, read at its far end.
    fd = open("/data/large", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail("open", "/data/large");
    static char chunk[1 << 20];
    for (int i = 0; i < 24; i++) {
        memset(chunk, 'A' + i, sizeof chunk);
        if (write(fd, chunk, sizeof chunk) != (ssize_t)sizeof chunk) fail("write", "/data/large");
    }
    close(fd);
    fd = open("/data/large", O_RDONLY);
    char* large = mmap(NULL, 24 << 20, PROT_READ, MAP_SHARED, fd, 0);
    if (large == MAP_FAILED) fail("mmap", "/data/large");
    for (int i = 0; i < 24; i++) expect(large[(i << 20) + 12345] == 'A' + i, "the large mapping reads the file");
    expect(mprotect(large, 4096, PROT_READ | PROT_WRITE) != 0 && errno == EACCES,
           "a read-only file's shared mapping cannot become writable");
    munmap(large, 24 << 20);
    close(fd);
    printf("ok: shared mappings of ext4 files\n");
    return 0;
}
