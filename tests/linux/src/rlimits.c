// Resource limits belong to the process: RLIMIT_NOFILE bounds new descriptors (open, dup,
// fcntl F_DUPFD, dup2, pipe, socket), the hard limit rises only for root, fork and execve
// keep the limits, prlimit reaches another process under Linux's permission rule,
// RLIMIT_NPROC stops a non-root user's fork (and a bounded fork bomb) with EAGAIN, and
// RLIMIT_STACK sizes the stack execve maps. Compared with the host's run (as root).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;
// User ids of this run alone (the host may run two builds of this case at once, and
// RLIMIT_NPROC counts every process of a user).
static uid_t counted_user, bomb_user;

static const char *error_name(int error) {
    switch (error) {
        case 0: return "ok";
        case EMFILE: return "EMFILE";
        case EBADF: return "EBADF";
        case EINVAL: return "EINVAL";
        case EPERM: return "EPERM";
        case EAGAIN: return "EAGAIN";
        case ESRCH: return "ESRCH";
    }
    return strerror(error);
}

// The result of a call returning -1 on error, as a name.
static const char *outcome(long result) { return error_name(result < 0 ? errno : 0); }

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
    struct rlimit limit = {soft, hard};
    if (setrlimit(resource, &limit) != 0) {
        printf("setrlimit(%d, %lu, %lu) failed: %s\n", resource, (unsigned long)soft, (unsigned long)hard,
               strerror(errno));
        exit(1);
    }
}

static void become(uid_t id) {
    if (setresgid(id, id, id) != 0 || setresuid(id, id, id) != 0) {
        printf("cannot become %d: %s\n", (int)id, strerror(errno));
        _exit(1);
    }
}

static int wait_for(pid_t pid) {
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// After execve: the limits the parent set are still there.
static int report_limits(void) {
    struct rlimit nofile, stack;
    getrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_STACK, &stack);
    printf("  after execve: NOFILE %lu/%lu, STACK %lu\n", (unsigned long)nofile.rlim_cur,
           (unsigned long)nofile.rlim_max, (unsigned long)stack.rlim_cur);
    return 0;
}

// After execve under a given RLIMIT_STACK: touches `kib` KiB of stack a page at a time,
// going down as a deep recursion would. Dies of SIGSEGV past the limit.
static int touch_stack(long kib) {
    volatile char *probe = alloca(kib * 1024);
    for (long offset = kib * 1024 - 4096; offset >= 0; offset -= 4096) probe[offset] = 1;
    printf("  touched %ld KiB of stack\n", kib);
    return 0;
}

static void nofile(void) {
    printf("RLIMIT_NOFILE\n");
    for (int fd = 3; fd < 1024; fd++) close(fd);
    struct rlimit original;
    getrlimit(RLIMIT_NOFILE, &original);
    set_limit(RLIMIT_NOFILE, 16, original.rlim_max);
    int last = -1;
    for (;;) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0) break;
        last = fd;
    }
    printf("  opened up to fd %d, then %s\n", last, error_name(errno));
    printf("  dup: %s\n", outcome(dup(1)));
    printf("  fcntl F_DUPFD 3: %s\n", outcome(fcntl(1, F_DUPFD, 3)));
    printf("  fcntl F_DUPFD 16: %s\n", outcome(fcntl(1, F_DUPFD, 16)));
    printf("  dup2 to 16: %s\n", outcome(dup2(1, 16)));
    int ends[2];
    printf("  pipe: %s\n", outcome(pipe(ends)));
    printf("  socket: %s\n", outcome(socket(AF_UNIX, SOCK_STREAM, 0)));
    close(15);
    printf("  pipe with one free: %s\n", outcome(pipe(ends)));
    printf("  dup2 to 15: %s\n", outcome(dup2(1, 15)));

    // A descriptor above a lowered limit stays usable.
    for (int fd = 3; fd < 16; fd++) close(fd);
    set_limit(RLIMIT_NOFILE, 64, original.rlim_max);
    printf("  dup2 to 40 under 64: %s\n", outcome(dup2(1, 40)));
    set_limit(RLIMIT_NOFILE, 16, original.rlim_max);
    printf("  fd 40 after lowering to 16: %s\n", outcome(fcntl(40, F_GETFD)));
    close(40);

    struct rlimit limit = {32, 16};
    printf("  soft above hard: %s\n", outcome(setrlimit(RLIMIT_NOFILE, &limit)));
    limit = (struct rlimit){16, 1048577};  // above nr_open (Linux's default 1048576; smaller here)
    printf("  hard above nr_open: %s\n", outcome(setrlimit(RLIMIT_NOFILE, &limit)));
    // (Raising a hard limit takes CAP_SYS_RESOURCE, which the host's root may lack: a
    // container's often does. Only non-root is checked below.)
    set_limit(RLIMIT_NOFILE, 16, 512);

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        struct rlimit inherited;
        getrlimit(RLIMIT_NOFILE, &inherited);
        printf("  fork: child has %lu/%lu\n", (unsigned long)inherited.rlim_cur, (unsigned long)inherited.rlim_max);
        become(4242);
        struct rlimit lower = {8, 100}, higher = {8, 200};
        printf("  non-root lowers the hard limit: %s\n", outcome(setrlimit(RLIMIT_NOFILE, &lower)));
        printf("  non-root raises it again: %s\n", outcome(setrlimit(RLIMIT_NOFILE, &higher)));
        struct rlimit up_to_hard = {100, 100};
        printf("  non-root raises soft to hard: %s\n", outcome(setrlimit(RLIMIT_NOFILE, &up_to_hard)));
        fflush(stdout);
        _exit(0);
    }
    wait_for(child);

    fflush(stdout);
    child = fork();
    if (child == 0) {
        set_limit(RLIMIT_NOFILE, 20, 30);
        struct rlimit stack;
        getrlimit(RLIMIT_STACK, &stack);
        set_limit(RLIMIT_STACK, 16 << 20, stack.rlim_max);
        char *args[] = {(char *)self, "--report", NULL};
        execv(self, args);
        _exit(99);
    }
    wait_for(child);
    set_limit(RLIMIT_NOFILE, 64, 512);
}

