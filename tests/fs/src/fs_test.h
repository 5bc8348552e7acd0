// Shared helpers for the file-system guest tests (issue 7). Each test is an ordinary static
// Linux program: it checks itself, prints deterministic "ok: ..." lines on stdout and, on
// the first wrong result, "FAIL: file:line: what, expected X, got Y" on stderr and exits 1.
// Linux is the reference: the same binary runs on the host and its stdout is compared byte
// for byte with the run inside Osprey, so nothing printed may depend on the run (no pids,
// no inode numbers, no times, no sizes of directories, which differ between file systems).
#ifndef OSPREY_FS_TEST_H
#define OSPREY_FS_TEST_H

#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

// Constants from kernel headers that musl's toolchain does not ship.
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#endif
#ifndef FALLOC_FL_PUNCH_HOLE
#define FALLOC_FL_PUNCH_HOLE 0x02
#endif
#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6
#define PROC_SUPER_MAGIC 0x9fa0
#define SYSFS_MAGIC 0x62656572
#define EXT4_SUPER_MAGIC 0xEF53
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif

static inline const char *errno_name(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ETXTBSY: return "ETXTBSY";
    case EOVERFLOW: return "EOVERFLOW";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EDEADLK: return "EDEADLK";
    case ENOLCK: return "ENOLCK";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

// A failed check prints FAIL and the test goes on, so one run reports every broken behaviour,
// not only the first; the section's "ok:" line is then left out and the program exits 1.
// After kMaxFailures it stops, so a cascade cannot loop. FATAL and REQUIRE stop at once,
// for results the rest depends on (a mapping that must exist before it is touched).
enum { kMaxFailures = 40 };
static int g_failures;
static int g_section_failures;

static void exit_status_on_failure(void) {
    if (g_failures) {
        fflush(stdout);
        _exit(1);
    }
}
__attribute__((constructor)) static void register_exit_status(void) {
    // Registered before anything else, so it runs last, after the test directory is removed.
    atexit(exit_status_on_failure);
}

__attribute__((format(printf, 3, 4))) static inline void
fail_at(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "FAIL: %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    g_failures++;
    g_section_failures++;
    if (g_failures >= kMaxFailures) {
        fprintf(stderr, "FAIL: stopping after %d failures\n", g_failures);
        exit(1);
    }
}
#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define FATAL(...)                                                                               \
    do {                                                                                         \
        fail_at(__FILE__, __LINE__, __VA_ARGS__);                                                \
        exit(1);                                                                                 \
    } while (0)
#define CHECK(cond, ...)                                                                         \
    do {                                                                                         \
        if (!(cond))                                                                             \
            FAIL(__VA_ARGS__);                                                                   \
    } while (0)
#define REQUIRE(cond, ...)                                                                       \
    do {                                                                                         \
        if (!(cond))                                                                             \
            FATAL(__VA_ARGS__);                                                                  \
    } while (0)
// A call that must succeed (result >= 0); evaluates to its result.
#define OK(expr)                                                                                 \
    ({                                                                                           \
        errno = 0;                                                                               \
        long ok_result_ = (long)(expr);                                                          \
        if (ok_result_ < 0)                                                                      \
            FAIL("%s: expected success, got %ld (%s)", #expr, ok_result_, errno_name(errno));   \
        ok_result_;                                                                              \
    })
// A call that must fail with -1 and errno `e`.
#define ERR(expr, e)                                                                             \
    do {                                                                                         \
        errno = 0;                                                                               \
        long err_result_ = (long)(expr);                                                         \
        int err_errno_ = errno;                                                                  \
        if (err_result_ != -1 || err_errno_ != (e))                                              \
            FAIL("%s: expected -1 (%s), got %ld (%s)", #expr, #e, err_result_,                   \
                 err_result_ == -1 ? errno_name(err_errno_) : "no error");                       \
    } while (0)
// Two integers that must be equal.
#define EQ(actual, expected)                                                                     \
    do {                                                                                         \
        long long eq_a_ = (long long)(actual), eq_e_ = (long long)(expected);                    \
        if (eq_a_ != eq_e_)                                                                      \
            FAIL("%s: expected %s = %lld (%#llo octal), got %lld (%#llo octal)", #actual,        \
                 #expected, eq_e_, eq_e_, eq_a_, eq_a_);                                         \
    } while (0)
#define STREQ(actual, expected)                                                                  \
    do {                                                                                         \
        const char *se_a_ = (actual), *se_e_ = (expected);                                       \
        if (strcmp(se_a_, se_e_) != 0)                                                           \
            FAIL("%s: expected \"%s\", got \"%s\"", #actual, se_e_, se_a_);                      \
    } while (0)

// Ends a section: prints "ok: ..." if none of its checks failed since the last ok().
__attribute__((format(printf, 1, 2))) static inline void ok(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (g_section_failures == 0) {
        fputs("ok: ", stdout);
        vprintf(fmt, ap);
        fputc('\n', stdout);
    } else {
        fprintf(stderr, "FAIL: section not ok: ");
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
    g_section_failures = 0;
}

// --- the test directory ---------------------------------------------------------------------

static char g_test_dir[PATH_MAX];

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st, (void)ftw;
    if (type == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

static inline void remove_tree(const char *path) {
    // Restore write permission everywhere first so a test that chmods a directory to 0500
    // cannot leave a tree behind on the host.
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

// Other paths outside the test directory (in /dev/shm, next to the binary) to remove at exit.
static char g_extra_paths[4][PATH_MAX];
static inline void remove_at_exit(const char *path) {
    for (int i = 0; i < 4; i++)
        if (!g_extra_paths[i][0]) {
            snprintf(g_extra_paths[i], PATH_MAX, "%s", path);
            return;
        }
    FATAL("too many paths to remove at exit");
}

static void remove_test_dir(void) {
    for (int i = 0; i < 4; i++)
        if (g_extra_paths[i][0])
            remove_tree(g_extra_paths[i]);
    if (g_test_dir[0]) {
        if (chdir("/") != 0) {
        }
        remove_tree(g_test_dir);
        g_test_dir[0] = 0;
    }
}

// Makes BASE/osprey-fs-test-<pid> (BASE is /tmp unless given), removed at exit, and changes
// into it. Never print its name: the pid differs between runs.
static inline const char *make_test_dir_in(const char *base) {
    snprintf(g_test_dir, sizeof g_test_dir, "%s/osprey-fs-test-%d", base, (int)getpid());
    remove_tree(g_test_dir);
    if (mkdir(g_test_dir, 0755) != 0)
        FATAL("mkdir %s: %s", g_test_dir, errno_name(errno));
    atexit(remove_test_dir);
    if (chdir(g_test_dir) != 0)
        FATAL("chdir %s: %s", g_test_dir, errno_name(errno));
    return g_test_dir;
}
// In /tmp, or in $OSPREY_FS_TEST_BASE (the guest tests that run these programs on a host
// folder shared with `osprey run -v` set it).
static inline const char *make_test_dir(void) {
    const char *base = getenv("OSPREY_FS_TEST_BASE");
    return make_test_dir_in(base && *base ? base : "/tmp");
}

// --- small file helpers ------------------------------------------------------------------------

static inline void write_file_at(int dirfd, const char *path, const char *text, mode_t mode) {
    int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    if (fd < 0) {
        FAIL("create %s: %s", path, errno_name(errno));
        return;
    }
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        FAIL("write %s: %s", path, errno_name(errno));
    close(fd);
}
static inline void write_file(const char *path, const char *text) {
    write_file_at(AT_FDCWD, path, text, 0644);
}

// Reads the whole file (up to 64 KiB) into a static buffer, as a string; a failure names the
// caller's line.
#define read_file_at(dirfd, path) read_file_at_line(dirfd, path, __FILE__, __LINE__)
#define read_file(path) read_file_at_line(AT_FDCWD, path, __FILE__, __LINE__)
static inline const char *read_file_at_line(int dirfd, const char *path, const char *file,
                                            int line) {
    static char buf[65536];
    int fd = openat(dirfd, path, O_RDONLY);
    if (fd < 0) {
        fail_at(file, line, "open %s: %s", path, errno_name(errno));
        return "(open failed)";
    }
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, sizeof buf - 1 - total);
        if (n < 0) {
            fail_at(file, line, "read %s: %s", path, errno_name(errno));
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
    }
    close(fd);
    buf[total] = 0;
    return buf;
}

static inline const char *read_fd_all(int fd) {
    static char buf[65536];
    size_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf + total, sizeof buf - 1 - total);
        if (n < 0) {
            FAIL("read fd %d: %s", fd, errno_name(errno));
            break;
        }
        if (n == 0)
            break;
        total += (size_t)n;
    }
    buf[total] = 0;
    return buf;
}

static inline int compare_strings(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

// The directory the test binary lives in (from argv[0], an absolute path in these tests):
// inside Osprey it is on the root file system (the image puts the binary at its host path),
// on the host on the disk, while /dev/shm is tmpfs on both: renames between them must fail
// with EXDEV. Not /proc/self/exe, so these tests do not depend on procfs.
static inline const char *exe_dir(const char *argv0) {
    static char dir[PATH_MAX];
    if (argv0[0] != '/')
        FATAL("argv[0] %s is not absolute", argv0);
    snprintf(dir, sizeof dir, "%s", argv0);
    *strrchr(dir, '/') = 0;
    return dir[0] ? dir : "/";
}

#endif
