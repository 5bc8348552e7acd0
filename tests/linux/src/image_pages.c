// Private mappings of a program file from the image (whose whole pages a kernel may map in
// place until they are written): the mapping reads the file's bytes, a write changes the
// mapping only (the file, another mapping and a forked child's view stay), a child's write
// stays the child's, mprotect to writable and back keeps the rule, and the program's own
// code pages run in two processes at once. Compared with the host's run.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned sum(const unsigned char *bytes, size_t length) {
    unsigned total = 0;
    for (size_t i = 0; i < length; i++) total = total * 31 + bytes[i];
    return total;
}

static unsigned file_sum(int fd, off_t offset, size_t length) {
    unsigned char *buffer = malloc(length);
    ssize_t got = pread(fd, buffer, length, offset);
    unsigned total = got == (ssize_t)length ? sum(buffer, length) : 0;
    free(buffer);
    return total;
}

int main(int argc, char **argv) {
    (void)argc;
    int fd = open(argv[0], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 3 * 4096) {
        printf("cannot open the program's own file\n");
        return 1;
    }
    const size_t length = 2 * 4096;
    unsigned original = file_sum(fd, 4096, length);
    unsigned char *map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    unsigned char *other = mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 4096);
    if (map == MAP_FAILED || other == MAP_FAILED) {
        printf("mmap failed\n");
        return 1;
    }
    printf("mapping reads the file: %d\n", sum(map, length) == original);
    unsigned char first = map[100];
    map[100] = (unsigned char)(first ^ 0xff);
    printf("a write shows in the mapping: %d\n", map[100] == (unsigned char)(first ^ 0xff));
    printf("the file is unchanged: %d\n", file_sum(fd, 4096, length) == original);
    printf("another mapping is unchanged: %d\n", sum(other, length) == original);
    printf("the untouched page still reads the file: %d\n", sum(map + 4096, 4096) == file_sum(fd, 8192, 4096));

    // fork: each side's writes are its own.
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        map[4096 + 7] ^= 0x55;
        _exit(sum(map + 4096, 4096) != file_sum(fd, 8192, 4096) ? 3 : 4);
    }
    int status = 0;
    waitpid(child, &status, 0);
    printf("the child saw its own write: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 3);
    printf("the parent does not see it: %d\n", sum(map + 4096, 4096) == file_sum(fd, 8192, 4096));

    // Read-only, then writable again: a write still copies.
    unsigned char before = other[5];
    mprotect(other, length, PROT_READ | PROT_WRITE);
    other[5] ^= 1;
    mprotect(other, length, PROT_READ);
    printf("a write after mprotect stays in that mapping: %d\n",
           other[5] == (before ^ 1) && file_sum(fd, 4096, length) == original);

    // MADV_DONTNEED on a private file mapping drops the copy: the file's bytes again.
    madvise(map, length, MADV_DONTNEED);
    printf("after MADV_DONTNEED the mapping reads the file: %d\n", sum(map, length) == original);

    // The program's code, run by two processes at once.
    fflush(stdout);
    child = fork();
    if (child == 0) _exit(sum(other, 64) == sum(other, 64) ? 0 : 1);
    waitpid(child, &status, 0);
    printf("a child runs the same code: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    return 0;
}
