// execve: a child re-executes this program (its own path, argv[0]) in a second role that
// reports what it was given: argv and envp, the same pid, descriptors kept or closed by
// close-on-exec, a caught signal back to its default and an ignored one still ignored,
// the signal mask kept. Then the errors: ENOENT, EACCES (not executable), ENOEXEC (not an
// ELF file, no "#!"), E2BIG-free long arguments, and a "#!" script whose interpreter is
// this program; posix_spawn and vfork. Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void on_usr1(int sig) { (void)sig; }

// The second role: what the new image sees.
static int report(int argc, char **argv) {
    printf("  argc %d:", argc);
    for (int i = 1; i < argc; i++) printf(" [%s]", argv[i]);
    printf("\n");
    printf("  EXEC_TEST=%s\n", getenv("EXEC_TEST") ? getenv("EXEC_TEST") : "(unset)");
    char expected_pid[32];
    snprintf(expected_pid, sizeof expected_pid, "%d", (int)getpid());
    printf("  same pid as before exec: %d\n", getenv("EXEC_PID") && strcmp(getenv("EXEC_PID"), expected_pid) == 0);
    printf("  fd 10 (kept) open: %d, fd 11 (close-on-exec) open: %d\n", fcntl(10, F_GETFD) >= 0, fcntl(11, F_GETFD) >= 0);
    struct sigaction action;
    sigaction(SIGUSR1, NULL, &action);
    printf("  SIGUSR1 handler back to default: %d\n", action.sa_handler == SIG_DFL);
    sigaction(SIGUSR2, NULL, &action);
    printf("  SIGUSR2 still ignored: %d\n", action.sa_handler == SIG_IGN);
    sigset_t mask;
    sigprocmask(SIG_SETMASK, NULL, &mask);
    printf("  SIGHUP still blocked: %d\n", sigismember(&mask, SIGHUP));
    return 0;
}

