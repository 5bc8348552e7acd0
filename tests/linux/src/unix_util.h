// Helpers shared by the AF_UNIX cases (unix_*.c): errno names, socket addresses built from
// per-process unique paths (the host runs several builds of a case at once, so paths carry
// the pid — never printed), and small readiness checks.
#pragma once

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

// <linux/sockios.h> is not in musl's headers.
#ifndef SIOCINQ
#define SIOCINQ FIONREAD
#endif
#ifndef SIOCOUTQ
#define SIOCOUTQ 0x5411
#endif

static inline const char *err_name(int e) {
    switch (e) {
        case 0: return "ok";
        case EPERM: return "EPERM";
        case ENOENT: return "ENOENT";
        case ESRCH: return "ESRCH";
        case EINTR: return "EINTR";
        case EBADF: return "EBADF";
        case EAGAIN: return "EAGAIN";
        case ENOMEM: return "ENOMEM";
        case EACCES: return "EACCES";
        case EFAULT: return "EFAULT";
        case EEXIST: return "EEXIST";
        case ENOTDIR: return "ENOTDIR";
        case EINVAL: return "EINVAL";
        case ENXIO: return "ENXIO";
        case EPIPE: return "EPIPE";
        case ENAMETOOLONG: return "ENAMETOOLONG";
        case ENOTSOCK: return "ENOTSOCK";
        case EDESTADDRREQ: return "EDESTADDRREQ";
        case EMSGSIZE: return "EMSGSIZE";
        case EPROTOTYPE: return "EPROTOTYPE";
        case ENOPROTOOPT: return "ENOPROTOOPT";
        case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
        case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
        case EOPNOTSUPP: return "EOPNOTSUPP";
        case EAFNOSUPPORT: return "EAFNOSUPPORT";
        case EADDRINUSE: return "EADDRINUSE";
        case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
        case ECONNRESET: return "ECONNRESET";
        case EISCONN: return "EISCONN";
        case ENOTCONN: return "ENOTCONN";
        case ETOOMANYREFS: return "ETOOMANYREFS";
        case ETIMEDOUT: return "ETIMEDOUT";
        case ECONNREFUSED: return "ECONNREFUSED";
        case EINPROGRESS: return "EINPROGRESS";
        case EALREADY: return "EALREADY";
        default: return "E?";
    }
}

// "ok" for a non-negative result, else the errno's name.
static inline const char *res(long r) { return r < 0 ? err_name(errno) : "ok"; }

// A filesystem address /tmp/osprey-unix-<pid>-<tag>, its length as bind takes it (the
// path and its NUL).
static inline socklen_t path_address(struct sockaddr_un *a, const char *tag) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path, sizeof a->sun_path, "/tmp/osprey-unix-%d-%s", (int)getpid(), tag);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1);
}

// An abstract address "\0osprey-<pid>-<tag>" (no trailing NUL: every byte counts).
static inline socklen_t abstract_address(struct sockaddr_un *a, const char *tag) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "osprey-%d-%s", (int)getpid(), tag);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

// The poll bits that hold now, by name.
static inline void print_events(const char *label, int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0};
    poll(&p, 1, 0);
    printf("%s:%s%s%s%s%s%s\n", label, p.revents & POLLIN ? " IN" : "", p.revents & POLLOUT ? " OUT" : "",
           p.revents & POLLRDHUP ? " RDHUP" : "", p.revents & POLLHUP ? " HUP" : "", p.revents & POLLERR ? " ERR" : "",
           p.revents ? "" : " none");
}

static inline int set_nonblocking(int fd) { return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static inline void sleep_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&t, NULL);
}
