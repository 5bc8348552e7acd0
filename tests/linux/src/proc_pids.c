// /proc/<pid> of other processes: a child reads its own stat and its parent's (pids,
// ppid, group, session, state), /proc/self and /proc/thread-self name the caller, the
// parent reads a child's cmdline, status and exe after its execve, a zombie shows state Z
// and nothing of its memory, a reaped pid is gone (ENOENT to open, ESRCH to read a file
// opened before), the /proc listing holds both pids, a child's fd/ and fdinfo/ show the
// pipe it shares with its parent, task/<tid> for a second thread, and a process of another
// uid may read stat and cmdline but not environ, exe, cwd or fd/; and children come and go
// (some through execve) while another process reads every file of theirs. Compared with the host's
// run: nothing printed depends on pid values (the case must run as root, as it does here).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

// The whole of a /proc file (NUL bytes kept); -errno when it cannot be opened or read.
static int read_file(const char *path, char *buffer, size_t size) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -errno;
    size_t length = 0;
    for (;;) {
        ssize_t n = read(fd, buffer + length, size - 1 - length);
        if (n < 0) {
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0) break;
        length += (size_t)n;
    }
    close(fd);
    buffer[length] = '\0';
    return (int)length;
}

static const char *error_name(int e) {
    switch (e) {
        case 0: return "ok";
        case ENOENT: return "ENOENT";
        case ESRCH: return "ESRCH";
        case EACCES: return "EACCES";
        case EPERM: return "EPERM";
        default: return strerror(e);
    }
}

struct stat_fields {
    int pid, ppid, pgrp, session, threads;
    char state;
    char comm[32];
};

// /proc/<pid>/stat's first fields; comm is the text between the first '(' and the last ')'.
static int read_stat(const char *path, struct stat_fields *f) {
    char text[4096];
    int n = read_file(path, text, sizeof text);
    if (n < 0) return n;
    char *open_paren = strchr(text, '('), *close_paren = strrchr(text, ')');
    if (!open_paren || !close_paren || close_paren < open_paren) return -EINVAL;
    f->pid = atoi(text);
    size_t length = (size_t)(close_paren - open_paren - 1);
    if (length >= sizeof f->comm) length = sizeof f->comm - 1;
    memcpy(f->comm, open_paren + 1, length);
    f->comm[length] = '\0';
    long field[20] = {0};
    char state = 0;
    if (sscanf(close_paren + 2, "%c %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld %ld", &state,
               &field[0], &field[1], &field[2], &field[3], &field[4], &field[5], &field[6], &field[7], &field[8],
               &field[9], &field[10], &field[11], &field[12], &field[13], &field[14], &field[15], &field[16]) < 18)
        return -EINVAL;
    f->state = state;
    f->ppid = (int)field[0];
    f->pgrp = (int)field[1];
    f->session = (int)field[2];
    f->threads = (int)field[16];
    return 0;
}

// The value of a "Name:\tvalue" line of a status file ("" when missing).
static void status_field(const char *text, const char *name, char *out, size_t size) {
    out[0] = '\0';
    size_t name_length = strlen(name);
    for (const char *line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, name, name_length) != 0 || line[name_length] != ':') continue;
        const char *value = line + name_length + 1;
        while (*value == '\t' || *value == ' ') value++;
        size_t n = strcspn(value, "\n");
        if (n >= size) n = size - 1;
        memcpy(out, value, n);
        out[n] = '\0';
        return;
    }
}

static int status_number(const char *text, const char *name) {
    char value[64];
    status_field(text, name, value, sizeof value);
    return value[0] ? atoi(value) : -1;
}

static void pid_path(char *out, size_t size, int pid, const char *file) {
    snprintf(out, size, "/proc/%d/%s", pid, file);
}

