// The soak benchmark (docs/reliability.md, "Soak"): for SECONDS, round after round of what
// programs do to a kernel — map and unmap memory, start and join threads, fill and drain
// pipes, pass bytes over a socket pair, create and remove files, fork and reap a child,
// make and close eventfds and epolls — while the kernel's own memory is sampled every few
// seconds. The figure is how fast that memory grows, per hour, over the run after its
// first fifth (caches fill then): the goal is zero.
//
//   soak SECONDS [--poweroff]
//
// The kernel's memory is what /proc/meminfo leaves after the program's own: MemTotal -
// MemFree - AnonPages - Cached, the same formula on Osprey and on Linux (slab, page
// tables, kernel stacks). Lines:
//   sample SECONDS KIB ROUNDS       one per sample
//   figure soak_kernel_growth.kib_per_hour VALUE kib_per_hour
//   figure soak_rounds VALUE rounds
// --poweroff is for the Linux guest, where this program is /init and must end the VM.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void check(int ok, const char *what) {
    if (ok) return;
    printf("error %s: %s\n", what, strerror(errno));
    exit(1);
}

// MemTotal - MemFree - AnonPages - Cached, in KiB.
static long kernel_kib(void) {
    FILE *f = fopen("/proc/meminfo", "r");
    check(f != NULL, "open /proc/meminfo");
    long total = 0, free_kib = 0, anon = 0, cached = 0, value;
    char name[64];
    while (fscanf(f, "%63s %ld kB", name, &value) == 2) {
        if (!strcmp(name, "MemTotal:")) total = value;
        if (!strcmp(name, "MemFree:")) free_kib = value;
        if (!strcmp(name, "AnonPages:")) anon = value;
        if (!strcmp(name, "Cached:")) cached = value;
    }
    fclose(f);
    return total - free_kib - anon - cached;
}

static void *thread_work(void *arg) {
    size_t size = (size_t)arg;
    char *p = malloc(size);
    if (p) memset(p, 1, size);
    free(p);
    return NULL;
}

static void one_round(unsigned round) {
    // Memory: an anonymous mapping touched page by page, then a protection change.
    size_t length = 1 << 20;
    char *map = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    check(map != MAP_FAILED, "mmap");
    for (size_t i = 0; i < length; i += 4096) map[i] = (char)i;
    check(mprotect(map, length / 2, PROT_READ) == 0, "mprotect");
    check(munmap(map, length) == 0, "munmap");

    // Threads.
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) check(pthread_create(&threads[i], NULL, thread_work, (void *)(size_t)(4096 << i)) == 0, "pthread_create");
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);

    // A pipe filled and drained; a socket pair.
    char buffer[16384];
    memset(buffer, (int)round, sizeof buffer);
    int fds[2];
    check(pipe(fds) == 0, "pipe");
    check(write(fds[1], buffer, sizeof buffer) == (ssize_t)sizeof buffer, "pipe write");
    check(read(fds[0], buffer, sizeof buffer) == (ssize_t)sizeof buffer, "pipe read");
    close(fds[0]);
    close(fds[1]);
    check(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0, "socketpair");
    check(send(fds[0], buffer, 4096, 0) == 4096, "send");
    check(recv(fds[1], buffer, 4096, MSG_WAITALL) == 4096, "recv");
    close(fds[0]);
    close(fds[1]);

    // A file written, renamed and removed.
    int fd = open("/tmp/soak-a", O_CREAT | O_TRUNC | O_WRONLY, 0600);
    check(fd >= 0, "open");
    check(write(fd, buffer, 8192) == 8192, "write");
    close(fd);
    check(rename("/tmp/soak-a", "/tmp/soak-b") == 0, "rename");
    check(unlink("/tmp/soak-b") == 0, "unlink");

    // eventfd and epoll.
    int event = eventfd(0, 0), poller = epoll_create1(0);
    check(event >= 0 && poller >= 0, "eventfd/epoll_create1");
    struct epoll_event watch = {.events = EPOLLIN, .data.fd = event}, got;
    check(epoll_ctl(poller, EPOLL_CTL_ADD, event, &watch) == 0, "epoll_ctl");
    unsigned long long one = 1;
    check(write(event, &one, sizeof one) == sizeof one, "eventfd write");
    check(epoll_wait(poller, &got, 1, 1000) == 1, "epoll_wait");
    close(poller);
    close(event);

    // A process, every fourth round.
    if (round % 4 == 0) {
        pid_t child = fork();
        check(child >= 0, "fork");
        if (child == 0) _exit(0);
        int status;
        check(waitpid(child, &status, 0) == child, "waitpid");
    }
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    double seconds = argc > 1 ? atof(argv[1]) : 60;
    int poweroff = argc > 2 && !strcmp(argv[2], "--poweroff");
    // As the Linux guest's /init nothing is mounted; in Osprey these are there already.
    mkdir("/proc", 0555);
    mount("proc", "/proc", "proc", 0, NULL);
    mkdir("/tmp", 01777);

    enum { kMaxSamples = 4096 };
    static double at[kMaxSamples], kib[kMaxSamples];
    int samples = 0;
    double start = now_seconds(), next_sample = start;
    unsigned rounds = 0;
    for (;;) {
        double now = now_seconds();
        if (now >= next_sample && samples < kMaxSamples) {
            at[samples] = now - start;
            kib[samples] = kernel_kib();
            printf("sample %.1f %.0f %u\n", at[samples], kib[samples], rounds);
            samples++;
            next_sample += 5;
        }
        if (now - start >= seconds) break;
        one_round(rounds++);
    }

    // Least squares over the samples after the first fifth of the run.
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int used = 0;
    for (int i = 0; i < samples; i++) {
        if (at[i] < seconds / 5) continue;
        sx += at[i], sy += kib[i], sxx += at[i] * at[i], sxy += at[i] * kib[i];
        used++;
    }
    if (used >= 2 && used * sxx - sx * sx > 0) {
        double slope = (used * sxy - sx * sy) / (used * sxx - sx * sx);  // KiB per second
        printf("figure soak_kernel_growth.kib_per_hour %.0f kib_per_hour\n", slope * 3600);
    } else {
        printf("error too few samples (%d) for a growth figure: run longer\n", used);
    }
    printf("figure soak_rounds %u rounds\n", rounds);
    printf("done\n");
    if (poweroff) {
        fflush(stdout);
        reboot(RB_AUTOBOOT);
    }
    return 0;
}
