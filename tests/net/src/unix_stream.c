// AF_UNIX stream sockets: socketpair (data both ways, MSG_PEEK, FIONREAD, shutdown, EPIPE
// and SIGPIPE, readiness), binding to a file system path (the file is S_IFSOCK, a second
// bind is EADDRINUSE, unlink then rebind), abstract names (a leading NUL, no file),
// autobind (bind with only sun_family: a NUL and five hex digits), the names getsockname,
// getpeername and accept report, connect to a missing path (ENOENT), to a socket that does
// not listen and to a file that is no socket (ECONNREFUSED), to a datagram socket
// (EPROTOTYPE), a full listen backlog (EAGAIN for a non-blocking connect), SO_PEERCRED,
// and 4 MiB through a connection with a thread at each end.
#include "net_test.h"

#include <sys/ioctl.h>

static void pair(void) {
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
    EQ(fcntl(sv[0], F_GETFD), FD_CLOEXEC);
    EQ(int_option(sv[0], SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EQ(int_option(sv[0], SOL_SOCKET, SO_DOMAIN), AF_UNIX);
    say("fresh pair: poll %s", poll_names(poll_one(sv[0], POLLIN | POLLOUT | POLLRDHUP, 0)));
    EQ(send(sv[0], "hello", 5, 0), 5);
    EQ(write(sv[0], " world", 6), 6);
    int n = -1;
    OK(ioctl(sv[1], FIONREAD, &n));
    say("FIONREAD after 5 + 6 bytes: %d", n);
    say("poll with data: %s", poll_names(poll_one(sv[1], POLLIN | POLLOUT | POLLRDHUP, 0)));
    char buf[32];
    say("MSG_PEEK 3: %s", RESULT_OF(recv(sv[1], buf, 3, MSG_PEEK)));
    say("recv: %s (stream: both writes in one read)", RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    EQ(memcmp(buf, "hello world", 11), 0);
    say("recv MSG_DONTWAIT, empty: %s", RESULT_OF(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    // The names of a pair: unnamed, only the family.
    struct sockaddr_un a;
    socklen_t len = sizeof a;
    OK(getsockname(sv[0], (struct sockaddr *)&a, &len));
    socklen_t peer_len = sizeof a;
    OK(getpeername(sv[0], (struct sockaddr *)&a, &peer_len));
    say("socketpair getsockname length %u, getpeername length %u", (unsigned)len,
        (unsigned)peer_len);
    // Half-close: the other end reads EOF and can still write back.
    OK(shutdown(sv[0], SHUT_WR));
    say("after the peer's SHUT_WR: poll %s", poll_names(poll_one(sv[1], POLLIN | POLLOUT | POLLRDHUP, 0)));
    say("recv: %s", RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    say("send after SHUT_WR: %s", RESULT_OF(send(sv[0], "x", 1, MSG_NOSIGNAL)));
    EQ(send(sv[1], "back", 4, 0), 4);
    say("reply after half-close: %s", RESULT_OF(recv(sv[0], buf, sizeof buf, 0)));
    // Closing: the survivor sees HUP, reads EOF, and a send is EPIPE (with SIGPIPE).
    close(sv[0]);
    say("after the peer closed: poll %s", poll_names(poll_one(sv[1], POLLIN | POLLOUT | POLLRDHUP, 0)));
    say("recv: %s", RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    say("send MSG_NOSIGNAL: %s", RESULT_OF(send(sv[1], "x", 1, MSG_NOSIGNAL)));
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    say("write: %s", RESULT_OF(write(sv[1], "x", 1)));
    sigset_t pending;
    sigpending(&pending);
    say("SIGPIPE pending after the write: %d", sigismember(&pending, SIGPIPE));
    int sig;
    sigwait(&pipe_set, &sig);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(sv[1]);
    ok("socketpair(AF_UNIX, SOCK_STREAM): data, peek, FIONREAD, shutdown, EOF, EPIPE and SIGPIPE");
}

static void paths(void) {
    socklen_t len;
    struct sockaddr_un a = unix_path("server.sock", &len);
    int server = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(server, (struct sockaddr *)&a, len));
    struct stat st;
    OK(stat(a.sun_path, &st));
    say("the bound path is a socket file: %d", S_ISSOCK(st.st_mode));
    int again = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("bind the same path again: %s", RESULT_OF(bind(again, (struct sockaddr *)&a, len)));
    say("connect before listen: %s", RESULT_OF(connect(again, (struct sockaddr *)&a, len)));
    OK(listen(server, 4));
    int client = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(connect(client, (struct sockaddr *)&a, len));
    struct sockaddr_un got;
    socklen_t got_len = sizeof got;
    int conn = OK(accept(server, (struct sockaddr *)&got, &got_len));
    say("accept's address for an unbound client: length %u", (unsigned)got_len);
    got_len = sizeof got;
    OK(getpeername(client, (struct sockaddr *)&got, &got_len));
    say("client's getpeername is the server's path: %d, length matches: %d",
        strcmp(got.sun_path, a.sun_path) == 0, got_len == len);
    got_len = sizeof got;
    OK(getsockname(conn, (struct sockaddr *)&got, &got_len));
    say("accepted socket's getsockname is the path too: %d", strcmp(got.sun_path, a.sun_path) == 0);
    got_len = sizeof got;
    OK(getsockname(client, (struct sockaddr *)&got, &got_len));
    say("client's own name: length %u", (unsigned)got_len);
    EQ(send(client, "via path", 8, 0), 8);
    char buf[16];
    EQ(recv(conn, buf, sizeof buf, 0), 8);
    close(conn);
    close(client);
    // Closing the server leaves the file; a new bind needs it unlinked first.
    close(server);
    OK(stat(a.sun_path, &st));
    say("after close the file remains; bind: %s", RESULT_OF(bind(again, (struct sockaddr *)&a, len)));
    OK(unlink(a.sun_path));
    say("after unlink: bind %s", RESULT_OF(bind(again, (struct sockaddr *)&a, len)));
    close(again);
    unlink(a.sun_path);

    // Connecting to what is not a listening socket.
    struct sockaddr_un missing = unix_path("missing.sock", &len);
    client = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("connect to a missing path: %s", RESULT_OF(connect(client, (struct sockaddr *)&missing, len)));
    struct sockaddr_un file = unix_path("plain-file", &len);
    close(OK(open(file.sun_path, O_CREAT | O_WRONLY, 0600)));
    say("connect to a regular file: %s", RESULT_OF(connect(client, (struct sockaddr *)&file, len)));
    struct sockaddr_un dgram_path = unix_path("dgram.sock", &len);
    int dgram = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    OK(bind(dgram, (struct sockaddr *)&dgram_path, len));
    say("connect a stream socket to a datagram socket: %s",
        RESULT_OF(connect(client, (struct sockaddr *)&dgram_path, len)));
    struct sockaddr_un dir = unix_path("", &len);
    say("bind to the directory's own path: %s", RESULT_OF(bind(client, (struct sockaddr *)&dir, len)));
    struct sockaddr_un deep = unix_path("no-such-dir/x.sock", &len);
    say("bind under a missing directory: %s", RESULT_OF(bind(client, (struct sockaddr *)&deep, len)));
    close(dgram);
    close(client);
    ok("file system names: S_IFSOCK, EADDRINUSE, unlink and rebind, the names each end reports, ENOENT, ECONNREFUSED, EPROTOTYPE");
}

static void abstract_and_autobind(void) {
    socklen_t len;
    struct sockaddr_un a = unix_abstract("stream", &len);
    int server = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(server, (struct sockaddr *)&a, len));
    OK(listen(server, 4));
    struct sockaddr_un got;
    socklen_t got_len = sizeof got;
    OK(getsockname(server, (struct sockaddr *)&got, &got_len));
    say("abstract name: leading NUL %d, length matches %d, same bytes %d", got.sun_path[0] == 0,
        got_len == len, memcmp(&got, &a, len) == 0);
    int twin = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("bind the same abstract name: %s", RESULT_OF(bind(twin, (struct sockaddr *)&a, len)));
    // A name is its exact bytes: the same text with one byte fewer is another name.
    say("connect with the length one short: %s", RESULT_OF(connect(twin, (struct sockaddr *)&a, len - 1)));
    close(twin);
    int client = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(connect(client, (struct sockaddr *)&a, len));
    int conn = OK(accept(server, NULL, NULL));
    EQ(send(conn, "abstract", 8, 0), 8);
    char buf[16];
    EQ(recv(client, buf, sizeof buf, 0), 8);
    close(conn);
    close(client);
    close(server);
    // Once the socket is closed the name is free again.
    server = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("rebind after close: %s", RESULT_OF(bind(server, (struct sockaddr *)&a, len)));
    close(server);

    // Autobind: only the family given; the kernel picks an abstract name of 5 hex digits.
    int fd = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    struct sockaddr_un family_only = {.sun_family = AF_UNIX};
    OK(bind(fd, (struct sockaddr *)&family_only, sizeof(sa_family_t)));
    got_len = sizeof got;
    OK(getsockname(fd, (struct sockaddr *)&got, &got_len));
    int hex = 1;
    for (int i = 1; i < 6; i++)
        hex &= (got.sun_path[i] >= '0' && got.sun_path[i] <= '9') ||
               (got.sun_path[i] >= 'a' && got.sun_path[i] <= 'f');
    say("autobind: length %u, leading NUL %d, five hex digits %d", (unsigned)got_len,
        got.sun_path[0] == 0, hex);
    // Someone can connect to the autobound name once it listens.
    OK(listen(fd, 1));
    client = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("connect to the autobound name: %s", RESULT_OF(connect(client, (struct sockaddr *)&got, got_len)));
    close(client);
    close(fd);
    // A connect to a missing abstract name.
    struct sockaddr_un nobody = unix_abstract("nobody-here", &len);
    client = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("connect to a missing abstract name: %s", RESULT_OF(connect(client, (struct sockaddr *)&nobody, len)));
    close(client);
    ok("abstract names and autobind");
}

static void backlog_and_credentials(void) {
    socklen_t len;
    struct sockaddr_un a = unix_abstract("backlog", &len);
    int server = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(server, (struct sockaddr *)&a, len));
    OK(listen(server, 1));
    int clients[8];
    int connected = 0;
    const char *stop = "none";
    for (int i = 0; i < 8; i++) {
        clients[i] = OK(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
        errno = 0;
        if (connect(clients[i], (struct sockaddr *)&a, len) == 0) {
            connected++;
            continue;
        }
        stop = errno_name(errno);
        break;
    }
    say("non-blocking connects to backlog 1: %d connected, then %s", connected, stop);
    say("listener: poll %s", poll_names(poll_one(server, POLLIN | POLLOUT, 0)));
    int conn = OK(accept(server, NULL, NULL));
    // SO_PEERCRED: the credentials of the process at the other end, from connect time.
    struct ucred cred;
    socklen_t cred_len = sizeof cred;
    OK(getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &cred_len));
    say("SO_PEERCRED: length %u, pid is ours %d, uid is ours %d, gid is ours %d",
        (unsigned)cred_len, cred.pid == getpid(), cred.uid == getuid(), cred.gid == getgid());
    OK(getsockopt(clients[0], SOL_SOCKET, SO_PEERCRED, &cred, &cred_len));
    say("the client's SO_PEERCRED names the listener's process: %d", cred.pid == getpid());
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    OK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cred, &cred_len));
    say("socketpair SO_PEERCRED pid is ours: %d", cred.pid == getpid());
    close(sv[0]);
    close(sv[1]);
    close(conn);
    for (int i = 0; i <= connected && i < 8; i++)
        close(clients[i]);
    close(server);
    ok("a listen backlog, and SO_PEERCRED");
}

struct pump {
    int fd;
    long bytes;
    uint64_t hash;
};
static void *pump_out(void *arg) {
    struct pump *p = arg;
    static __thread unsigned char buf[50000];
    p->hash = FNV_START;
    for (long off = 0; off < p->bytes;) {
        size_t n = sizeof buf;
        if ((long)n > p->bytes - off)
            n = (size_t)(p->bytes - off);
        for (size_t k = 0; k < n; k++)
            buf[k] = pattern_byte((uint64_t)(off + (long)k), 9);
        if (write_all(p->fd, buf, n) != 0)
            break;
        p->hash = fnv1a(p->hash, buf, n);
        off += (long)n;
    }
    close(p->fd);
    return NULL;
}

static void transfer(void) {
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    struct pump p = {.fd = sv[0], .bytes = 4 << 20};
    pthread_t t = start_thread(pump_out, &p);
    static unsigned char buf[65536];
    uint64_t hash = FNV_START;
    long total = 0;
    for (;;) {
        ssize_t n = recv(sv[1], buf, sizeof buf, 0);
        if (n <= 0)
            break;
        hash = fnv1a(hash, buf, (size_t)n);
        total += n;
    }
    pthread_join(t, NULL);
    EQ(hash, p.hash);
    say("4 MiB through a socket pair: %ld bytes, checksum %016llx", total, (unsigned long long)hash);
    close(sv[1]);
    ok("a 4 MiB stream");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    pair();
    paths();
    abstract_and_autobind();
    backlog_and_credentials();
    transfer();
    return 0;
}
