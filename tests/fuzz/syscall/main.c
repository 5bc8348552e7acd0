// sysfuzz: children that make random system calls from several threads, one after
// another, each for a short while and then killed; the kernel must stay up (the host sees
// a panic or a hang as osprey's exit status 125) and give back everything the children
// took: the census of /proc/osprey/objects after the run must match the one before.
//
//   sysfuzz [--seed N] [--seconds S] [--slice S] [--threads T] [--only CALL,...] [--child C]
//           [--verbose]
//
// Prints its seed first. A failure prints the seed, the child and each thread's last calls,
// so `sysfuzz --seed N --child C --verbose` replays it: child C's calls again and again for
// the run's seconds (a child's calls follow from the seed and its number; which thread runs
// when does not, so a replay is close, not exact).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysfuzz.h"

enum { kMaxThreads = 8, kRing = 16, kMaxCensus = 32 };
// A child's exit status when it could not enter its directory.
enum { kNoScratch = 99 };
// The children's working directory, emptied after each (the program itself may be /tmp/sysfuzz).
static const char kScratch[] = "/tmp/sysfuzz-scratch";

// Each thread's last calls, in memory shared with the runner so a child that hangs or dies
// still says what it was doing.
struct record {
    long number, args[6], result;
    int finished;
};
struct thread_log {
    struct record ring[kRing];
    unsigned long next;  // calls made
};
static struct thread_log *g_logs;  // kMaxThreads of them, MAP_SHARED

static uint64_t g_seed = 1;
static double g_seconds = 20, g_slice = 2;
static int g_threads = 4;
static int g_verbose;
static int g_child;  // --child C: only child C, again and again
// --only NAME,NAME...: the calls to choose from (all of calls.c without it), to narrow a
// finding down.
static int g_chosen[256];
static int g_chosen_count;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static const char *call_name(long number) {
    for (int i = 0; i < g_call_count; i++)
        if (g_calls[i].number == number) return g_calls[i].name;
    return "?";
}

// ---- the child ----

struct worker {
    int index;
    uint64_t rng;
};

static void *work(void *argument) {
    struct worker *w = argument;
    struct thread_log *log = &g_logs[w->index];
    for (;;) {
        const struct call *c = g_chosen_count ? &g_calls[g_chosen[rng_below(&w->rng, g_chosen_count)]]
                                              : &g_calls[rng_below(&w->rng, g_call_count)];
        struct record *r = &log->ring[log->next % kRing];
        r->number = c->number;
        r->finished = 0;
        for (int i = 0; i < 6; i++) r->args[i] = arg_make(c->args[i], &w->rng);
        __atomic_add_fetch(&log->next, 1, __ATOMIC_RELEASE);
        if (g_verbose) fprintf(stderr, "[%d] %s(%#lx, %#lx, %#lx, ...)\n", w->index, c->name, r->args[0], r->args[1], r->args[2]);
        r->result = syscall(c->number, r->args[0], r->args[1], r->args[2], r->args[3], r->args[4], r->args[5]);
        r->finished = 1;
    }
    return NULL;
}

static void run_child(uint64_t seed) {
    setpgid(0, 0);
    // Signals that would end the child are what the runner expects; the others must not.
    for (int sig = 1; sig < 32; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGSEGV && sig != SIGBUS) signal(sig, SIG_IGN);
    if (chdir(kScratch) != 0) _exit(kNoScratch);
    // What the calls write on descriptors 1 and 2 is noise.
    int null = open("/dev/null", O_WRONLY);
    if (null >= 0) dup2(null, 1), dup2(null, 2);
    mkdir("t", 0755);
    mkdir("t/dir", 0755);
    symlink("file", "t/link");
    mkfifo("t/fifo", 0644);
    uint64_t rng = seed;
    args_init(&rng);
    static struct worker workers[kMaxThreads];
    for (int i = 0; i < g_threads; i++) {
        workers[i].index = i;
        workers[i].rng = seed * 0x9e3779b97f4a7c15ull + i + 1;
        pthread_t t;
        if (i > 0) pthread_create(&t, NULL, work, &workers[i]);
    }
    work(&workers[0]);
}

// ---- the runner ----

struct census {
    char names[kMaxCensus][32];
    long values[kMaxCensus];
    int count;
};

static int read_census(struct census *c) {
    FILE *f = fopen("/proc/osprey/objects", "r");
    if (!f) return -1;
    c->count = 0;
    while (c->count < kMaxCensus && fscanf(f, "%31s %ld", c->names[c->count], &c->values[c->count]) == 2) c->count++;
    fclose(f);
    return 0;
}

static long census_value(const struct census *c, const char *name) {
    for (int i = 0; i < c->count; i++)
        if (!strcmp(c->names[i], name)) return c->values[i];
    return -1;
}

