// AF_UNIX seqpacket sockets: records keep their boundaries (a short read truncates the
// record with MSG_TRUNC and drops the rest), the flags a receive reports, listen/connect/
// accept through an abstract name and a path (type mismatches), the unconnected errors,
// and what the peer's close and shutdown look like (EOF, EPIPE without SIGPIPE or with,
// ECONNRESET, poll bits). Compared with the host's run.
#include "unix_util.h"

#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/uio.h>

static volatile int g_sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    g_sigpipes++;
}

static void records(void) {
    int sv[2];
    printf("socketpair: %s\n", res(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv)));
    print_events("fresh pair", sv[0]);
    send(sv[0], "first record", 12, 0);
    send(sv[0], "second", 6, MSG_EOR);
    send(sv[0], "", 0, 0);
    send(sv[0], "fourth", 6, 0);
    int avail = -1;
    ioctl(sv[1], FIONREAD, &avail);
    printf("FIONREAD (all records) %d\n", avail);
    char buf[64];
    struct iovec iov = {buf, 5};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    ssize_t n = recvmsg(sv[1], &m, 0);
    printf("short read: %zd '%.*s' flags TRUNC %d EOR %d\n", n, (int)n, buf, (m.msg_flags & MSG_TRUNC) != 0,
           (m.msg_flags & MSG_EOR) != 0);
    iov.iov_len = sizeof buf;
    m.msg_flags = 0;
    n = recvmsg(sv[1], &m, MSG_PEEK);
    printf("peek: %zd '%.*s' flags TRUNC %d EOR %d\n", n, (int)n, buf, (m.msg_flags & MSG_TRUNC) != 0,
           (m.msg_flags & MSG_EOR) != 0);
    m.msg_flags = 0;
    n = recvmsg(sv[1], &m, 0);
    printf("full read: %zd '%.*s' flags TRUNC %d EOR %d\n", n, (int)n, buf, (m.msg_flags & MSG_TRUNC) != 0,
           (m.msg_flags & MSG_EOR) != 0);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("empty record: %zd\n", n);
    n = recv(sv[1], buf, 2, MSG_TRUNC);
    printf("MSG_TRUNC returns the record's length: %zd\n", n);
    printf("nothing left: %s\n", res(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(sv[0], (struct sockaddr *)&ss, &len);
    printf("pair name len %u\n", len);
    struct sockaddr_un a;
    socklen_t alen = abstract_address(&a, "seq-elsewhere");
    printf("sendto with an address is ignored: %s\n", res(sendto(sv[0], "to", 2, 0, (struct sockaddr *)&a, alen)));
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("got %zd\n", n);
    char big[300000] = {0};
    printf("record larger than the send buffer: %s\n", res(send(sv[0], big, sizeof big, 0)));

    // Close with a record unread by the closer: the survivor's next receive fails first.
    send(sv[1], "unread", 6, 0);
    send(sv[0], "queued", 6, 0);
    close(sv[0]);
    print_events("peer closed with data unread", sv[1]);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("recv 1: %s %zd\n", n < 0 ? err_name(errno) : "data", n);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("recv 2: %s %zd\n", n < 0 ? err_name(errno) : "data", n);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("recv 3: %zd\n", n);
    n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT);
    printf("non-blocking recv at EOF: %zd\n", n);
    g_sigpipes = 0;
    ssize_t sent = send(sv[1], "x", 1, 0);
    printf("send after close: %s, SIGPIPE %d\n", res(sent), g_sigpipes);
    sent = send(sv[1], "x", 1, MSG_NOSIGNAL);
    printf("with MSG_NOSIGNAL: %s, SIGPIPE %d\n", res(sent), g_sigpipes);
    close(sv[1]);

    // shutdown
    socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
    shutdown(sv[0], SHUT_WR);
    print_events("after SHUT_WR", sv[0]);
    print_events("peer of SHUT_WR", sv[1]);
    printf("recv at peer: %zd\n", recv(sv[1], buf, sizeof buf, 0));
    g_sigpipes = 0;
    sent = send(sv[0], "x", 1, 0);
    printf("send after SHUT_WR: %s, SIGPIPE %d\n", res(sent), g_sigpipes);
    shutdown(sv[1], SHUT_WR);
    print_events("both shut", sv[0]);
    close(sv[0]);
    close(sv[1]);
}

struct Server {
    int listener;
    int accepted;
    char data[64];
    ssize_t length;
};
static void *serve(void *arg) {
    struct Server *s = arg;
    s->accepted = accept(s->listener, NULL, NULL);
    s->length = recv(s->accepted, s->data, sizeof s->data, 0);
    send(s->accepted, "reply", 5, 0);
    return NULL;
}

static void connections(void) {
    struct sockaddr_un a;
    socklen_t alen = abstract_address(&a, "seq");
    int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    printf("listen unbound: %s\n", res(listen(l, 2)));
    bind(l, (struct sockaddr *)&a, alen);
    printf("listen: %s\n", res(listen(l, 2)));
    print_events("listener", l);
    char buf[64];
    int u = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    printf("send unconnected: %s\n", res(send(u, "x", 1, MSG_NOSIGNAL)));
    printf("recv unconnected: %s\n", res(recv(u, buf, 1, 0)));
    print_events("unconnected", u);
    printf("recv on listener: %s\n", res(recv(l, buf, 1, MSG_DONTWAIT)));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("stream connect to seqpacket abstract: %s\n", res(connect(st, (struct sockaddr *)&a, alen)));
    close(st);
    struct Server server = {l, -1, {0}, 0};
    pthread_t t;
    pthread_create(&t, NULL, serve, &server);
    printf("connect: %s\n", res(connect(u, (struct sockaddr *)&a, alen)));
    send(u, "request", 7, 0);
    ssize_t n = recv(u, buf, sizeof buf, 0);
    pthread_join(t, NULL);
    printf("server got %zd '%.*s', client got %zd '%.*s'\n", server.length, (int)server.length, server.data, n, (int)n, buf);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(server.accepted, (struct sockaddr *)&ss, &len);
    printf("accepted name len matches %d\n", len == alen);
    struct ucred cred;
    len = sizeof cred;
    getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("peercred pid %d\n", cred.pid == getpid());
    close(server.accepted);
    print_events("client after server closed", u);
    n = recv(u, buf, sizeof buf, 0);
    printf("client recv: %zd\n", n);
    close(u);
    close(l);

    // A path of another type: EPROTOTYPE.
    struct sockaddr_un p;
    socklen_t plen = path_address(&p, "seq-stream");
    unlink(p.sun_path);
    int sl = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(sl, (struct sockaddr *)&p, plen);
    listen(sl, 1);
    int c = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    printf("seqpacket connect to stream path: %s\n", res(connect(c, (struct sockaddr *)&p, plen)));
    close(c);
    close(sl);
    unlink(p.sun_path);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigpipe;
    sigaction(SIGPIPE, &sa, NULL);
    records();
    connections();
    printf("done\n");
    return 0;
}
