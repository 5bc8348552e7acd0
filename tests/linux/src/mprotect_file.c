// mprotect on file mappings keeps what the file allows, as Linux (VM_MAYEXEC, VM_MAYWRITE):
// a mapping of a file on a noexec mount never becomes executable, and a shared mapping of
// a file opened read-only never becomes writable; a private one may. Guest only: it mounts
// a tmpfs.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *outcome(int r) { return r == 0 ? "allowed" : strerror(errno); }

static void *map(int fd, int prot, int flags) {
    void *p = mmap(NULL, 4096, prot, flags, fd, 0);
    return p == MAP_FAILED ? NULL : p;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    mkdir("/mnt", 0755);
    mkdir("/mnt/noexec", 0755);
    if (mount("none", "/mnt/noexec", "tmpfs", MS_NOEXEC, NULL) != 0) {
        perror("mount");
        return 1;
    }
    int fd = open("/mnt/noexec/page", O_RDWR | O_CREAT, 0755);
    if (fd < 0 || ftruncate(fd, 4096) != 0) return 1;
    void *p = map(fd, PROT_READ, MAP_PRIVATE);
    if (!p) return 1;
    printf("noexec mount, PROT_EXEC by mprotect: %s\n", outcome(mprotect(p, 4096, PROT_READ | PROT_EXEC)));
    printf("noexec mount, PROT_WRITE by mprotect: %s\n", outcome(mprotect(p, 4096, PROT_READ | PROT_WRITE)));
    errno = 0;
    printf("noexec mount, mmap with PROT_EXEC: %s\n",
           map(fd, PROT_READ | PROT_EXEC, MAP_PRIVATE) ? "allowed" : strerror(errno));
    close(fd);

    int ro = open("/mnt/noexec/page", O_RDONLY);
    void *shared = map(ro, PROT_READ, MAP_SHARED);
    void *private = map(ro, PROT_READ, MAP_PRIVATE);
    if (!shared || !private) return 1;
    printf("read-only file, shared mapping made writable: %s\n", outcome(mprotect(shared, 4096, PROT_READ | PROT_WRITE)));
    printf("read-only file, private mapping made writable: %s\n",
           outcome(mprotect(private, 4096, PROT_READ | PROT_WRITE)));
    ((char *)private)[0] = 'x';  // its own copy now
    close(ro);
    return 0;
}