// Waits (a bounded number of times) until thread `pid`'s state is `state`: a process
// about to block has not necessarily blocked yet when its stat is first read.
static char wait_for_state(const char *stat_path, char state) {
    struct stat_fields f = {0};
    for (int i = 0; i < 4000; i++) {
        if (read_stat(stat_path, &f) < 0) return '?';
        if (f.state == state) return state;
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    return f.state;
}

static int link_text(const char *path, char *out, size_t size) {
    ssize_t n = readlink(path, out, size - 1);
    if (n < 0) return -errno;
    out[n] = '\0';
    return (int)n;
}

// The second role, after execve: tells the parent it runs, then waits for its pipe's end.
static int exec_child(int ready_fd, int hold_fd) {
    char byte = 'x';
    if (write(ready_fd, &byte, 1) != 1) return 1;
    while (read(hold_fd, &byte, 1) > 0) {
    }
    return 5;
}

static void child_reads_its_parent(int parent, int grandparent, int pipe_fd) {
    char path[64], self[64], text[4096];
    struct stat_fields f;
    snprintf(self, sizeof self, "%d", (int)getpid());
    printf("child: /proc/self names the child: %d\n", link_text("/proc/self", text, sizeof text) > 0 && strcmp(text, self) == 0);
    int r = read_stat("/proc/self/stat", &f);
    printf("child: own stat read %s, pid %d ppid-is-parent %d state %c pgrp %d session %d threads %d comm-matches %d\n",
           error_name(-r), f.pid == getpid(), f.ppid == parent, f.state, f.pgrp == getpgrp(), f.session == getsid(0),
           f.threads, strncmp(f.comm, "proc_pids", 9) == 0);
    pid_path(path, sizeof path, parent, "stat");
    r = read_stat(path, &f);
    printf("child: parent's stat read %s, pid %d ppid %d pgrp %d session %d\n", error_name(-r), f.pid == parent,
           f.ppid == grandparent, f.pgrp == getpgid(parent), f.session == getsid(parent));
    printf("child: parent asleep in wait: %c\n", wait_for_state(path, 'S'));
    pid_path(path, sizeof path, parent, "status");
    read_file(path, text, sizeof text);
    char state[32];
    status_field(text, "State", state, sizeof state);
    printf("child: parent's status: Pid %d Tgid %d PPid %d State %s Threads %d\n", status_number(text, "Pid") == parent,
           status_number(text, "Tgid") == parent, status_number(text, "PPid") == grandparent, state,
           status_number(text, "Threads"));
    char uid_line[64], expected_uid[64];
    status_field(text, "Uid", uid_line, sizeof uid_line);
    snprintf(expected_uid, sizeof expected_uid, "%d\t%d\t%d\t%d", (int)getuid(), (int)geteuid(), (int)geteuid(),
             (int)geteuid());
    printf("child: parent's Uid line is its credentials: %d\n", strcmp(uid_line, expected_uid) == 0);
    // The pipe both hold: the same pipe:[ino] from either side.
    char mine[128], theirs[128], fd_name[32];
    snprintf(fd_name, sizeof fd_name, "fd/%d", pipe_fd);
    pid_path(path, sizeof path, parent, fd_name);
    snprintf(self, sizeof self, "/proc/self/fd/%d", pipe_fd);
    int a = link_text(path, theirs, sizeof theirs), b = link_text(self, mine, sizeof mine);
    printf("child: parent's fd/%s is the same pipe: %d (%.5s)\n", "N", a > 0 && b > 0 && strcmp(mine, theirs) == 0,
           theirs);
}

static void parent_reads_exec_child(const char *program) {
    int ready[2], hold[2];
    if (pipe(ready) < 0 || pipe(hold) < 0) return;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(ready[0]);
        close(hold[1]);
        char ready_fd[16], hold_fd[16];
        snprintf(ready_fd, sizeof ready_fd, "%d", ready[1]);
        snprintf(hold_fd, sizeof hold_fd, "%d", hold[0]);
        char *argv[] = {(char *)program, "--exec-child", ready_fd, hold_fd, "a b", NULL};
        char *envp[] = {"PROC_PIDS_SECRET=1", NULL};
        execve(program, argv, envp);
        _exit(99);
    }
    close(ready[1]);
    close(hold[0]);
    char byte;
    printf("exec child: ready %d\n", read(ready[0], &byte, 1) == 1);

    char path[64], text[4096], expected[512];
    pid_path(path, sizeof path, child, "cmdline");
    int n = read_file(path, text, sizeof text);
    int expected_length = snprintf(expected, sizeof expected, "%s%c--exec-child%c%d%c%d%ca b%c", program, 0, 0, ready[1],
                                   0, hold[0], 0, 0);
    printf("exec child: cmdline is the new argv: %d\n", n == expected_length && memcmp(text, expected, (size_t)n) == 0);
    pid_path(path, sizeof path, child, "environ");
    n = read_file(path, text, sizeof text);
    printf("exec child: environ is the new envp: %d\n", n == 19 && memcmp(text, "PROC_PIDS_SECRET=1", 19) == 0);
    pid_path(path, sizeof path, child, "status");
    read_file(path, text, sizeof text);
    char name[32];
    status_field(text, "Name", name, sizeof name);
    const char *base = strrchr(program, '/') ? strrchr(program, '/') + 1 : program;
    printf("exec child: status Name is the program's (15 bytes): %d, PPid is the parent: %d, Pid %d\n",
           strncmp(name, base, 15) == 0 && strlen(name) == (strlen(base) < 15 ? strlen(base) : 15),
           status_number(text, "PPid") == getpid(), status_number(text, "Pid") == child);
    char exe[512], own_exe[512];
    pid_path(path, sizeof path, child, "exe");
    int a = link_text(path, exe, sizeof exe), b = link_text("/proc/self/exe", own_exe, sizeof own_exe);
    printf("exec child: exe is this program: %d\n", a > 0 && b > 0 && strcmp(exe, own_exe) == 0);
    pid_path(path, sizeof path, child, "stat");
    printf("exec child: asleep on its pipe: %c\n", wait_for_state(path, 'S'));

    // Its end: a zombie until reaped (WNOWAIT waits for the end without reaping).
    int stat_fd = open(path, O_RDONLY);
    char dir_path[64];
    snprintf(dir_path, sizeof dir_path, "/proc/%d", (int)child);
    int dir_fd = open(dir_path, O_RDONLY | O_DIRECTORY);
    close(hold[1]);
    siginfo_t info;
    waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT);
    struct stat_fields f = {0};
    int r = read_stat(path, &f);
    printf("zombie: stat read %s, state %c, ppid is the parent %d, threads %d\n", error_name(-r), f.state,
           f.ppid == getpid(), f.threads);
    pid_path(path, sizeof path, child, "status");
    read_file(path, text, sizeof text);
    char state[32];
    status_field(text, "State", state, sizeof state);
    printf("zombie: status State %s, has VmRSS %d\n", state, strstr(text, "VmRSS") != NULL);
    pid_path(path, sizeof path, child, "cmdline");
    printf("zombie: cmdline length %d\n", read_file(path, text, sizeof text));
    pid_path(path, sizeof path, child, "exe");
    n = link_text(path, text, sizeof text);
    printf("zombie: exe link %s\n", error_name(n < 0 ? -n : 0));

    int status;
    waitpid(child, &status, 0);
    printf("reaped: exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    pid_path(path, sizeof path, child, "stat");
    errno = 0;
    int late = open(path, O_RDONLY);
    printf("reaped: open stat %s\n", error_name(late < 0 ? errno : 0));
    if (late >= 0) close(late);
    errno = 0;
    ssize_t got = read(stat_fd, text, sizeof text);
    printf("reaped: read of a stat opened before %s\n", error_name(got < 0 ? errno : 0));
    errno = 0;
    int inner = openat(dir_fd, "statm", O_RDONLY);
    printf("reaped: openat in its directory %s\n", error_name(inner < 0 ? errno : 0));
    if (inner >= 0) close(inner);
    close(stat_fd);
    close(dir_fd);
    close(ready[0]);
}