static void print_last_calls(int threads) {
    for (int t = 0; t < threads; t++) {
        unsigned long n = g_logs[t].next;
        fprintf(stderr, "  thread %d made %lu calls; the last:\n", t, n);
        for (unsigned long i = n > kRing ? n - kRing : 0; i < n; i++) {
            struct record *r = &g_logs[t].ring[i % kRing];
            fprintf(stderr, "    %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx)", call_name(r->number), r->args[0], r->args[1],
                    r->args[2], r->args[3], r->args[4], r->args[5]);
            if (r->finished)
                fprintf(stderr, " = %ld\n", r->result);
            else
                fprintf(stderr, " (did not return)\n");
        }
    }
}

// Removes what a child left in the scratch directory (whatever the calls made of it).
static void remove_tree(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd >= 0) {
        DIR *dir = fdopendir(fd);
        struct dirent *entry;
        while (dir && (entry = readdir(dir))) {
            if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
            char child[4096];
            snprintf(child, sizeof child, "%s/%s", path, entry->d_name);
            struct stat st;
            if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
                chmod(child, 0755);
                remove_tree(child);
            } else {
                unlink(child);
            }
        }
        if (dir) closedir(dir);
    }
    rmdir(path);
}

// How many inodes the tree holds (what a child may have made anywhere, and left: not a
// leak), counted once each; /proc and /sys are left out (their inodes come and go).
static struct {
    dev_t dev;
    ino_t ino;
} g_linked[4096];  // files with several names, counted at the first
static int g_linked_count;

static long count_reachable(const char *path, int depth) {
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (depth == 0) g_linked_count = 0;
    if (!S_ISDIR(st.st_mode) && st.st_nlink > 1) {
        for (int i = 0; i < g_linked_count; i++)
            if (g_linked[i].dev == st.st_dev && g_linked[i].ino == st.st_ino) return 0;
        if (g_linked_count < 4096) g_linked[g_linked_count].dev = st.st_dev, g_linked[g_linked_count++].ino = st.st_ino;
        return 1;
    }
    if (!S_ISDIR(st.st_mode)) return 1;
    long n = 1;
    if (depth > 40) return n;
    DIR *dir = opendir(path);
    if (!dir) return n;
    struct dirent *entry;
    while ((entry = readdir(dir))) {
        if (!strcmp(entry->d_name, ".") || !strcmp(entry->d_name, "..")) continue;
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", strcmp(path, "/") ? path : "", entry->d_name);
        if (!strcmp(child, "/proc") || !strcmp(child, "/sys")) continue;
        n += count_reachable(child, depth + 1);
    }
    closedir(dir);
    return n;
}

// An empty scratch directory, whatever the last child made of the old one (it may have
// renamed, replaced or chmodded it).
static int fresh_scratch(void) {
    struct stat st;
    if (lstat(kScratch, &st) == 0 && !S_ISDIR(st.st_mode)) unlink(kScratch);
    remove_tree(kScratch);
    if (mkdir(kScratch, 0755) != 0) {
        fprintf(stderr, "sysfuzz: FAILED: cannot make %s: %s\n", kScratch, strerror(errno));
        DIR *dir = opendir(kScratch);
        struct dirent *entry;
        while (dir && (entry = readdir(dir))) {
            char child[512];
            snprintf(child, sizeof child, "%s/%s", kScratch, entry->d_name);
            struct stat left;
            int r = lstat(child, &left);
            fprintf(stderr, "  left: %s (lstat %d, mode %o); unlink: %s\n", entry->d_name, r, left.st_mode,
                    unlink(child) == 0 ? "ok" : strerror(errno));
        }
        if (dir) closedir(dir);
        return 1;
    }
    return 0;
}

