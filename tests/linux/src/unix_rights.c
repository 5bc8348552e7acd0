// SCM_RIGHTS over AF_UNIX sockets: descriptors passed and usable, files kept alive while in
// flight, MSG_CTRUNC with the extra descriptors closed, a receiver without a control
// buffer (they are closed), MSG_CMSG_CLOEXEC, MSG_PEEK, the 253 limit, how a stream receive
// stops at a message that carried descriptors or other credentials, credentials and
// descriptors together, and a socket sent over itself and closed (collected: its peer sees
// the end). Compared with the host's run.
#include "unix_util.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/uio.h>

#define MAX_FDS 260

static ssize_t send_fds(int sock, const char *data, size_t length, const int *fds, int count, int flags) {
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(int) * MAX_FDS)];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {(void *)data, length};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (count) {
        m.msg_control = &control;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * count);
        struct cmsghdr *h = CMSG_FIRSTHDR(&m);
        h->cmsg_level = SOL_SOCKET;
        h->cmsg_type = SCM_RIGHTS;
        h->cmsg_len = CMSG_LEN(sizeof(int) * count);
        memcpy(CMSG_DATA(h), fds, sizeof(int) * count);
    }
    return sendmsg(sock, &m, flags);
}

struct Got {
    ssize_t length;
    int error;
    int flags;
    int fds[MAX_FDS];
    int count;
    int has_creds;
    int creds_first;
    struct ucred creds;
    char data[128];
};

// Receives with room for `room` descriptors (0: no control buffer at all).
static struct Got receive_fds(int sock, size_t length, int room, int flags) {
    struct Got g;
    memset(&g, 0, sizeof g);
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int) * MAX_FDS)];
    } control;
    struct iovec iov = {g.data, length};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (room) {
        m.msg_control = &control;
        m.msg_controllen = room < 0 ? sizeof control : CMSG_SPACE(sizeof(int) * room);
    }
    g.length = recvmsg(sock, &m, flags);
    g.error = g.length < 0 ? errno : 0;
    g.flags = m.msg_flags;
    int index = 0;
    for (struct cmsghdr *c = m.msg_controllen ? CMSG_FIRSTHDR(&m) : NULL; c; c = CMSG_NXTHDR(&m, c), index++) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            int n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(g.fds + g.count, CMSG_DATA(c), n * sizeof(int));
            g.count += n;
        } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            g.has_creds = 1;
            g.creds_first = index == 0;
            memcpy(&g.creds, CMSG_DATA(c), sizeof g.creds);
        }
    }
    return g;
}

// Whether the pipe's read end sees end-of-file now (every write end closed).
static const char *pipe_state(int read_end) {
    struct pollfd p = {read_end, POLLIN, 0};
    poll(&p, 1, 0);
    return p.revents & POLLHUP ? "closed" : "open";
}