// A child asleep on a pipe it shares with its parent: the listing, its fd/ and fdinfo/.
static void parent_reads_sleeping_child(void) {
    int hold[2];
    if (pipe(hold) < 0) return;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(hold[1]);
        char byte;
        while (read(hold[0], &byte, 1) > 0) {
        }
        _exit(0);
    }
    char path[64], text[4096];
    pid_path(path, sizeof path, child, "stat");
    printf("sleeping child: state %c\n", wait_for_state(path, 'S'));

    DIR *proc = opendir("/proc");
    int found_self = 0, found_child = 0, directories = 1;
    struct dirent *entry;
    while (proc && (entry = readdir(proc))) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        // (Their order is not checked: the host's listing was seen out of order now and then.)
        int pid = atoi(entry->d_name);
        found_self |= pid == getpid();
        found_child |= pid == child;
        if (entry->d_type != DT_DIR) directories = 0;
    }
    if (proc) closedir(proc);
    printf("/proc lists the parent %d and the child %d, as directories %d\n", found_self, found_child, directories);

    char fd_name[32], mine[128], theirs[128];
    snprintf(fd_name, sizeof fd_name, "fd/%d", hold[0]);
    pid_path(path, sizeof path, child, fd_name);
    char self[64];
    snprintf(self, sizeof self, "/proc/self/fd/%d", hold[0]);
    int a = link_text(path, theirs, sizeof theirs), b = link_text(self, mine, sizeof mine);
    printf("child's fd/N is the pipe shared across fork: %d (%.5s)\n", a > 0 && b > 0 && strcmp(mine, theirs) == 0,
           theirs);
    snprintf(fd_name, sizeof fd_name, "fd");
    pid_path(path, sizeof path, child, fd_name);
    DIR *fds = opendir(path);
    int listed = 0;
    while (fds && (entry = readdir(fds)))
        if (atoi(entry->d_name) == hold[0] && entry->d_name[0] != '.') listed = entry->d_type == DT_LNK;
    if (fds) closedir(fds);
    printf("child's fd/ lists the pipe as a link: %d\n", listed);
    snprintf(fd_name, sizeof fd_name, "fdinfo/%d", hold[0]);
    pid_path(path, sizeof path, child, fd_name);
    read_file(path, text, sizeof text);
    char pos[32], flags[32];
    status_field(text, "pos", pos, sizeof pos);
    status_field(text, "flags", flags, sizeof flags);
    printf("child's fdinfo: pos %s flags %s\n", pos, flags);
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", (int)child);
    printf("child's directory owned by its uid: %d\n", stat(path, &st) == 0 && st.st_uid == geteuid());

    close(hold[1]);
    close(hold[0]);
    waitpid(child, NULL, 0);
}