static void other_process(void) {
    printf("prlimit on another process\n");
    int go[2];
    pipe(go);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char byte;
        close(go[1]);
        read(go[0], &byte, 1);  // until the parent changed our limit
        struct rlimit mine;
        getrlimit(RLIMIT_NOFILE, &mine);
        printf("  the child sees %lu/%lu\n", (unsigned long)mine.rlim_cur, (unsigned long)mine.rlim_max);
        fflush(stdout);
        _exit(0);
    }
    close(go[0]);
    struct rlimit updated = {20, 40}, old;
    printf("  set the child's: %s\n", outcome(prlimit(child, RLIMIT_NOFILE, &updated, &old)));
    printf("  its old one was ours: %lu/%lu\n", (unsigned long)old.rlim_cur, (unsigned long)old.rlim_max);
    struct rlimit read_back;
    prlimit(child, RLIMIT_NOFILE, NULL, &read_back);
    printf("  read back: %lu/%lu\n", (unsigned long)read_back.rlim_cur, (unsigned long)read_back.rlim_max);
    printf("  bad resource: %s\n", outcome(prlimit(child, 99, NULL, &read_back)));
    fflush(stdout);
    write(go[1], "x", 1);
    wait_for(child);
    printf("  a reaped child: %s\n", outcome(prlimit(child, RLIMIT_NOFILE, NULL, &read_back)));

    // Non-root: a process with all the same ids is fair game, root's is not.
    pid_t root = getpid();
    fflush(stdout);
    child = fork();
    if (child == 0) {
        become(4242);
        pid_t peer = fork();
        if (peer == 0) {
            pause();
            _exit(0);
        }
        struct rlimit lower = {10, 20};
        printf("  non-root sets its own child's: %s\n", outcome(prlimit(peer, RLIMIT_NOFILE, &lower, NULL)));
        struct rlimit higher = {10, 30};
        printf("  non-root raises its child's hard limit: %s\n",
               outcome(prlimit(peer, RLIMIT_NOFILE, &higher, NULL)));
        printf("  non-root reads root's: %s\n", outcome(prlimit(root, RLIMIT_NOFILE, NULL, &lower)));
        kill(peer, SIGKILL);
        wait_for(peer);
        fflush(stdout);
        _exit(0);
    }
    wait_for(child);
}

// /proc/<pid>/limits of another process, after it set every limit to known values.
static void proc_limits(void) {
    printf("/proc/<pid>/limits\n");
    static const rlim_t values[RLIM_NLIMITS][2] = {
        {RLIM_INFINITY, RLIM_INFINITY}, {1 << 30, RLIM_INFINITY}, {RLIM_INFINITY, RLIM_INFINITY},
        {8 << 20, 64 << 20},            {0, 0},                   {RLIM_INFINITY, RLIM_INFINITY},
        {3000, 3000},                   {256, 512},               {64 << 10, 64 << 10},
        {RLIM_INFINITY, RLIM_INFINITY}, {RLIM_INFINITY, RLIM_INFINITY}, {1000, 1000},
        {819200, 819200},               {0, 0},                   {0, 0},
        {RLIM_INFINITY, RLIM_INFINITY},
    };
    int ready[2], go[2];
    pipe(ready);
    pipe(go);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        for (int i = 0; i < RLIM_NLIMITS; i++) set_limit(i, values[i][0], values[i][1]);
        char byte = 'x';
        write(ready[1], &byte, 1);
        read(go[0], &byte, 1);
        _exit(0);
    }
    char byte;
    read(ready[0], &byte, 1);
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%d/limits", (int)child);
    int fd = open(path, O_RDONLY);
    ssize_t length = fd < 0 ? -1 : read(fd, text, sizeof text - 1);
    if (length < 0) {
        printf("  %s: %s\n", path, strerror(errno));
    } else {
        text[length] = 0;
        fputs(text, stdout);
    }
    if (fd >= 0) close(fd);
    write(go[1], "x", 1);
    wait_for(child);
}

