// Job-control stops: SIGSTOP/SIGTSTP/SIGTTIN/SIGTTOU stop every thread of a process,
// SIGCONT continues it (a handler runs, an interrupted read restarts), SIGKILL ends a
// stopped process; wait4 WUNTRACED/WCONTINUED and waitid WSTOPPED/WCONTINUED report them
// once (WNOWAIT: again) with Linux's encodings; the parent's SIGCHLD says CLD_STOPPED and
// CLD_CONTINUED unless SA_NOCLDSTOP. Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *code_name(int code) {
    switch (code) {
        case CLD_EXITED: return "CLD_EXITED";
        case CLD_KILLED: return "CLD_KILLED";
        case CLD_STOPPED: return "CLD_STOPPED";
        case CLD_CONTINUED: return "CLD_CONTINUED";
    }
    return "?";
}

static void describe(const char *what, pid_t got, pid_t expected, int status) {
    printf("%s: %s, status %#x", what, got == expected ? "that child" : got == 0 ? "nothing" : "other", status);
    if (got == expected) {
        if (WIFSTOPPED(status)) printf(" (stopped by %d)", WSTOPSIG(status));
        if (WIFCONTINUED(status)) printf(" (continued)");
        if (WIFSIGNALED(status)) printf(" (killed by %d)", WTERMSIG(status));
        if (WIFEXITED(status)) printf(" (exit %d)", WEXITSTATUS(status));
    }
    printf("\n");
}

// A child in a process group of its own: its parent is in another group of the same
// session, so the group is not orphaned and SIGTSTP/SIGTTIN stop it (Linux discards them
// in an orphaned group, which the test's own group may be under a test runner).
static pid_t sleeper(void) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);
        for (;;) pause();
    }
    setpgid(child, child);
    return child;
}

// The SIGCHLD (blocked) waiting now, if any; or the next one, when it is due (Linux may
// report a stop or continue to wait() a moment before the child sends it).
static void sigchld(const char *what, int due) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    struct timespec now = {0, 0};
    siginfo_t info;
    int sig = due ? sigwaitinfo(&set, &info) : sigtimedwait(&set, &info, &now);
    if (sig == SIGCHLD) printf("%s: SIGCHLD %s, status %d\n", what, code_name(info.si_code), info.si_status);
    else printf("%s: no SIGCHLD\n", what);
}

// The state /proc/<pid>/stat shows (the letter after the command's closing parenthesis).
static void proc_state(const char *what, pid_t pid) {
    char path[64], text[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    size_t length = file ? fread(text, 1, sizeof text - 1, file) : 0;
    if (file) fclose(file);
    text[length] = 0;
    char *end = strrchr(text, ')');
    printf("%s: /proc state %c\n", what, end && end[1] == ' ' ? end[2] : '?');
}

static void stop_and_continue(void) {
    pid_t child = sleeper();
    int status = 0;
    kill(child, SIGSTOP);
    pid_t got = waitpid(child, &status, WUNTRACED);
    describe("WUNTRACED after SIGSTOP", got, child, status);
    proc_state("  stopped", child);
    sigchld("  the parent", 1);
    status = 0;
    got = waitpid(child, &status, WUNTRACED | WNOHANG);
    describe("WUNTRACED again", got, child, status);
    kill(child, SIGCONT);
    status = 0;
    got = waitpid(child, &status, WCONTINUED);
    describe("WCONTINUED after SIGCONT", got, child, status);
    sigchld("  the parent", 1);
    status = 0;
    got = waitpid(child, &status, WCONTINUED | WNOHANG);
    describe("WCONTINUED again", got, child, status);
    kill(child, SIGKILL);
    status = 0;
    got = waitpid(child, &status, 0);
    describe("after SIGKILL", got, child, status);
    sigchld("  the parent", 1);
}

static void with_waitid(void) {
    pid_t child = sleeper();
    kill(child, SIGTSTP);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int r = waitid(P_PID, child, &info, WSTOPPED | WNOWAIT);
    printf("waitid WSTOPPED|WNOWAIT: %d, %s, status %d, pid matches %d\n", r, code_name(info.si_code),
           info.si_status, info.si_pid == child);
    int status = 0;
    pid_t got = waitpid(child, &status, WUNTRACED | WNOHANG);
    describe("  still there for wait4", got, child, status);
    memset(&info, 0, sizeof info);
    r = waitid(P_PID, child, &info, WSTOPPED | WNOHANG);
    printf("  waitid WSTOPPED after it: %d, si_pid %d\n", r, info.si_pid);
    kill(child, SIGCONT);
    memset(&info, 0, sizeof info);
    r = waitid(P_PID, child, &info, WCONTINUED);
    printf("waitid WCONTINUED: %d, %s, status %d\n", r, code_name(info.si_code), info.si_status);
    memset(&info, 0, sizeof info);
    r = waitid(P_PID, child, &info, WEXITED | WSTOPPED | WCONTINUED | WNOHANG);
    printf("  nothing more: %d, si_pid %d\n", r, info.si_pid);
    kill(child, SIGTTIN);
    memset(&info, 0, sizeof info);
    waitid(P_PID, child, &info, WSTOPPED);
    printf("SIGTTIN: %s, status %d\n", code_name(info.si_code), info.si_status);
    kill(child, SIGKILL);
    memset(&info, 0, sizeof info);
    r = waitid(P_PID, child, &info, WEXITED);
    printf("SIGKILL while stopped: %d, %s, status %d\n", r, code_name(info.si_code), info.si_status);

    errno = 0;
    r = waitid(P_ALL, 0, &info, 0);
    printf("waitid with no event asked: %d %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
    errno = 0;
    r = waitid(P_ALL, 0, &info, WNOHANG | WNOWAIT);
    printf("waitid with WNOHANG|WNOWAIT only: %d %s\n", r, errno == EINVAL ? "EINVAL" : strerror(errno));
}

static void no_cldstop(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    action.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &action, NULL);
    pid_t child = sleeper();
    int status = 0;
    kill(child, SIGSTOP);
    pid_t got = waitpid(child, &status, WUNTRACED);
    describe("SA_NOCLDSTOP: stopped", got, child, status);
    sigchld("  the parent", 0);
    kill(child, SIGCONT);
    waitpid(child, &status, WCONTINUED);
    sigchld("  after SIGCONT", 0);
    kill(child, SIGKILL);
    waitpid(child, &status, 0);
    sigchld("  after SIGKILL (a late CLD_CONTINUED would show here)", 1);
    action.sa_flags = 0;
    sigaction(SIGCHLD, &action, NULL);
}

static int continue_pipe[2];
static void on_cont(int sig) {
    (void)sig;
    write(continue_pipe[1], "c", 1);
}

static void continue_handler(void) {
    pipe(continue_pipe);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        signal(SIGCONT, on_cont);
        kill(getpid(), SIGSTOP);
        _exit(5);  // after the handler ran
    }
    int status = 0;
    pid_t got = waitpid(child, &status, WUNTRACED);
    describe("a child that stopped itself", got, child, status);
    kill(child, SIGCONT);
    char byte = 0;
    read(continue_pipe[0], &byte, 1);
    printf("  its SIGCONT handler ran: %c\n", byte);
    waitpid(child, &status, 0);
    describe("  then it went on", child, child, status);
}