static int thread_pipe[2];
static volatile int thread_tid;

static void *blocked_thread(void *arg) {
    (void)arg;
    thread_tid = (int)syscall(SYS_gettid);
    char byte;
    while (read(thread_pipe[0], &byte, 1) > 0) {
    }
    return NULL;
}

static void reads_own_threads(void) {
    if (pipe(thread_pipe) < 0) return;
    pthread_t thread;
    pthread_create(&thread, NULL, blocked_thread, NULL);
    while (!thread_tid) sched_yield();
    char path[96], text[256];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)getpid(), thread_tid);
    char state = wait_for_state(path, 'S');
    struct stat_fields f = {0};
    read_stat(path, &f);
    printf("thread: task/<tid>/stat names the thread %d, state %c, threads %d\n", f.pid == thread_tid, state, f.threads);
    int tasks = 0, found = 0;
    DIR *task = opendir("/proc/self/task");
    struct dirent *entry;
    while (task && (entry = readdir(task))) {
        if (entry->d_name[0] == '.') continue;
        tasks++;
        found |= atoi(entry->d_name) == thread_tid;
    }
    if (task) closedir(task);
    printf("thread: task/ lists %d threads, the second among them %d\n", tasks, found);
    // /proc/<tid> of a thread that is not the first: found, for that thread, but not listed.
    snprintf(path, sizeof path, "/proc/%d/stat", thread_tid);
    memset(&f, 0, sizeof f);
    int r = read_stat(path, &f);
    int listed = 0;
    DIR *proc = opendir("/proc");
    while (proc && (entry = readdir(proc))) listed |= atoi(entry->d_name) == thread_tid;
    if (proc) closedir(proc);
    printf("thread: /proc/<tid> read %s, names the thread %d, listed in /proc %d\n", error_name(r < 0 ? -r : 0),
           f.pid == thread_tid, listed);
    char expected[64];
    snprintf(expected, sizeof expected, "%d/task/%d", (int)getpid(), (int)syscall(SYS_gettid));
    printf("thread: /proc/thread-self names the caller: %d\n",
           link_text("/proc/thread-self", text, sizeof text) > 0 && strcmp(text, expected) == 0);
    close(thread_pipe[1]);
    pthread_join(thread, NULL);
    close(thread_pipe[0]);
}

// Another uid: stat and cmdline are anyone's to read; environ, the links and fd/ are not.
static void other_uid_reads_parent(void) {
    int parent = getpid();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0) _exit(2);
        char path[64], text[4096];
        struct stat_fields f;
        pid_path(path, sizeof path, parent, "stat");
        int n = read_stat(path, &f);
        printf("other uid: stat %s\n", error_name(n < 0 ? -n : 0));
        pid_path(path, sizeof path, parent, "cmdline");
        n = read_file(path, text, sizeof text);
        printf("other uid: cmdline %s\n", error_name(n < 0 ? -n : 0));
        pid_path(path, sizeof path, parent, "environ");
        n = read_file(path, text, sizeof text);
        printf("other uid: environ %s\n", error_name(n < 0 ? -n : 0));
        pid_path(path, sizeof path, parent, "maps");
        n = read_file(path, text, sizeof text);
        printf("other uid: maps %s\n", error_name(n < 0 ? -n : 0));
        const char *links[] = {"exe", "cwd", "root"};
        for (int i = 0; i < 3; i++) {
            pid_path(path, sizeof path, parent, links[i]);
            n = link_text(path, text, sizeof text);
            printf("other uid: readlink %s %s\n", links[i], error_name(n < 0 ? -n : 0));
        }
        pid_path(path, sizeof path, parent, "fd");
        errno = 0;
        DIR *fds = opendir(path);
        printf("other uid: opendir fd %s\n", error_name(fds ? 0 : errno));
        if (fds) closedir(fds);
        _exit(0);
    }
    waitpid(child, NULL, 0);
}