static void passing(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int pipefd[2];
    pipe(pipefd);
    printf("send a pipe's write end: %s\n", res(send_fds(sv[0], "p", 1, &pipefd[1], 1, 0)));
    close(pipefd[1]);
    printf("pipe while in flight: %s\n", pipe_state(pipefd[0]));
    struct Got g = receive_fds(sv[1], sizeof g.data, 1, 0);
    printf("received: %zd bytes, %d descriptors, flags CTRUNC %d, new %d\n", g.length, g.count,
           (g.flags & MSG_CTRUNC) != 0, g.count == 1 && g.fds[0] != pipefd[1] ? 1 : g.count == 1);
    write(g.fds[0], "via", 3);
    char buf[16];
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    printf("written through it: %zd '%.*s'\n", n, (int)n, buf);
    printf("cloexec without MSG_CMSG_CLOEXEC: %d\n", (fcntl(g.fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    close(g.fds[0]);
    printf("pipe after closing it: %s\n", pipe_state(pipefd[0]));
    close(pipefd[0]);

    // Three sent, room for one: MSG_CTRUNC, the other two are closed.
    int p1[2], p2[2], p3[2];
    pipe(p1);
    pipe(p2);
    pipe(p3);
    int three[3] = {p1[1], p2[1], p3[1]};
    send_fds(sv[0], "3", 1, three, 3, 0);
    close(p1[1]);
    close(p2[1]);
    close(p3[1]);
    g = receive_fds(sv[1], sizeof g.data, 1, 0);
    printf("room for one of three: %d installed, CTRUNC %d\n", g.count, (g.flags & MSG_CTRUNC) != 0);
    printf("pipes: %s %s %s\n", pipe_state(p1[0]), pipe_state(p2[0]), pipe_state(p3[0]));
    close(g.fds[0]);
    close(p1[0]);
    close(p2[0]);
    close(p3[0]);

    // No control buffer: the descriptors are closed, MSG_CTRUNC says so.
    pipe(p1);
    send_fds(sv[0], "n", 1, &p1[1], 1, 0);
    close(p1[1]);
    g = receive_fds(sv[1], sizeof g.data, 0, 0);
    printf("no control buffer: %zd bytes, CTRUNC %d, pipe %s\n", g.length, (g.flags & MSG_CTRUNC) != 0, pipe_state(p1[0]));
    close(p1[0]);

    // read() drops them too.
    pipe(p1);
    send_fds(sv[0], "r", 1, &p1[1], 1, 0);
    close(p1[1]);
    n = read(sv[1], buf, sizeof buf);
    printf("read(): %zd, pipe %s\n", n, pipe_state(p1[0]));
    close(p1[0]);

    // MSG_CMSG_CLOEXEC.
    pipe(p1);
    send_fds(sv[0], "c", 1, &p1[1], 1, 0);
    g = receive_fds(sv[1], sizeof g.data, 1, MSG_CMSG_CLOEXEC);
    printf("MSG_CMSG_CLOEXEC: cloexec %d\n", (fcntl(g.fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    close(g.fds[0]);

    // MSG_PEEK installs them too, and the real receive installs them again.
    send_fds(sv[0], "k", 1, &p1[1], 1, 0);
    g = receive_fds(sv[1], sizeof g.data, 1, MSG_PEEK);
    printf("peek: %zd bytes, %d descriptors\n", g.length, g.count);
    close(g.fds[0]);
    g = receive_fds(sv[1], sizeof g.data, 1, 0);
    printf("after peek: %zd bytes, %d descriptors\n", g.length, g.count);
    close(g.fds[0]);
    close(p1[0]);
    close(p1[1]);

    // Limits: 253 descriptors in one message, not 254; a bad descriptor is EBADF.
    int many[MAX_FDS];
    int null = open("/dev/null", O_RDONLY);
    for (int i = 0; i < MAX_FDS; i++) many[i] = null;
    // (musl's sendmsg refuses control data over 1 KiB itself, with ENOMEM.)
    ssize_t sent = send_fds(sv[0], "m", 1, many, 253, 0);
    printf("253 descriptors: %s\n", res(sent));
    printf("254 descriptors: %s\n", res(send_fds(sv[0], "m", 1, many, 254, 0)));
    g.count = 0;
    if (sent > 0) g = receive_fds(sv[1], sizeof g.data, -1, 0);
    printf("received %d descriptors\n", g.count);
    for (int i = 0; i < g.count; i++) close(g.fds[i]);
    int bad = 999;
    printf("bad descriptor: %s\n", res(send_fds(sv[0], "b", 1, &bad, 1, 0)));
    printf("descriptors without data: %zd\n", send_fds(sv[0], "", 0, &null, 1, 0));
    close(null);
    close(sv[0]);
    close(sv[1]);
}

// A stream receive does not read past a message that carried descriptors.
static void stream_boundaries(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int null = open("/dev/null", O_RDONLY);
    send(sv[0], "ab", 2, 0);
    send_fds(sv[0], "cd", 2, &null, 1, 0);
    send(sv[0], "ef", 2, 0);
    send(sv[0], "gh", 2, 0);
    struct Got g = receive_fds(sv[1], 100, 4, 0);
    printf("first read: '%.*s' with %d descriptors\n", (int)g.length, g.data, g.count);
    if (g.count) close(g.fds[0]);
    g = receive_fds(sv[1], 100, 4, 0);
    printf("second read: '%.*s' with %d descriptors\n", (int)g.length, g.data, g.count);
    // A partial read of the message with descriptors takes them with its first bytes.
    send_fds(sv[0], "wxyz", 4, &null, 1, 0);
    g = receive_fds(sv[1], 1, 4, 0);
    printf("one byte: '%.*s' with %d descriptors\n", (int)g.length, g.data, g.count);
    if (g.count) close(g.fds[0]);
    g = receive_fds(sv[1], 100, 4, 0);
    printf("the rest: '%.*s' with %d descriptors\n", (int)g.length, g.data, g.count);
    // Peeking stops at the same place.
    send(sv[0], "12", 2, 0);
    send_fds(sv[0], "34", 2, &null, 1, 0);
    send(sv[0], "56", 2, 0);
    g = receive_fds(sv[1], 100, 4, MSG_PEEK);
    printf("peek: '%.*s' with %d descriptors\n", (int)g.length, g.data, g.count);
    if (g.count) close(g.fds[0]);
    while ((g = receive_fds(sv[1], 100, 4, MSG_DONTWAIT)).length > 0)
        for (int i = 0; i < g.count; i++) close(g.fds[i]);

    // With SO_PASSCRED, writers with other credentials are never glued together.
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    struct ucred other = {getpid(), 4242, getgid()};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof other)];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {"AB", 2};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control,
                       .msg_controllen = sizeof control};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_CREDENTIALS;
    h->cmsg_len = CMSG_LEN(sizeof other);
    memcpy(CMSG_DATA(h), &other, sizeof other);
    send(sv[0], "xy", 2, 0);
    sendmsg(sv[0], &m, 0);
    sendmsg(sv[0], &m, 0);
    send(sv[0], "zz", 2, 0);
    for (int i = 0; i < 3; i++) {
        g = receive_fds(sv[1], 100, -1, 0);
        printf("passcred read %d: '%.*s' uid %s\n", i, (int)g.length, g.data,
               !g.has_creds ? "none" : g.creds.uid == getuid() ? "mine" : g.creds.uid == 4242 ? "4242" : "other");
    }
    // Credentials and descriptors in one message: credentials come first.
    send_fds(sv[0], "both", 4, &null, 1, 0);
    g = receive_fds(sv[1], 100, -1, 0);
    printf("both: %zd bytes, creds %d first %d, %d descriptors\n", g.length, g.has_creds, g.creds_first, g.count);
    if (g.count) close(g.fds[0]);
    close(null);
    close(sv[0]);
    close(sv[1]);
}

static void datagrams(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    int p[2];
    pipe(p);
    send_fds(sv[0], "dgram", 5, &p[1], 1, 0);
    close(p[1]);
    struct Got g = receive_fds(sv[1], 2, 1, 0);
    printf("dgram short read: %zd, TRUNC %d, %d descriptors\n", g.length, (g.flags & MSG_TRUNC) != 0, g.count);
    if (g.count) close(g.fds[0]);
    printf("pipe: %s\n", pipe_state(p[0]));
    // A datagram socket passed over a seqpacket pair, then used.
    int q[2];
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
    send_fds(q[0], "s", 1, &sv[0], 1, 0);
    g = receive_fds(q[1], 10, 1, 0);
    printf("seqpacket carried a socket: %d\n", g.count);
    send(g.fds[0], "through", 7, 0);
    char buf[16];
    ssize_t n = recv(sv[1], buf, sizeof buf, 0);
    printf("sent through the received socket: %zd\n", n);
    close(g.fds[0]);
    close(q[0]);
    close(q[1]);
    close(sv[0]);
    close(sv[1]);
    close(p[0]);
}

// Sockets whose only references are in flight inside each other are collected.
static void cycles(void) {
    int results[2] = {0, 0};
    for (int round = 0; round < 2; round++) {
        int sv[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
        int watch[2];
        socketpair(AF_UNIX, SOCK_STREAM, 0, watch);
        // watch[0] goes into sv[0]'s own queue (through sv[1]), sv[0] too: once both
        // descriptors are closed, nothing outside can reach them.
        send_fds(sv[1], "w", 1, &watch[0], 1, 0);
        send_fds(sv[1], "s", 1, &sv[0], 1, 0);
        close(watch[0]);
        close(sv[0]);
        close(sv[1]);
        // Closing another AF_UNIX socket lets the collector run.
        int other[2];
        socketpair(AF_UNIX, SOCK_DGRAM, 0, other);
        close(other[0]);
        close(other[1]);
        struct pollfd pfd = {watch[1], POLLIN, 0};
        int ready = poll(&pfd, 1, 5000);
        char c;
        results[round] = ready == 1 && recv(watch[1], &c, 1, MSG_DONTWAIT) == 0;
        close(watch[1]);
    }
    printf("cycle collected: %d %d\n", results[0], results[1]);

    // A chain: each socket in flight in the next one's queue, 500 deep. Closing the last
    // frees them all; the first one's peer sees the end.
    int first[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, first);
    int previous = first[0];
    int chained = 1;
    for (int i = 0; i < 500 && chained; i++) {
        int carrier[2];
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, carrier) < 0 || send_fds(carrier[1], "c", 1, &previous, 1, 0) != 1)
            chained = 0;
        close(previous);
        close(carrier[1]);
        previous = carrier[0];
    }
    close(previous);
    struct pollfd end = {first[1], POLLIN, 0};
    char c;
    int ready = poll(&end, 1, 5000);
    printf("chain of 500: built %d, freed %d\n", chained, ready == 1 && recv(first[1], &c, 1, MSG_DONTWAIT) == 0);
    close(first[1]);

    // Many rounds do not run out of anything.
    int ok = 1;
    for (int round = 0; round < 2000 && ok; round++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0) {
            ok = 0;
            break;
        }
        if (send_fds(sv[0], "x", 1, &sv[1], 1, 0) < 0) ok = 0;
        if (send_fds(sv[1], "y", 1, &sv[0], 1, 0) < 0) ok = 0;
        close(sv[0]);
        close(sv[1]);
    }
    printf("2000 cycles: %s\n", ok ? "ok" : err_name(errno));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    passing();
    stream_boundaries();
    datagrams();
    cycles();
    printf("done\n");
    return 0;
}
