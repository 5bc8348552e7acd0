// Shared helpers for the socket test programs (the networking issue). Each program is an
// ordinary Linux program that plays both ends of its connections itself (threads or
// non-blocking sockets; Osprey has no fork), over 127.0.0.1 and AF_UNIX only. It checks
// every result and prints a transcript on stdout: "ok: ..." when a section's checks all
// held, and "name: value" lines for what Linux decides (errno names, byte counts, poll
// bits). Linux is the reference: the same binary runs on the host and its stdout is
// compared byte for byte with the run inside Osprey, so nothing printed may depend on the
// run (no port numbers, addresses of the host's other interfaces, pids, times).
// A wrong result prints "FAIL: file:line: ..." on stderr and the program exits 1.
#ifndef OSPREY_NET_TEST_H
#define OSPREY_NET_TEST_H

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

// Constants from kernel headers that musl's toolchain does not ship.
#ifndef SO_PROTOCOL
#define SO_PROTOCOL 38
#endif
#ifndef SO_DOMAIN
#define SO_DOMAIN 39
#endif
#ifndef EPOLLEXCLUSIVE
#define EPOLLEXCLUSIVE (1u << 28)
#endif
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ TIOCOUTQ
#endif

static inline const char *errno_name(int e) {
    switch (e) {
    case 0: return "0";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EEXIST: return "EEXIST";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case EMFILE: return "EMFILE";
    case ENOTTY: return "ENOTTY";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EPIPE: return "EPIPE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case EDOM: return "EDOM";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case ENOTSOCK: return "ENOTSOCK";
    case EDESTADDRREQ: return "EDESTADDRREQ";
    case EMSGSIZE: return "EMSGSIZE";
    case EPROTOTYPE: return "EPROTOTYPE";
    case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
    case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case EPFNOSUPPORT: return "EPFNOSUPPORT";
    case EAFNOSUPPORT: return "EAFNOSUPPORT";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ENETDOWN: return "ENETDOWN";
    case ENETUNREACH: return "ENETUNREACH";
    case ECONNABORTED: return "ECONNABORTED";
    case ECONNRESET: return "ECONNRESET";
    case ENOBUFS: return "ENOBUFS";
    case EISCONN: return "EISCONN";
    case ENOTCONN: return "ENOTCONN";
    case ESHUTDOWN: return "ESHUTDOWN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case EALREADY: return "EALREADY";
    case EINPROGRESS: return "EINPROGRESS";
    case ENODEV: return "ENODEV";
    case ENXIO: return "ENXIO";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

// --- checks -----------------------------------------------------------------------------------

// A failed check prints FAIL and the program goes on, so one run reports every broken
// behaviour; the section's "ok:" line is then left out and the program exits 1. After
// kMaxFailures it stops, so a cascade cannot loop. REQUIRE stops at once, for results the
// rest depends on (a listening socket).
enum { kMaxFailures = 40 };
static int g_failures;
static int g_section_failures;
static pthread_mutex_t g_report_lock = PTHREAD_MUTEX_INITIALIZER;

static void exit_status_on_failure(void) {
    if (g_failures) {
        fflush(stdout);
        _exit(1);
    }
}
__attribute__((constructor)) static void register_exit_status(void) {
    atexit(exit_status_on_failure);
    // Output goes to a file or pipe: line buffering keeps a crash's transcript complete.
    setvbuf(stdout, NULL, _IOLBF, 0);
}

__attribute__((format(printf, 3, 4))) static inline void
fail_at(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    pthread_mutex_lock(&g_report_lock);
    fflush(stdout);
    fprintf(stderr, "FAIL: %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    g_failures++;
    g_section_failures++;
    int too_many = g_failures >= kMaxFailures;
    pthread_mutex_unlock(&g_report_lock);
    if (too_many) {
        fprintf(stderr, "FAIL: stopping after %d failures\n", g_failures);
        fflush(stdout);
        _exit(1);
    }
}
#define FAIL(...) fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define FATAL(...)                                                                               \
    do {                                                                                         \
        fail_at(__FILE__, __LINE__, __VA_ARGS__);                                                \
        fflush(stdout);                                                                          \
        _exit(1);                                                                                \
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
            FAIL("%s: expected %s = %lld (%#llx), got %lld (%#llx)", #actual, #expected, eq_e_,  \
                 eq_e_, eq_a_, eq_a_);                                                           \
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

// One transcript line: what Linux decided, printed so a guest run that differs shows where.
__attribute__((format(printf, 1, 2))) static inline void say(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    va_end(ap);
}

// What a call returned, as text: its errno's name when it failed (-1), else the number.
static inline const char *result_text(long result, int error) {
    static char buf[8][32];
    static int next;
    if (result == -1)
        return errno_name(error);
    char *out = buf[next++ % 8];
    snprintf(out, sizeof buf[0], "%ld", result);
    return out;
}
#define RESULT_OF(expr)                                                                          \
    ({                                                                                           \
        errno = 0;                                                                               \
        long ro_result_ = (long)(expr);                                                          \
        result_text(ro_result_, errno);                                                          \
    })

// --- readiness bits as names ------------------------------------------------------------------

static inline const char *poll_names(int revents) {
    static char buf[8][128];
    static int next;
    char *out = buf[next++ % 8];
    out[0] = 0;
    static const struct { int bit; const char *name; } names[] = {
        {POLLIN, "IN"},     {POLLPRI, "PRI"},   {POLLOUT, "OUT"},       {POLLERR, "ERR"},
        {POLLHUP, "HUP"},   {POLLNVAL, "NVAL"}, {POLLRDNORM, "RDNORM"}, {POLLRDBAND, "RDBAND"},
        {POLLWRNORM, "WRNORM"}, {POLLWRBAND, "WRBAND"}, {POLLRDHUP, "RDHUP"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (revents & names[i].bit) {
            if (out[0])
                strcat(out, "|");
            strcat(out, names[i].name);
            revents &= ~names[i].bit;
        }
    if (revents)
        sprintf(out + strlen(out), "%s%#x", out[0] ? "|" : "", revents);
    if (!out[0])
        strcpy(out, "0");
    return out;
}

static inline const char *epoll_names(uint32_t events) {
    static char buf[8][128];
    static int next;
    char *out = buf[next++ % 8];
    out[0] = 0;
    static const struct { uint32_t bit; const char *name; } names[] = {
        {EPOLLIN, "IN"},   {EPOLLPRI, "PRI"},     {EPOLLOUT, "OUT"},
        {EPOLLERR, "ERR"}, {EPOLLHUP, "HUP"},     {EPOLLRDNORM, "RDNORM"},
        {EPOLLRDBAND, "RDBAND"}, {EPOLLWRNORM, "WRNORM"}, {EPOLLWRBAND, "WRBAND"},
        {EPOLLRDHUP, "RDHUP"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (events & names[i].bit) {
            if (out[0])
                strcat(out, "|");
            strcat(out, names[i].name);
            events &= ~names[i].bit;
        }
    if (events)
        sprintf(out + strlen(out), "%s%#x", out[0] ? "|" : "", events);
    if (!out[0])
        strcpy(out, "0");
    return out;
}

// poll() on one fd for `events` with a timeout in ms; returns revents (0 on timeout).
static inline int poll_one(int fd, int events, int timeout_ms) {
    struct pollfd p = {.fd = fd, .events = (short)events};
    int n = poll(&p, 1, timeout_ms);
    if (n < 0) {
        FAIL("poll: %s", errno_name(errno));
        return -1;
    }
    return n ? p.revents : 0;
}

// Waits (bounded, 20 s) until `fd` reports one of `events`; fails the test if it never does.
// The bound is only a guard against a hang, never a claim about speed.
#define WAIT_FOR(fd, events) wait_for_at((fd), (events), __FILE__, __LINE__)
static inline int wait_for_at(int fd, int events, const char *file, int line) {
    int revents = poll_one(fd, events, 20000);
    if (revents <= 0)
        fail_at(file, line, "fd %d never became ready for %s", fd, poll_names(events));
    return revents;
}

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline void sleep_ms(int ms) {
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

// --- addresses and sockets --------------------------------------------------------------------

static inline struct sockaddr_in loopback(uint16_t port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static inline uint16_t local_port(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        FATAL("getsockname: %s", errno_name(errno));
    return ntohs(a.sin_port);
}

// A socket of `type` bound to 127.0.0.1 on a port the kernel picks (tests run in parallel,
// so never a fixed port). `port` receives the port.
static inline int bound_socket(int type, uint16_t *port) {
    int fd = socket(AF_INET, type, 0);
    REQUIRE(fd >= 0, "socket: %s", errno_name(errno));
    struct sockaddr_in a = loopback(0);
    REQUIRE(bind(fd, (struct sockaddr *)&a, sizeof a) == 0, "bind: %s", errno_name(errno));
    if (port)
        *port = local_port(fd);
    return fd;
}

static inline int tcp_listener(int backlog, uint16_t *port) {
    int fd = bound_socket(SOCK_STREAM, port);
    REQUIRE(listen(fd, backlog) == 0, "listen: %s", errno_name(errno));
    return fd;
}

// A blocking connect to 127.0.0.1:port; returns the connected socket.
static inline int tcp_connect(uint16_t port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0, "socket: %s", errno_name(errno));
    struct sockaddr_in a = loopback(port);
    REQUIRE(connect(fd, (struct sockaddr *)&a, sizeof a) == 0, "connect: %s", errno_name(errno));
    return fd;
}

// A connected TCP pair through `listener`: the client end and the accepted end. Loopback
// connects complete without the peer calling accept (the handshake is the kernel's).
static inline void tcp_pair(int listener, int *client, int *server) {
    *client = tcp_connect(local_port(listener));
    *server = accept(listener, NULL, NULL);
    REQUIRE(*server >= 0, "accept: %s", errno_name(errno));
}

// A port on 127.0.0.1 where nothing listens: bound (so no one else takes it while the
// socket lives) but not listening. Close `*holder` when done.
static inline uint16_t closed_port(int *holder) {
    uint16_t port;
    *holder = bound_socket(SOCK_STREAM, &port);
    return port;
}

static inline void set_nonblocking(int fd, int on) {
    int flags = fcntl(fd, F_GETFL);
    REQUIRE(flags >= 0, "F_GETFL: %s", errno_name(errno));
    REQUIRE(fcntl(fd, F_SETFL, on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK) == 0,
            "F_SETFL: %s", errno_name(errno));
}

static inline int int_option(int fd, int level, int name) {
    int value = -1;
    socklen_t len = sizeof value;
    if (getsockopt(fd, level, name, &value, &len) != 0) {
        FAIL("getsockopt(%d, %d): %s", level, name, errno_name(errno));
        return -1;
    }
    if (len != sizeof value)
        FAIL("getsockopt(%d, %d): length %u", level, name, (unsigned)len);
    return value;
}

static inline void set_int_option(int fd, int level, int name, int value) {
    if (setsockopt(fd, level, name, &value, sizeof value) != 0)
        FAIL("setsockopt(%d, %d, %d): %s", level, name, value, errno_name(errno));
}

// Writes/reads exactly len bytes (blocking fds), failing the test on an error or early end.
static inline int write_all(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            FAIL("send: %zd (%s)", n, errno_name(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
static inline int read_all(int fd, void *buf, size_t len) {
    char *p = buf;
    while (len) {
        ssize_t n = recv(fd, p, len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            FAIL("recv: %zd (%s), %zu bytes short", n, errno_name(errno), len);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

// A deterministic byte stream: byte i of stream `seed`.
static inline unsigned char pattern_byte(uint64_t i, unsigned seed) {
    uint64_t x = i * 0x9e3779b97f4a7c15ull + seed * 0xbf58476d1ce4e5b9ull;
    x ^= x >> 29;
    return (unsigned char)(x ^ (x >> 17));
}

// FNV-1a, enough to tell a reordered, lost or duplicated byte.
static inline uint64_t fnv1a(uint64_t hash, const void *data, size_t len) {
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= 0x100000001b3ull;
    }
    return hash;
}
#define FNV_START 0xcbf29ce484222325ull

// Runs `fn(arg)` in a new thread.
static inline pthread_t start_thread(void *(*fn)(void *), void *arg) {
    pthread_t t;
    int rc = pthread_create(&t, NULL, fn, arg);
    REQUIRE(rc == 0, "pthread_create: %s", errno_name(rc));
    return t;
}

// Makes a private directory under /tmp for socket files, removed at exit (with the files
// registered through unix_path). Never printed: its name has the pid.
static char g_sock_dir[64];
static char g_sock_files[32][PATH_MAX];
static void remove_sock_dir(void) {
    for (int i = 0; i < 32; i++)
        if (g_sock_files[i][0])
            unlink(g_sock_files[i]);
    if (g_sock_dir[0])
        rmdir(g_sock_dir);
}
static inline const char *sock_dir(void) {
    if (!g_sock_dir[0]) {
        snprintf(g_sock_dir, sizeof g_sock_dir, "/tmp/osprey-net-%d", (int)getpid());
        if (mkdir(g_sock_dir, 0700) != 0)
            FATAL("mkdir %s: %s", g_sock_dir, errno_name(errno));
        atexit(remove_sock_dir);
    }
    return g_sock_dir;
}

// sockaddr_un for the file NAME in the private directory; `len` gets the address length.
static inline struct sockaddr_un unix_path(const char *name, socklen_t *len) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s/%s", sock_dir(), name);
    for (int i = 0; i < 32; i++) {
        if (strcmp(g_sock_files[i], a.sun_path) == 0)
            break;
        if (!g_sock_files[i][0]) {
            strcpy(g_sock_files[i], a.sun_path);
            break;
        }
    }
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a.sun_path) + 1);
    return a;
}

// sockaddr_un for an abstract name (a leading NUL, then NAME plus the pid so parallel runs
// of the same test never meet); `len` counts exactly the name's bytes.
static inline struct sockaddr_un unix_abstract(const char *name, socklen_t *len) {
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "osprey-net-%d-%s", (int)getpid(),
                     name);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
    return a;
}

#endif
