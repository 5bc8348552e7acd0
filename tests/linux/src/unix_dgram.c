// AF_UNIX datagram sockets: message boundaries, MSG_TRUNC, sender addresses (bound,
// unbound, autobound with SO_PASSCRED), sendto paths and abstract names with their errors,
// connect as default destination and filter (EPERM), the receive queue bound (EAGAIN,
// SO_SNDTIMEO, POLLOUT), EMSGSIZE, a peer that goes away (ECONNREFUSED then ENOTCONN),
// shutdown, AF_UNSPEC disconnect, FIONREAD, SCM_CREDENTIALS. Compared with the host's run.
#include "unix_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

// Receives one datagram with its credentials (if any came) and flags.
struct Received {
    ssize_t length;
    int error;
    int flags;
    int has_creds;
    struct ucred creds;
    socklen_t name_length;
    char data[256];
};
static struct Received receive_some(int fd, int flags, size_t room) {
    struct Received r;
    memset(&r, 0, sizeof r);
    struct sockaddr_un from;
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof(struct ucred))];
    } control;
    struct iovec iov = {r.data, room < sizeof r.data ? room : sizeof r.data};
    struct msghdr m = {.msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = &control, .msg_controllen = sizeof control};
    r.length = recvmsg(fd, &m, flags);
    r.error = r.length < 0 ? errno : 0;
    r.flags = m.msg_flags;
    r.name_length = m.msg_namelen;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            r.has_creds = 1;
            memcpy(&r.creds, CMSG_DATA(c), sizeof r.creds);
        }
    return r;
}
static struct Received receive(int fd, int flags) { return receive_some(fd, flags, 256); }

static void print_creds(const char *label, const struct Received *r) {
    if (r->error) {
        printf("%s: %s\n", label, err_name(r->error));
        return;
    }
    if (!r->has_creds) {
        printf("%s: %zd bytes, no credentials\n", label, r->length);
        return;
    }
    printf("%s: %zd bytes, pid %s uid %s gid %s\n", label, r->length,
           r->creds.pid == getpid() ? "mine" : r->creds.pid == 0 ? "0" : "other",
           r->creds.uid == getuid() ? "mine" : r->creds.uid == 65534 ? "65534" : r->creds.uid == 4242 ? "4242" : "other",
           r->creds.gid == getgid() ? "mine" : r->creds.gid == 65534 ? "65534" : "other");
}