static void nproc(void) {
    printf("RLIMIT_NPROC\n");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        // A user with 4 at most: this process and three children.
        set_limit(RLIMIT_NPROC, 4, 4);
        // Root is exempt.
        pid_t root = fork();
        if (root == 0) {
            set_limit(RLIMIT_NPROC, 1, 1);
            pid_t exempt = fork();
            if (exempt == 0) _exit(0);
            printf("  root forks past it: %s\n", outcome(exempt));
            wait_for(exempt);
            fflush(stdout);
            _exit(0);
        }
        wait_for(root);
        become(counted_user);
        int hold[2];
        pipe(hold);
        pid_t children[8];
        int count = 0;
        for (; count < 8; count++) {
            fflush(stdout);
            children[count] = fork();
            if (children[count] == 0) {
                char byte;
                close(hold[1]);
                read(hold[0], &byte, 1);
                _exit(0);
            }
            if (children[count] < 0) break;
        }
        printf("  children made: %d, then %s\n", count, error_name(errno));
        close(hold[1]);
        for (int i = 0; i < count; i++) wait_for(children[i]);
        pid_t again = fork();
        if (again == 0) _exit(0);
        printf("  once they are reaped: %s\n", outcome(again));
        if (again > 0) wait_for(again);
        fflush(stdout);
        _exit(0);
    }
    wait_for(child);
}

// A fork bomb under RLIMIT_NPROC 8 for its user: every process forks (to a depth of 3)
// until refused; the first one reports its refusal. Then all of them end when the pipe
// they read from closes.
static void bomb(void) {
    printf("fork bomb under RLIMIT_NPROC\n");
    int report[2], hold[2];
    pipe(report);
    pipe(hold);
    fflush(stdout);
    pid_t bomber = fork();
    if (bomber == 0) {
        close(report[0]);
        close(hold[1]);
        set_limit(RLIMIT_NPROC, 8, 8);
        become(bomb_user);
        int depth = 0, tries = 0;
        for (;;) {
            if (depth > 0 && (depth >= 3 || tries++ >= 4)) break;
            pid_t pid = fork();
            if (pid == 0) {
                close(report[1]);
                depth++;
                tries = 0;
                continue;
            }
            if (pid < 0) {
                if (depth == 0) {
                    int error = errno;
                    write(report[1], &error, sizeof error);
                    break;
                }
                if (errno == EAGAIN) break;
            }
        }
        char byte;
        read(hold[0], &byte, 1);
        _exit(0);
    }
    close(report[1]);
    close(hold[0]);
    int error = 0;
    read(report[0], &error, sizeof error);
    printf("  the bomber was refused with %s\n", error_name(error));
    close(hold[1]);
    printf("  the bomber ended with %d\n", wait_for(bomber));
    pid_t after = fork();
    if (after == 0) _exit(0);
    printf("  root forks afterwards: %s\n", outcome(after));
    if (after > 0) wait_for(after);
}

static void stack_size(void) {
    printf("RLIMIT_STACK\n");
    struct { rlim_t limit; const char *kib; } runs[] = {{32 << 20, "12288"}, {1 << 20, "2048"}};
    struct rlimit original;
    getrlimit(RLIMIT_STACK, &original);
    for (int i = 0; i < 2; i++) {
        fflush(stdout);
        pid_t child = fork();
        if (child == 0) {
            set_limit(RLIMIT_STACK, runs[i].limit, original.rlim_max);
            char *args[] = {(char *)self, "--stack", (char *)runs[i].kib, NULL};
            execv(self, args);
            _exit(99);
        }
        int status = wait_for(child);
        printf("  %lu KiB limit, %s KiB touched: status %d\n", (unsigned long)(runs[i].limit >> 10), runs[i].kib,
               status);
    }
}

int main(int argc, char **argv) {
    self = argv[0];
    if (argc > 1 && strcmp(argv[1], "--report") == 0) return report_limits();
    if (argc > 2 && strcmp(argv[1], "--stack") == 0) return touch_stack(atol(argv[2]));
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    counted_user = 100000 + 2 * (uid_t)getpid();
    bomb_user = counted_user + 1;
    nofile();
    other_process();
    proc_limits();
    nproc();
    bomb();
    stack_size();
    struct rlimit a, b;
    getrlimit(RLIMIT_STACK, &a);
    prlimit(0, RLIMIT_STACK, NULL, &b);
    printf("getrlimit and prlimit(0) agree: %d\n", a.rlim_cur == b.rlim_cur && a.rlim_max == b.rlim_max);
    return 0;
}