// Runs one child for a slice; 0 when it ended as expected (killed by the runner, or by
// its own doing), 1 when it could not be made to end.
static int one_child(int number) {
    memset(g_logs, 0, kMaxThreads * sizeof *g_logs);
    uint64_t seed = g_seed * 1000003 + number;
    pid_t pid = fork();
    if (pid < 0) {
        perror("sysfuzz: fork");
        return 1;
    }
    if (pid == 0) run_child(seed);
    double until = now() + g_slice;
    int status;
    while (now() < until) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            // It ended by its own doing (a signal it sent itself, a wild handler...), unless
            // it never started.
            if (WIFEXITED(status) && WEXITSTATUS(status) == kNoScratch) {
                fprintf(stderr, "sysfuzz: FAILED: seed=%llu: child %d could not enter %s\n", (unsigned long long)g_seed,
                        number, kScratch);
                return 1;
            }
            return 0;
        }
        usleep(20000);
    }
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    double deadline = now() + 20;
    while (now() < deadline) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) return 0;
        usleep(20000);
    }
    fprintf(stderr,
            "sysfuzz: FAILED: seed=%llu child %d (seed %llu) did not end 20 s after SIGKILL "
            "(replay: sysfuzz --seed %llu --child %d)\n",
            (unsigned long long)g_seed, number, (unsigned long long)seed, (unsigned long long)g_seed, number);
    print_last_calls(g_threads);
    return 1;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) g_seed = strtoull(argv[++i], NULL, 0);
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) g_seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--slice") && i + 1 < argc) g_slice = atof(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc) g_threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--verbose")) g_verbose = 1;
        else if (!strcmp(argv[i], "--child") && i + 1 < argc) g_child = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) {
            char *list = argv[++i];
            for (char *name = strtok(list, ","); name; name = strtok(NULL, ",")) {
                int found = 0;
                for (int c = 0; c < g_call_count && g_chosen_count < 256; c++)
                    if (!strcmp(g_calls[c].name, name)) g_chosen[g_chosen_count++] = c, found = 1;
                if (!found) {
                    fprintf(stderr, "sysfuzz: no call %s in calls.c\n", name);
                    return 2;
                }
            }
        }
        else {
            fprintf(stderr, "usage: sysfuzz [--seed N] [--seconds S] [--slice S] [--threads T] [--only CALL,...] [--child C] [--verbose]\n");
            return 2;
        }
    }
    if (g_threads < 1) g_threads = 1;
    if (g_threads > kMaxThreads) g_threads = kMaxThreads;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("sysfuzz: seed=%llu seconds=%g slice=%g threads=%d calls=%d\n", (unsigned long long)g_seed, g_seconds,
           g_slice, g_threads, g_call_count);
    g_logs = mmap(NULL, kMaxThreads * sizeof *g_logs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (g_logs == MAP_FAILED) return 2;
    // A child takes the signals the fuzzing sends its group; the runner ignores them too.
    signal(SIGPIPE, SIG_IGN);

    // The first third of the run warms up what the kernel makes once and keeps (slabs,
    // tables, memfd's own file system...); the census is taken after it, and again at the
    // end: whatever grew in between and is not a file still in the tree was lost.
    double start = now();
    int children = 0;
    unsigned long calls = 0;
    struct census before, after;
    int have_census = 0;
    long reachable_before = 0, reachable_after = 0;
    while (now() - start < g_seconds) {
        if (!have_census && now() - start >= g_seconds / 3) {
            have_census = read_census(&before) == 0;
            reachable_before = count_reachable("/", 0);
            if (!have_census) have_census = -1;
        }
        if (fresh_scratch()) return 1;
        ++children;
        if (one_child(g_child > 0 ? g_child : children)) return 1;
        // (A child's random writes may have hit its own log: a count that cannot be is left out.)
        for (int t = 0; t < g_threads; t++)
            if (g_logs[t].next < 100000000) calls += g_logs[t].next;
        remove_tree(kScratch);
    }
    printf("sysfuzz: %lu calls in %d children of %d threads\n", calls, children, g_threads);
    if (have_census <= 0) {
        printf("sysfuzz: no /proc/osprey/objects here (or a run too short to take it): the kernel survived, no leak check\n");
        return 0;
    }
    // Threads and processes end a little after their parent sees them gone (the reaper,
    // the last thread's own exit): give them a moment.
    int leaked = 0;
    for (int attempt = 0; attempt < 50; attempt++) {
        read_census(&after);
        leaked = 0;
        static const char *const kExact[] = {"processes", "address_spaces", "open_files", "sockets", "threads",
                                             "kernel_stacks"};
        for (unsigned i = 0; i < sizeof kExact / sizeof kExact[0]; i++)
            if (census_value(&after, kExact[i]) != census_value(&before, kExact[i])) leaked = 1;
        // Memory: the frames the heap keeps cached may differ by a few; more is a leak.
        long frames_lost = census_value(&before, "free_frames") - census_value(&after, "free_frames");
        if (frames_lost > 256) leaked = 1;
        // Inodes: a child may have made files outside its directory (a chdir, then a
        // relative path); those are there, not lost. What no path reaches would be. Reported
        // but not enforced yet: runs show two such inodes appear once per run and then stay
        // (docs/fuzzing.md, "System calls"), not yet explained.
        reachable_after = count_reachable("/", 0);
        if (!leaked) break;
        usleep(100000);
    }
    if (leaked) {
        printf("sysfuzz: FAILED: seed=%llu: the kernel did not give everything back:\n", (unsigned long long)g_seed);
        for (int i = 0; i < before.count; i++)
            printf("  %-18s %10ld -> %ld\n", before.names[i], before.values[i], census_value(&after, before.names[i]));
        printf("  %-18s %10ld -> %ld\n", "reachable inodes", reachable_before, reachable_after);
        return 1;
    }
    long unreached = (census_value(&after, "inodes") - reachable_after) -
                     (census_value(&before, "inodes") - reachable_before);
    printf("sysfuzz: census back to where it started: processes, address spaces, open files, sockets, threads, "
           "kernel stacks; free frames %ld -> %ld; inodes no path reaches: %+ld (not enforced)\n",
           census_value(&before, "free_frames"), census_value(&after, "free_frames"), unreached);
    return 0;
}