static ssize_t send_creds(int fd, pid_t pid, uid_t uid, gid_t gid) {
    struct ucred c = {pid, uid, gid};
    union {
        struct cmsghdr header;
        char bytes[CMSG_SPACE(sizeof c)];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {"cred", 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    h->cmsg_level = SOL_SOCKET;
    h->cmsg_type = SCM_CREDENTIALS;
    h->cmsg_len = CMSG_LEN(sizeof c);
    memcpy(CMSG_DATA(h), &c, sizeof c);
    return sendmsg(fd, &m, 0);
}

static void pairs(void) {
    int sv[2];
    printf("socketpair: %s\n", res(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)));
    print_events("fresh pair", sv[0]);
    send(sv[0], "one", 3, 0);
    send(sv[0], "two!", 4, 0);
    send(sv[0], "", 0, 0);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("FIONREAD (first datagram) %d\n", avail);
    char buf[64];
    ssize_t n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
    printf("peek: %zd '%.*s'\n", n, (int)n, buf);
    n = read(sv[1], buf, 0);
    ioctl(sv[1], FIONREAD, &avail);
    printf("read of 0 bytes: %zd, the datagram stays: %d\n", n, avail);
    struct sockaddr_storage from;
    socklen_t len = sizeof from;
    n = recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("recvfrom: %zd '%.*s', from len %u\n", n, (int)n, buf, len);
    struct Received r = receive_some(sv[1], 0, 2);
    printf("short read: %zd, flags MSG_TRUNC %d, '%.*s'\n", r.length, (r.flags & MSG_TRUNC) != 0, (int)r.length, r.data);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("empty datagram: %zd\n", n);
    send(sv[0], "truncated", 9, 0);
    n = recv(sv[1], buf, 2, MSG_TRUNC);
    printf("recv with MSG_TRUNC: %zd\n", n);
    printf("nothing left: %s\n", res(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    send(sv[0], "abcdef", 6, 0);
    struct iovec iov[2] = {{buf, 2}, {buf + 10, 3}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
    n = recvmsg(sv[1], &m, 0);
    printf("two iovecs: %zd '%.2s' '%.3s' truncated %d\n", n, buf, buf + 10, (m.msg_flags & MSG_TRUNC) != 0);
    char big[300000];
    memset(big, 'b', sizeof big);
    printf("larger than the send buffer: %s\n", res(send(sv[0], big, sizeof big, 0)));
    n = send(sv[0], big, 100000, 0);
    printf("100000-byte datagram: %zd\n", n);
    n = recv(sv[1], big, sizeof big, 0);
    printf("received: %zd\n", n);

    // A connected pair is bound only by the sender's buffer, not the receiver's queue length.
    set_nonblocking(sv[0]);
    int count = 0;
    while (send(sv[0], "x", 1, 0) == 1) count++;
    printf("pair send until full: %s, more than 11: %d\n", err_name(errno), count > 11);
    print_events("pair writer when full", sv[0]);
    recv(sv[1], buf, 1, 0);
    while (recv(sv[1], buf, 1, MSG_DONTWAIT) == 1) {}
    print_events("pair writer when drained", sv[0]);

    // The peer closes: sending is refused, then the socket is no longer connected.
    close(sv[1]);
    print_events("after peer close", sv[0]);
    printf("send after peer close: %s\n", res(send(sv[0], "x", 1, 0)));
    printf("send again: %s\n", res(send(sv[0], "x", 1, 0)));
    printf("recv: %s\n", res(recv(sv[0], buf, 1, MSG_DONTWAIT)));
    close(sv[0]);
}

static void *send_later(void *arg) {
    sleep_ms(100);
    int fd = *(int *)arg;
    send(fd, "late", 4, 0);
    return NULL;
}

static void named(void) {
    struct sockaddr_un ra, sa, xa;
    socklen_t ralen = path_address(&ra, "recv");
    socklen_t salen = path_address(&sa, "send");
    socklen_t xalen = path_address(&xa, "other");
    unlink(ra.sun_path);
    unlink(sa.sun_path);
    unlink(xa.sun_path);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&ra, ralen);
    int unbound = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("send unconnected without address: %s\n", res(send(unbound, "x", 1, 0)));
    printf("sendto path: %s\n", res(sendto(unbound, "anon", 4, 0, (struct sockaddr *)&ra, ralen)));
    struct sockaddr_un from;
    socklen_t len = sizeof from;
    char buf[64];
    ssize_t n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("from unbound: %zd, address len %u\n", n, len);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(s, (struct sockaddr *)&sa, salen);
    sendto(s, "named", 5, 0, (struct sockaddr *)&ra, ralen);
    len = sizeof from;
    n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("from bound: %zd, address len matches %d, path matches %d\n", n, len == salen, strcmp(from.sun_path, sa.sun_path) == 0);

    printf("sendto missing path: %s\n", res(sendto(s, "x", 1, 0, (struct sockaddr *)&xa, xalen)));
    int gone = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(gone, (struct sockaddr *)&xa, xalen);
    close(gone);
    printf("sendto path of a closed socket: %s\n", res(sendto(s, "x", 1, 0, (struct sockaddr *)&xa, xalen)));
    unlink(xa.sun_path);
    int stream = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(stream, (struct sockaddr *)&xa, xalen);
    printf("sendto stream socket path: %s\n", res(sendto(s, "x", 1, 0, (struct sockaddr *)&xa, xalen)));
    close(stream);
    unlink(xa.sun_path);
    printf("sendto addrlen 1: %s\n", res(sendto(s, "x", 1, 0, (struct sockaddr *)&ra, 1)));
    struct sockaddr_un bad = ra;
    bad.sun_family = AF_INET;
    printf("sendto AF_INET: %s\n", res(sendto(s, "x", 1, 0, (struct sockaddr *)&bad, ralen)));

    // Abstract destinations.
    struct sockaddr_un aa;
    socklen_t aalen = abstract_address(&aa, "dgram");
    int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(ab, (struct sockaddr *)&aa, aalen);
    printf("sendto abstract: %s\n", res(sendto(s, "abs", 3, 0, (struct sockaddr *)&aa, aalen)));
    printf("sendto abstract, wrong length: %s\n", res(sendto(s, "abs", 3, 0, (struct sockaddr *)&aa, aalen + 1)));
    n = recv(ab, buf, sizeof buf, 0);
    printf("abstract got %zd\n", n);

    // SO_PASSCRED on an unbound sender autobinds it when it sends.
    int one = 1;
    setsockopt(unbound, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    sendto(unbound, "auto", 4, 0, (struct sockaddr *)&ra, ralen);
    len = sizeof from;
    n = recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("from an autobound sender: %zd, address len %u, abstract %d\n", n, len, from.sun_path[0] == 0);

    // connect: the default destination, and a filter on what the connected socket receives.
    printf("connect: %s\n", res(connect(s, (struct sockaddr *)&ra, ralen)));
    print_events("connected sender", s);
    printf("send connected: %s\n", res(send(s, "conn", 4, 0)));
    printf("sendto another address while connected: %s\n", res(sendto(s, "abs", 3, 0, (struct sockaddr *)&aa, aalen)));
    recv(ab, buf, sizeof buf, 0);
    printf("connect receiver to sender: %s\n", res(connect(r, (struct sockaddr *)&sa, salen)));
    printf("third party to connected receiver: %s\n", res(sendto(unbound, "x", 1, 0, (struct sockaddr *)&ra, ralen)));
    printf("third party connect to connected receiver: %s\n", res(connect(unbound, (struct sockaddr *)&ra, ralen)));
    n = recv(r, buf, sizeof buf, 0);
    printf("receiver got %zd '%.*s'\n", n, (int)n, buf);
    struct sockaddr_un unspec = {.sun_family = AF_UNSPEC};
    printf("disconnect with AF_UNSPEC: %s\n", res(connect(r, (struct sockaddr *)&unspec, sizeof(sa_family_t))));
    printf("send after disconnect: %s\n", res(send(r, "x", 1, 0)));
    printf("third party after disconnect: %s\n", res(sendto(unbound, "x", 1, 0, (struct sockaddr *)&ra, ralen)));
    while (recv(r, buf, sizeof buf, MSG_DONTWAIT) > 0) {}

    // The receive queue bound: an unconnected sender gets EAGAIN when it is full (more
    // than net.unix.max_dgram_qlen).
    FILE *qlen = fopen("/proc/sys/net/unix/max_dgram_qlen", "r");
    char qlen_text[16] = "missing\n";
    if (qlen) {
        if (!fgets(qlen_text, sizeof qlen_text, qlen)) strcpy(qlen_text, "empty\n");
        fclose(qlen);
    }
    printf("max_dgram_qlen: %s", qlen_text);
    set_nonblocking(unbound);
    int count = 0;
    while (sendto(unbound, "q", 1, 0, (struct sockaddr *)&ra, ralen) == 1) count++;
    printf("queued before %s: %d\n", err_name(errno), count);
    // A connected sender is not writable while the queue is full.
    print_events("sender connected to a full receiver", s);
    int fl = fcntl(s, F_GETFL);
    set_nonblocking(s);
    printf("connected sender to full queue: %s\n", res(send(s, "x", 1, 0)));
    fcntl(s, F_SETFL, fl);
    struct timeval tv = {0, 100000};
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    printf("blocking send with SO_SNDTIMEO to full queue: %s\n", res(send(s, "x", 1, 0)));
    recv(r, buf, sizeof buf, 0);
    print_events("sender after one was read", s);
    printf("send now: %s\n", res(send(s, "y", 1, 0)));
    while (recv(r, buf, sizeof buf, MSG_DONTWAIT) > 0) {}

    // A blocking receive is woken by a datagram.
    pthread_t t;
    pthread_create(&t, NULL, send_later, &s);
    n = recv(r, buf, sizeof buf, 0);
    pthread_join(t, NULL);
    printf("blocking recv: %zd '%.*s'\n", n, (int)n, buf);

    // shutdown: SHUT_RD makes reads return 0 and senders get EPIPE; SHUT_WR stops sending.
    printf("shutdown SHUT_RD: %s\n", res(shutdown(r, SHUT_RD)));
    print_events("receiver after SHUT_RD", r);
    printf("recv after SHUT_RD: %zd\n", recv(r, buf, sizeof buf, 0));
    printf("send to it: %s\n", res(send(s, "x", 1, MSG_NOSIGNAL)));
    printf("shutdown SHUT_WR: %s\n", res(shutdown(s, SHUT_WR)));
    printf("send after SHUT_WR: %s\n", res(sendto(s, "x", 1, MSG_NOSIGNAL, (struct sockaddr *)&aa, aalen)));
    print_events("sender after SHUT_WR", s);

    // The connected peer goes away.
    close(r);
    printf("send to a closed peer: %s\n", res(send(s, "x", 1, MSG_NOSIGNAL)));
    printf("send again: %s\n", res(send(s, "x", 1, MSG_NOSIGNAL)));
    close(s);
    close(unbound);
    close(ab);
    unlink(ra.sun_path);
    unlink(sa.sun_path);
}

static void credentials(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    send(sv[0], "plain", 5, 0);
    struct Received r = receive(sv[1], 0);
    print_creds("no SO_PASSCRED", &r);
    send(sv[0], "early", 5, 0);
    int one = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    r = receive(sv[1], 0);
    print_creds("sent before SO_PASSCRED", &r);
    send(sv[0], "later", 5, 0);
    r = receive(sv[1], 0);
    print_creds("sent after SO_PASSCRED", &r);
    printf("explicit, mine: %s\n", res(send_creds(sv[0], getpid(), getuid(), getgid())));
    r = receive(sv[1], 0);
    print_creds("explicit", &r);
    printf("explicit, other uid (root may): %s\n", res(send_creds(sv[0], getpid(), 4242, getgid())));
    r = receive(sv[1], 0);
    print_creds("explicit other uid", &r);
    printf("explicit, uid -1: %s\n", res(send_creds(sv[0], getpid(), (uid_t)-1, getgid())));
    printf("explicit, missing pid: %s\n", res(send_creds(sv[0], 2000000000, getuid(), getgid())));
    // No room for the credentials: MSG_CTRUNC.
    send(sv[0], "x", 1, 0);
    char buf[8];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(sv[1], &m, 0);
    printf("no control buffer: %zd, MSG_CTRUNC %d\n", n, (m.msg_flags & MSG_CTRUNC) != 0);
    // The sender's SO_PASSCRED alone attaches them too.
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    int zero = 0;
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &zero, sizeof zero);
    send(sv[0], "sender", 6, 0);
    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    r = receive(sv[1], 0);
    print_creds("sender had SO_PASSCRED", &r);
    int passcred = -1;
    socklen_t len = sizeof passcred;
    getsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &passcred, &len);
    printf("SO_PASSCRED reads %d\n", passcred);
    struct ucred cred;
    len = sizeof cred;
    getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("dgram pair peercred: pid %d uid %d\n", cred.pid == getpid(), cred.uid == getuid());
    close(sv[0]);
    close(sv[1]);
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("unconnected dgram peercred: pid %d uid %d\n", cred.pid, (int)cred.uid);
    close(u);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    pairs();
    named();
    credentials();
    printf("done\n");
    return 0;
}
