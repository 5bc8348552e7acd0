// execveat: a program run through a descriptor (fexecve, AT_EMPTY_PATH), a path relative to
// a directory descriptor, AT_SYMLINK_NOFOLLOW's ELOOP, the errors, the name the new program
// gets (AT_EXECFN: "/dev/fd/N" or "/dev/fd/N/path"), and "#!" scripts run that way (ENOENT
// through a close-on-exec descriptor, since the interpreter could not open the name).
// Compared with the host's run.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *error_name(int error) {
    switch (error) {
        case ENOENT: return "ENOENT";
        case EINVAL: return "EINVAL";
        case EBADF: return "EBADF";
        case EACCES: return "EACCES";
        case ELOOP: return "ELOOP";
        case ENOTDIR: return "ENOTDIR";
    }
    return strerror(error);
}

static long execveat_call(int dirfd, const char *path, char *const argv[], int flags) {
    return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

// Runs one execveat (or fexecve) in a child; reports its error, or lets the new image speak.
static void run(const char *what, int dirfd, const char *path, char *const argv[], int flags, int use_fexecve) {
    printf("%s:\n", what);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        if (use_fexecve) fexecve(dirfd, argv, environ);
        else execveat_call(dirfd, path, argv, flags);
        printf("  failed: %s\n", error_name(errno));
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) printf("  status %#x\n", status);
}

int main(int argc, char **argv) {
    if (argc > 2 && strcmp(argv[1], "--report") == 0) {
        const char *execfn = (const char *)getauxval(AT_EXECFN);
        printf("  ran; AT_EXECFN as expected: %d\n", execfn && strcmp(execfn, argv[2]) == 0);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--fpu") == 0) {
        unsigned mxcsr;
        unsigned short x87;
        __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
        __asm__ volatile("fnstcw %0" : "=m"(x87));
        printf("  after execve: MXCSR %#x, x87 control word %#x\n", mxcsr, x87);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--script") == 0) {
        printf("  the interpreter got:");
        for (int i = 2; i < argc; i++) printf(" [%s]", argv[i]);
        printf("\n");
        return 0;
    }
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    for (int fd = 3; fd < 1024; fd++) close(fd);
    char self[4096];
    if (!realpath(argv[0], self)) return 1;
    char directory[4096], base[4096], scratch[4096];
    snprintf(scratch, sizeof scratch, "%s", self);
    snprintf(directory, sizeof directory, "%s", dirname(scratch));
    snprintf(scratch, sizeof scratch, "%s", self);
    snprintf(base, sizeof base, "%s", basename(scratch));

    char expected[8192];
    char *report[] = {self, "--report", expected, NULL};

    int fd = open(self, O_RDONLY);
    snprintf(expected, sizeof expected, "/dev/fd/%d", fd);
    run("fexecve", fd, NULL, report, 0, 1);
    run("execveat AT_EMPTY_PATH", fd, "", report, AT_EMPTY_PATH, 0);
    int cloexec_fd = open(self, O_RDONLY | O_CLOEXEC);
    snprintf(expected, sizeof expected, "/dev/fd/%d", cloexec_fd);
    run("fexecve of a close-on-exec descriptor", cloexec_fd, NULL, report, 0, 1);

    int dirfd = open(directory, O_RDONLY | O_DIRECTORY);
    snprintf(expected, sizeof expected, "/dev/fd/%d/%s", dirfd, base);
    run("execveat from a directory descriptor", dirfd, base, report, 0, 0);
    snprintf(expected, sizeof expected, "%s", self);
    run("execveat of an absolute path ignores the directory", dirfd, self, report, 0, 0);
    run("execveat AT_FDCWD", AT_FDCWD, self, report, AT_SYMLINK_NOFOLLOW, 0);

    run("unknown flags", AT_FDCWD, self, report, 0x1, 0);
    run("unknown flags and an empty path", fd, "", report, 0x1, 0);
    run("an empty path without AT_EMPTY_PATH", fd, "", report, 0, 0);
    run("a closed descriptor", 99, "", report, AT_EMPTY_PATH, 0);
    run("a directory's descriptor", dirfd, "", report, AT_EMPTY_PATH, 0);
    run("AT_FDCWD with an empty path", AT_FDCWD, "", report, AT_EMPTY_PATH, 0);
    run("a relative path from a file's descriptor", fd, "x", report, 0, 0);

    char temporary[] = "/tmp/execveat.XXXXXX";
    if (!mkdtemp(temporary)) return 1;
    char link[4200], script[4200];
    snprintf(link, sizeof link, "%s/link", temporary);
    symlink(self, link);
    run("AT_SYMLINK_NOFOLLOW on a symlink", AT_FDCWD, link, report, AT_SYMLINK_NOFOLLOW, 0);
    snprintf(expected, sizeof expected, "%s", link);
    run("the same symlink followed", AT_FDCWD, link, report, 0, 0);

    snprintf(script, sizeof script, "%s/script", temporary);
    int out = open(script, O_WRONLY | O_CREAT, 0755);
    dprintf(out, "#!%s --script\nnot read\n", self);
    close(out);
    char *script_args[] = {script, "alpha", NULL};
    int script_fd = open(script, O_RDONLY);
    run("a script through fexecve", script_fd, NULL, script_args, 0, 1);
    int script_cloexec = open(script, O_RDONLY | O_CLOEXEC);
    run("a script through a close-on-exec descriptor", script_cloexec, NULL, script_args, 0, 1);
    int temporary_fd = open(temporary, O_RDONLY | O_DIRECTORY);
    run("a script from a directory descriptor", temporary_fd, "script", script_args, 0, 0);
    int temporary_cloexec = open(temporary, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    run("a script from a close-on-exec directory descriptor", temporary_cloexec, "script", script_args, 0, 0);
    unlink(script);
    unlink(link);
    rmdir(temporary);

    // execve starts the new program with the FPU's initial state: MXCSR and the x87 control
    // word changed here (rounding up, exceptions unmasked) do not survive it.
    printf("the FPU state across execve:\n");
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        unsigned mxcsr = 0x5f80;  // round up, all exceptions masked
        unsigned short x87 = 0x0b7f;  // round up
        __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
        __asm__ volatile("fldcw %0" : : "m"(x87));
        char *fpu_args[] = {self, "--fpu", NULL};
        execv(self, fpu_args);
        _exit(99);
    }
    waitpid(child, NULL, 0);
    return 0;
}
