// read/write between a file and a mapping of a file (the same one, or another that a second
// thread reads into the first's mapping): the copy faults in the mapped page, which reads
// the file while the copy is in progress. Linux completes all of them.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define ROUNDS 300

static int make_file(const char* tag, int fill) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/mapped_io.%s.%d", tag, (int)getpid());
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) { perror("open"); exit(1); }
    unlink(path);
    unsigned char buf[2 * PAGE];
    for (int i = 0; i < 2 * PAGE; i++) buf[i] = (unsigned char)(fill + i * 7);
    if (write(fd, buf, sizeof buf) != (ssize_t)sizeof buf) { perror("write"); exit(1); }
    return fd;
}

static int same_as_file(int fd, const unsigned char* p, off_t offset, size_t n) {
    unsigned char buf[PAGE];
    if (pread(fd, buf, n, offset) != (ssize_t)n) return 0;
    return memcmp(buf, p, n) == 0;
}

struct cross { int from; unsigned char* into; int ok; };

static void* cross_reader(void* arg) {
    struct cross* c = arg;
    c->ok = 1;
    for (int i = 0; i < ROUNDS; i++) {
        // Re-map-free: drop the private copy so the next copy faults the file page in again.
        madvise(c->into, 2 * PAGE, MADV_DONTNEED);
        if (pread(c->from, c->into + PAGE, PAGE, 0) != PAGE) c->ok = 0;
    }
    return NULL;
}

int main(void) {
    int fd = make_file("a", 1);
    unsigned char* p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    // A read into a private mapping of the same file, its page not touched yet.
    ssize_t n = pread(fd, p, PAGE, PAGE);
    printf("pread into own private mapping: %zd, data %s\n", n, same_as_file(fd, p, PAGE, PAGE) ? "right" : "WRONG");
    // A write from a mapping of the same file, its page not touched yet.
    unsigned char* s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (s == MAP_FAILED) { perror("mmap shared"); return 1; }
    unsigned char expect[PAGE];
    pread(fd, expect, PAGE, PAGE);
    n = pwrite(fd, s + PAGE, PAGE, 0);
    unsigned char now[PAGE];
    pread(fd, now, PAGE, 0);
    printf("pwrite from own shared mapping: %zd, data %s\n", n, memcmp(now, expect, PAGE) == 0 ? "right" : "WRONG");
    // A plain read() at the file offset, into the shared mapping of its own second page.
    lseek(fd, 0, SEEK_SET);
    n = read(fd, s + PAGE, 16);
    printf("read into own shared mapping: %zd\n", n);
    // A bad address under the same path still gives EFAULT.
    n = pread(fd, (void*)16, PAGE, 0);
    printf("pread to a bad address: %zd %s\n", n, n < 0 && errno == EFAULT ? "EFAULT" : "?");

    // Two threads, each reading its file into a mapping of the other's, many times at once.
    int a = make_file("b", 3), b = make_file("c", 5);
    unsigned char* map_a = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, a, 0);
    unsigned char* map_b = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, b, 0);
    struct cross one = {a, map_b, 0}, two = {b, map_a, 0};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, cross_reader, &one);
    pthread_create(&t2, NULL, cross_reader, &two);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    printf("two threads crossing: %s %s\n", one.ok ? "ok" : "FAILED", two.ok ? "ok" : "FAILED");
    printf("data %s\n", same_as_file(a, map_b + PAGE, 0, PAGE) && same_as_file(b, map_a + PAGE, 0, PAGE) ? "right" : "WRONG");
    return 0;
}
