// Memory comes back when processes end (issue 13): after a warm-up round, many rounds of
// fork + exit + wait (or fork + execve + exit + wait) must leave as much free memory as
// there was before them. Each child writes to a page it shares copy-on-write with its
// parent, to a MAP_SHARED anonymous page and to a MAP_SHARED page of a file, and touches
// fresh memory far from the rest (new page tables); the parent checks that the shared
// writes arrived and the private one did not. A process whose pages, page tables, kernel
// stack, descriptor table or table entries are not all given back fails the comparison.
// Guest only: the host's free memory moves with everything else running there.
//
//   fork_memory fork ROUNDS
//   fork_memory exec ROUNDS PROGRAM      (PROGRAM: a static program that exits with 0)
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { kPage = 4096, kFreshBytes = 4 << 20, kWarmUpRounds = 100 };

// The kernel heap keeps up to one empty slab per size class and partly used slabs, so the
// free level moves by a few pages with nothing lost. A leak in every round is far above
// this: the smallest heap object (16 bytes) lost 10,000 times is 160 KB, a page 40 MB.
enum { kSlackKiB = 64 };

static char private_pages[4 * kPage];  // shared copy-on-write with each child
static volatile int *shared_anonymous;
static volatile int *shared_file;

static long free_kib(void) {
    char text[4096];
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0) return -1;
    ssize_t length = read(fd, text, sizeof text - 1);
    close(fd);
    if (length <= 0) return -1;
    text[length] = 0;
    char *line = strstr(text, "MemFree:");
    return line ? strtol(line + strlen("MemFree:"), NULL, 10) : -1;
}

// What every child does before it exits or execs.
static void child_writes(int round) {
    private_pages[kPage] = 'c';
    *shared_anonymous = round;
    *shared_file = round;
    char *fresh = mmap(NULL, kFreshBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (fresh == MAP_FAILED) _exit(2);
    fresh[0] = 1;
    fresh[kFreshBytes - 1] = 1;
    char *heap = malloc(64 << 10);
    if (!heap) _exit(3);
    memset(heap, 1, 64 << 10);
}

// One round; 0 when the child did what it should and the parent saw the right memory.
static int round_trip(int round, const char *program) {
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        child_writes(round);
        if (!program) _exit(0);
        char *argv[] = {(char *)program, NULL};
        char *envp[] = {NULL};
        execve(program, argv, envp);
        _exit(127);
    }
    int status = 0;
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
    if (private_pages[kPage] != 'p' || *shared_anonymous != round || *shared_file != round) return -1;
    return 0;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3 || (strcmp(argv[1], "fork") != 0 && strcmp(argv[1], "exec") != 0) ||
        (strcmp(argv[1], "exec") == 0 && argc < 4)) {
        fprintf(stderr, "usage: fork_memory fork ROUNDS | exec ROUNDS PROGRAM\n");
        return 2;
    }
    int rounds = atoi(argv[2]);
    const char *program = strcmp(argv[1], "exec") == 0 ? argv[3] : NULL;

    memset(private_pages, 'p', sizeof private_pages);
    shared_anonymous = mmap(NULL, kPage, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    char path[] = "/tmp/fork_memory.XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || ftruncate(fd, kPage) != 0) {
        printf("cannot make a file to map\n");
        return 1;
    }
    shared_file = mmap(NULL, kPage, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    unlink(path);
    if (shared_anonymous == MAP_FAILED || shared_file == MAP_FAILED) {
        printf("mmap MAP_SHARED failed\n");
        return 1;
    }

    // The warm-up lets what the kernel grows once (heap slabs, page tables of its own
    // ranges, kernel stack slots) reach its working size before the baseline.
    for (int i = 0; i < kWarmUpRounds; i++) {
        if (round_trip(i + 1, program) != 0) {
            printf("warm-up round %d failed\n", i + 1);
            return 1;
        }
    }
    long before = free_kib();
    for (int i = 0; i < rounds; i++) {
        if (round_trip(i + 1, program) != 0) {
            printf("round %d failed\n", i + 1);
            return 1;
        }
    }
    long after = free_kib();
    printf("%d rounds of fork + %s + wait: free memory %ld KiB before, %ld KiB after\n", rounds,
           program ? "execve" : "exit", before, after);
    int kept = before > 0 && after > 0 && after >= before - kSlackKiB;
    printf("free memory back to its level: %s\n", kept ? "yes" : "no");
    return kept ? 0 : 1;
}