// A child in a group of its own (not orphaned: its parent is in another group of the
// session) stops at its own SIGTSTP; the parent sees it and lets it go on.
static void tstp_default(void) {
    fflush(stdout);
    pid_t middle = fork();
    if (middle == 0) {
        pid_t child = fork();
        if (child == 0) {
            setpgid(0, 0);
            raise(SIGTSTP);
            _exit(3);
        }
        int status = 0;
        waitpid(child, &status, WUNTRACED);
        describe("raise(SIGTSTP) in its own group", child, child, status);
        kill(child, SIGCONT);
        waitpid(child, &status, 0);
        describe("  after SIGCONT", child, child, status);
        fflush(stdout);
        _exit(0);
    }
    waitpid(middle, NULL, 0);
}

struct shared {
    volatile long counter;
};
static struct shared *shared;
static int data_pipe[2];

static void *spin(void *unused) {
    (void)unused;
    for (;;) shared->counter++;
    return NULL;
}

// Every thread stops: a spinning one makes no progress, one blocked in read() restarts it
// after SIGCONT and gets the byte written then.
static void threads(void) {
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pipe(data_pipe);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        pthread_t thread;
        pthread_create(&thread, NULL, spin, NULL);
        char byte = 0;
        ssize_t got = read(data_pipe[0], &byte, 1);
        _exit(got == 1 ? byte : 100 + errno);
    }
    while (shared->counter == 0) sched_yield();  // the spinning thread runs
    kill(child, SIGSTOP);
    int status = 0;
    waitpid(child, &status, WUNTRACED);
    describe("a process of two threads", child, child, status);
    long before = shared->counter;
    usleep(20000);
    printf("  its spinning thread stopped: %d\n", shared->counter == before);
    kill(child, SIGCONT);
    waitpid(child, &status, WCONTINUED);
    while (shared->counter == before) sched_yield();
    printf("  and runs again after SIGCONT\n");
    write(data_pipe[1], "\x2a", 1);
    waitpid(child, &status, 0);
    describe("  its read went on and got the byte", child, child, status);
}

int main(void) {
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    // SIGCHLD is blocked to be read with sigtimedwait; SIG_DFL would drop it otherwise.
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    stop_and_continue();
    with_waitid();
    sigchld("(drained)", 0);
    no_cldstop();
    continue_handler();
    sigchld("(drained)", 0);
    tstp_default();
    sigchld("(drained)", 0);
    threads();
    return 0;
}
