// AF_UNIX datagram and seqpacket sockets: socketpair of each, message boundaries (each
// send one recv), MSG_TRUNC (a short buffer drops the rest; the flag returns the full
// length), zero-length messages, FIONREAD, a bound datagram socket receiving from unbound
// (no address) and bound (its path) senders, connect and send without an address, a peer
// that is gone (ECONNREFUSED), a sender filtered by a connected receiver (EPERM), a full
// receive queue (EAGAIN, no POLLOUT until drained), sendto a stream socket (EPROTOTYPE),
// a seqpacket listener with accept, end of file after the peer closes, EPIPE, and
// EMSGSIZE for a datagram larger than the send buffer.
#include "net_test.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

static void boundaries(int type, const char *name) {
    int sv[2];
    OK(socketpair(AF_UNIX, type, 0, sv));
    EQ(int_option(sv[0], SOL_SOCKET, SO_TYPE), type);
    EQ(send(sv[0], "first", 5, 0), 5);
    EQ(send(sv[0], "", 0, 0), 0);
    EQ(send(sv[0], "third message", 13, 0), 13);
    EQ(send(sv[0], "0123456789", 10, 0), 10);
    EQ(send(sv[0], "0123456789", 10, 0), 10);
    int n = -1;
    OK(ioctl(sv[1], FIONREAD, &n));
    say("%s: FIONREAD with 5, 0, 13, 10 and 10 bytes queued: %d", name, n);
    say("%s: poll %s", name, poll_names(poll_one(sv[1], POLLIN | POLLOUT, 0)));
    char buf[64];
    say("%s: MSG_PEEK %s", name, RESULT_OF(recv(sv[1], buf, sizeof buf, MSG_PEEK)));
    say("%s: recv %s", name, RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    say("%s: zero-length message %s", name, RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    struct iovec iov = {buf, 5};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    const char *got = RESULT_OF(recvmsg(sv[1], &m, 0));
    say("%s: recvmsg 5 of 13: %s, MSG_TRUNC in msg_flags %d", name, got,
        (m.msg_flags & MSG_TRUNC) != 0);
    say("%s: recv 4 of 10 with MSG_TRUNC: %s", name, RESULT_OF(recv(sv[1], buf, 4, MSG_TRUNC)));
    say("%s: next message whole: %s", name, RESULT_OF(recv(sv[1], buf, sizeof buf, 0)));
    say("%s: empty: %s", name, RESULT_OF(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    close(sv[0]);
    const char *revents = poll_names(poll_one(sv[1], POLLIN | POLLOUT | POLLRDHUP, 0));
    const char *received = RESULT_OF(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT));
    const char *sent = RESULT_OF(send(sv[1], "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT));
    say("%s: peer closed: poll %s, recv %s, send %s", name, revents, received, sent);
    close(sv[1]);
    ok("%s socketpair: one message per recv, MSG_TRUNC, FIONREAD, a closed peer", name);
}

static void addressed_datagrams(void) {
    socklen_t len;
    struct sockaddr_un server_addr = unix_path("dgram-server.sock", &len);
    int server = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    OK(bind(server, (struct sockaddr *)&server_addr, len));
    int anonymous = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    EQ(sendto(anonymous, "from nobody", 11, 0, (struct sockaddr *)&server_addr, len), 11);
    struct sockaddr_un from;
    socklen_t from_len = sizeof from;
    char buf[64];
    EQ(recvfrom(server, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len), 11);
    say("from an unbound sender: address length %u", (unsigned)from_len);
    socklen_t named_len;
    struct sockaddr_un named_addr = unix_path("dgram-client.sock", &named_len);
    int named = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    OK(bind(named, (struct sockaddr *)&named_addr, named_len));
    EQ(sendto(named, "from a name", 11, 0, (struct sockaddr *)&server_addr, len), 11);
    from_len = sizeof from;
    EQ(recvfrom(server, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len), 11);
    say("from a bound sender: its path %d, length matches %d", strcmp(from.sun_path, named_addr.sun_path) == 0,
        from_len == named_len);
    // The server answers to the address it got.
    EQ(sendto(server, "answer", 6, 0, (struct sockaddr *)&from, from_len), 6);
    EQ(recv(named, buf, sizeof buf, 0), 6);
    // Connected: send needs no address; getpeername names the peer.
    OK(connect(anonymous, (struct sockaddr *)&server_addr, len));
    EQ(send(anonymous, "connected", 9, 0), 9);
    EQ(recv(server, buf, sizeof buf, 0), 9);
    struct sockaddr_un peer;
    socklen_t peer_len = sizeof peer;
    OK(getpeername(anonymous, (struct sockaddr *)&peer, &peer_len));
    say("connected getpeername is the server's path: %d", strcmp(peer.sun_path, server_addr.sun_path) == 0);
    // A receiver connected to someone else refuses other senders.
    OK(connect(named, (struct sockaddr *)&server_addr, len));
    int stranger = OK(socket(AF_UNIX, SOCK_DGRAM, 0));
    say("sendto a socket connected to another: %s",
        RESULT_OF(sendto(stranger, "hi", 2, 0, (struct sockaddr *)&named_addr, named_len)));
    close(stranger);
    // Sending to a stream socket's path, or to a path with nobody behind it.
    struct sockaddr_un stream_addr = unix_path("stream.sock", &len);
    int stream = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    OK(bind(stream, (struct sockaddr *)&stream_addr, len));
    say("sendto a stream socket: %s",
        RESULT_OF(sendto(anonymous, "x", 1, 0, (struct sockaddr *)&stream_addr, len)));
    close(stream);
    say("sendto a path whose socket is closed: %s",
        RESULT_OF(sendto(anonymous, "x", 1, 0, (struct sockaddr *)&stream_addr, len)));
    unlink(stream_addr.sun_path);
    say("sendto a missing path: %s",
        RESULT_OF(sendto(anonymous, "x", 1, 0, (struct sockaddr *)&stream_addr, len)));
    // The connected peer goes away: ECONNREFUSED.
    close(server);
    unlink(server_addr.sun_path);
    say("send to a closed peer: %s", RESULT_OF(send(anonymous, "gone", 4, 0)));
    say("again: %s", RESULT_OF(send(anonymous, "gone", 4, 0)));
    close(anonymous);
    close(named);
    ok("datagrams between named and unnamed sockets, connect, EPERM, EPROTOTYPE, ECONNREFUSED");
}

static void full_queue(void) {
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    char msg[100];
    memset(msg, 'q', sizeof msg);
    int sent = 0;
    const char *stop = "none";
    for (int i = 0; i < 100000; i++) {
        errno = 0;
        if (send(sv[0], msg, sizeof msg, MSG_DONTWAIT) == (ssize_t)sizeof msg) {
            sent++;
            continue;
        }
        stop = errno_name(errno);
        break;
    }
    CHECK(sent > 0, "no datagram fit");
    say("filling a datagram pair: ended with %s", stop);
    say("full: writer poll %s", poll_names(poll_one(sv[0], POLLOUT, 0)));
    char buf[128];
    int drained = 0;
    while (recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) == (ssize_t)sizeof msg)
        drained++;
    EQ(drained, sent);
    say("drained every datagram: writer poll %s", poll_names(poll_one(sv[0], POLLOUT, 0)));
    // One datagram larger than the send buffer cannot be sent at all.
    int small = 4096;
    OK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small));
    static char huge[1 << 20];
    say("a 1 MiB datagram with an 8 KiB send buffer: %s", RESULT_OF(send(sv[0], huge, sizeof huge, 0)));
    close(sv[0]);
    close(sv[1]);
    ok("a full datagram queue: EAGAIN, no POLLOUT until drained; EMSGSIZE");
}

static void seqpacket_listener(void) {
    socklen_t len;
    struct sockaddr_un a = unix_abstract("seqpacket", &len);
    int server = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
    OK(bind(server, (struct sockaddr *)&a, len));
    OK(listen(server, 4));
    int client = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
    OK(connect(client, (struct sockaddr *)&a, len));
    int conn = OK(accept(server, NULL, NULL));
    EQ(int_option(conn, SOL_SOCKET, SO_TYPE), SOCK_SEQPACKET);
    EQ(send(client, "record one", 10, 0), 10);
    EQ(send(client, "two", 3, 0), 3);
    char buf[64];
    const char *first = RESULT_OF(recv(conn, buf, sizeof buf, 0));
    say("seqpacket records: %s then %s", first, RESULT_OF(recv(conn, buf, sizeof buf, 0)));
    // A stream client cannot connect to a seqpacket listener.
    int stream = OK(socket(AF_UNIX, SOCK_STREAM, 0));
    say("a stream socket connecting to it: %s", RESULT_OF(connect(stream, (struct sockaddr *)&a, len)));
    close(stream);
    say("sendto on a connected seqpacket socket with an address: %s",
        RESULT_OF(sendto(client, "x", 1, 0, (struct sockaddr *)&a, len)));
    int unconnected = OK(socket(AF_UNIX, SOCK_SEQPACKET, 0));
    say("send on an unconnected seqpacket socket: %s",
        RESULT_OF(send(unconnected, "x", 1, MSG_NOSIGNAL)));
    close(unconnected);
    close(client);
    say("the record sent with an address: %s", RESULT_OF(recv(conn, buf, sizeof buf, 0)));
    const char *revents = poll_names(poll_one(conn, POLLIN | POLLOUT | POLLRDHUP, 0));
    const char *received = RESULT_OF(recv(conn, buf, sizeof buf, 0));
    say("after the client closed: poll %s, recv %s, send %s", revents, received,
        RESULT_OF(send(conn, "x", 1, MSG_NOSIGNAL)));
    close(conn);
    close(server);
    ok("a seqpacket listener: records, EOF, EPIPE");
}

int main(void) {
    boundaries(SOCK_DGRAM, "dgram");
    boundaries(SOCK_SEQPACKET, "seqpacket");
    addressed_datagrams();
    full_queue();
    seqpacket_listener();
    return 0;
}