// Everything /proc/<pid> shows, read whatever each read gives: the process may end, be
// reaped or exec at any point in between.
static void read_all_of(int pid) {
    static const char *files[] = {"stat",   "status", "statm",  "cmdline", "environ", "auxv",
                                  "maps",   "comm",   "mounts", "cgroup",  "fdinfo/0", "task/%d/stat"};
    static const char *links[] = {"exe", "cwd", "root", "fd/0", "fd/1"};
    char path[96], name[32], text[8192];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(name, sizeof name, files[i], pid);
        pid_path(path, sizeof path, pid, name);
        read_file(path, text, sizeof text);
    }
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        pid_path(path, sizeof path, pid, links[i]);
        link_text(path, text, sizeof text);
    }
    const char *directories[] = {"fd", "task", "fdinfo"};
    for (size_t i = 0; i < 3; i++) {
        pid_path(path, sizeof path, pid, directories[i]);
        DIR *directory = opendir(path);
        while (directory && readdir(directory)) {
        }
        if (directory) closedir(directory);
    }
}

static void churn(const char *program) {
    int stop[2], started[2];
    if (pipe(stop) < 0 || pipe(started) < 0) return;
    int parent = getpid();
    fflush(stdout);
    pid_t reader = fork();
    if (reader == 0) {
        close(stop[1]);
        close(started[0]);
        fcntl(stop[0], F_SETFL, O_NONBLOCK);
        long rounds = 0;
        char byte;
        while (read(stop[0], &byte, 1) != 0) {  // until the parent closes its end
            DIR *proc = opendir("/proc");
            struct dirent *entry;
            while (proc && (entry = readdir(proc))) {
                int pid = atoi(entry->d_name);
                struct stat_fields f;
                char path[64];
                pid_path(path, sizeof path, pid, "stat");
                if (pid > 0 && read_stat(path, &f) == 0 && (f.ppid == parent || pid == parent)) read_all_of(pid);
            }
            if (proc) closedir(proc);
            // The children start after a first round: on a busy host the reader may not run
            // before all 300 have come and gone.
            if (rounds++ == 0) close(started[1]);
        }
        _exit(rounds > 0 ? 0 : 1);
    }
    close(stop[0]);
    close(started[1]);
    char byte;
    (void)read(started[0], &byte, 1);  // end of file: the reader's first round is done
    close(started[0]);
    int exited = 0;
    for (int i = 0; i < 300; i++) {
        pid_t child = fork();
        if (child == 0) {
            if (i % 3 == 0) {
                char *argv[] = {(char *)program, "--exit", NULL};
                char *envp[] = {NULL};
                execve(program, argv, envp);
            }
            _exit(7);
        }
        int status;
        if (child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status)) exited++;
    }
    close(stop[1]);
    int status;
    waitpid(reader, &status, 0);
    printf("churn: %d children ended while /proc was read; the reader %s\n", exited,
           WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "went on" : "failed");
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 3 && strcmp(argv[1], "--exec-child") == 0) return exec_child(atoi(argv[2]), atoi(argv[3]));
    if (argc > 1 && strcmp(argv[1], "--exit") == 0) return 7;

    char text[256], self[32];
    snprintf(self, sizeof self, "%d", (int)getpid());
    printf("/proc/self names the caller: %d\n", link_text("/proc/self", text, sizeof text) > 0 && strcmp(text, self) == 0);

    // A child reads its parent (asleep in waitpid) and itself.
    int shared[2];
    if (pipe(shared) < 0) return 1;
    int parent = getpid(), grandparent = getppid();
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        child_reads_its_parent(parent, grandparent, shared[0]);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    close(shared[0]);
    close(shared[1]);

    parent_reads_exec_child(argv[0]);
    parent_reads_sleeping_child();
    reads_own_threads();
    other_uid_reads_parent();
    churn(argv[0]);
    return 0;
}