static void run(const char *what, char *const argv[], char *const envp[]) {
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        char pid[32];
        snprintf(pid, sizeof pid, "EXEC_PID=%d", (int)getpid());
        char *env[8];
        int n = 0;
        for (int i = 0; envp[i] && n < 6; i++) env[n++] = envp[i];
        env[n++] = pid;
        env[n] = NULL;
        execve(argv[0], argv, env);
        printf("%s: execve failed: %s\n", what, strerror(errno));
        fflush(stdout);
        _exit(99);
    }
    int status;
    waitpid(child, &status, 0);
    printf("%s: exited %d\n", what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

// Edits of an ELF header (Elf64_Ehdr offsets: e_ident[EI_CLASS] 4, e_type 16, e_machine 18).
static void set_class_32(unsigned char *h) { h[4] = 1; }
static void set_machine_arm64(unsigned char *h) { h[18] = 183, h[19] = 0; }
static void set_type_rel(unsigned char *h) { h[16] = 1, h[17] = 0; }

static void expect_error(const char *what, const char *path) {
    char *argv[] = {(char *)path, NULL};
    char *envp[] = {NULL};
    errno = 0;
    int r = execve(path, argv, envp);
    printf("%s: %d %s\n", what, r, strerror(errno));
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--report") == 0) return report(argc, argv);
    if (argc > 1 && strcmp(argv[1], "--spawned") == 0) {
        printf("  spawned with %d arguments\n", argc - 1);
        return 3;
    }
    if (argc > 1 && strcmp(argv[1], "--script") == 0) {
        // Run as a script's interpreter: argv is [us, --script, script path, its args...].
        printf("  interpreter got %d arguments; the script is argument 2: %d; then:", argc - 1,
               argc > 2 && strstr(argv[2], "exec_test_script") != NULL);
        for (int i = 3; i < argc; i++) printf(" [%s]", argv[i]);
        printf("\n");
        return 6;
    }
    const char *self = argv[0];

    // Descriptors and signals the new image should find (or not).
    int kept = open("/dev/null", O_RDONLY);
    dup2(kept, 10);
    int closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup3(closed, 11, O_CLOEXEC);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, SIG_IGN);
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);

    char *args[] = {(char *)self, "--report", "one", "two words", "", "last", NULL};
    char *envp[] = {"EXEC_TEST=from the parent", NULL};
    run("execve of this program", args, envp);

    // Long arguments: 200 of 1000 bytes each.
    static char big[200][1001];
    char *many[203];
    many[0] = (char *)self;
    many[1] = "--report";
    for (int i = 0; i < 200; i++) {
        memset(big[i], 'a' + i % 26, 1000);
        big[i][1000] = '\0';
        many[i + 2] = big[i];
    }
    many[202] = NULL;
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(devnull, 1);
        char *env[] = {NULL};
        execve(self, many, env);
        _exit(99);
    }
    int status;
    waitpid(child, &status, 0);
    printf("200 arguments of 1000 bytes: exited %d\n", WEXITSTATUS(status));

    // Errors leave the caller as it was.
    expect_error("a path that does not exist", "/no/such/program");
    char dir[] = "/tmp/exec_test.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    char text[256], script[256];
    snprintf(text, sizeof text, "%s/not_executable", dir);
    int fd = open(text, O_WRONLY | O_CREAT, 0644);
    write(fd, "hello\n", 6);
    close(fd);
    expect_error("a file without execute permission", text);
    chmod(text, 0755);
    expect_error("a text file that is not a script", text);
    expect_error("a directory", dir);

    // Broken and foreign ELF files: the caller gets the error and goes on.
    unsigned char header[64];
    fd = open(self, O_RDONLY);
    if (fd < 0 || read(fd, header, sizeof header) != (ssize_t)sizeof header) return 1;
    close(fd);
    char broken[256];
    snprintf(broken, sizeof broken, "%s/broken", dir);
    struct {
        const char *what;
        size_t length;
        void (*change)(unsigned char *);
    } variants[] = {
        {"an ELF cut inside its header", 10, NULL},
        {"an ELF cut after its header (no program headers)", 64, NULL},
        {"a 32-bit ELF", 64, set_class_32},
        {"an ELF for another machine", 64, set_machine_arm64},
        {"an ELF relocatable object", 64, set_type_rel},
    };
    for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
        unsigned char copy[64];
        memcpy(copy, header, sizeof copy);
        if (variants[i].change) variants[i].change(copy);
        fd = open(broken, O_WRONLY | O_CREAT | O_TRUNC, 0755);
        write(fd, copy, variants[i].length);
        close(fd);
        expect_error(variants[i].what, broken);
    }
    unlink(broken);

    // A script whose interpreter is this program.
    snprintf(script, sizeof script, "%s/exec_test_script", dir);
    fd = open(script, O_WRONLY | O_CREAT, 0755);
    dprintf(fd, "#!%s --script\nthis line is not read by anyone\n", self);
    close(fd);
    char *script_args[] = {script, "alpha", "beta", NULL};
    char *no_env[] = {NULL};
    run("a #! script", script_args, no_env);
    unlink(script);
    unlink(text);
    rmdir(dir);

    // posix_spawn (glibc: clone with CLONE_VM|CLONE_VFORK; musl: the same), its error
    // report through the shared memory, and vfork followed by execve.
    pid_t spawned;
    char *spawn_args[] = {(char *)self, "--spawned", "x", NULL};
    int r = posix_spawn(&spawned, self, NULL, NULL, spawn_args, environ);
    waitpid(spawned, &status, 0);
    printf("posix_spawn: %s, exited %d\n", r ? strerror(r) : "ok", WEXITSTATUS(status));
    char *missing_args[] = {"/no/such/program", NULL};
    r = posix_spawn(&spawned, "/no/such/program", NULL, NULL, missing_args, environ);
    printf("posix_spawn of a missing program: %s\n", r ? strerror(r) : "ok");
    if (r == 0) waitpid(spawned, &status, 0);
    fflush(stdout);
    child = vfork();
    if (child == 0) {
        execve(self, spawn_args, environ);
        _exit(99);
    }
    waitpid(child, &status, 0);
    printf("vfork and execve: exited %d\n", WEXITSTATUS(status));
    printf("exec ok\n");
    return 0;
}
