// TCP over 127.0.0.1, the calls every server makes: socket with SOCK_NONBLOCK|SOCK_CLOEXEC,
// bind to port 0 and getsockname, listen, accept and accept4 with their flags, blocking and
// non-blocking connect (EINPROGRESS, POLLOUT, SO_ERROR; EALREADY while a handshake waits for
// room in a full accept queue; a repeated connect), ECONNREFUSED from a closed port both
// ways, getpeername, and the data calls: send/recv, sendto/recvfrom, sendmsg/recvmsg with
// several iovecs, sendmmsg/recvmmsg, MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, MSG_TRUNC, and
// FIONREAD/SIOCINQ/SIOCOUTQ.
#include "net_test.h"

#include <sys/ioctl.h>
#include <sys/uio.h>

// Waits (bounded) until `fd` has exactly `want` bytes queued for reading: loopback delivery
// may lag the sender's call by a moment, and byte counts are only compared once it is done.
static int wait_inq(int fd, int want) {
    int n = -1;
    for (int i = 0; i < 2000; i++) {
        if (ioctl(fd, SIOCINQ, &n) != 0) {
            FAIL("SIOCINQ: %s", errno_name(errno));
            return -1;
        }
        if (n >= want)
            return n;
        sleep_ms(10);
    }
    return n;
}

static void creating(void) {
    int fd = OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
    struct stat st;
    OK(fstat(fd, &st));
    EQ(S_ISSOCK(st.st_mode), 1);
    EQ(int_option(fd, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    EQ(int_option(fd, SOL_SOCKET, SO_DOMAIN), AF_INET);
    EQ(int_option(fd, SOL_SOCKET, SO_PROTOCOL), IPPROTO_TCP);
    close(fd);
    fd = OK(socket(AF_INET, SOCK_STREAM, IPPROTO_TCP));
    EQ(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
    EQ(fcntl(fd, F_GETFD), 0);
    // A fresh socket has the wildcard address and port 0.
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    OK(getsockname(fd, (struct sockaddr *)&a, &len));
    EQ(len, sizeof a);
    EQ(a.sin_family, AF_INET);
    EQ(a.sin_port, 0);
    EQ(a.sin_addr.s_addr, 0);
    len = sizeof a;
    say("getpeername before connect: %s", RESULT_OF(getpeername(fd, (struct sockaddr *)&a, &len)));
    close(fd);
    ok("socket: SOCK_NONBLOCK and SOCK_CLOEXEC set the flags; S_IFSOCK; SO_TYPE/DOMAIN/PROTOCOL; unbound name 0.0.0.0:0");
}

static void binding_and_listening(void) {
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(0);
    OK(bind(fd, (struct sockaddr *)&a, sizeof a));
    struct sockaddr_in got;
    socklen_t len = sizeof got;
    OK(getsockname(fd, (struct sockaddr *)&got, &len));
    EQ(len, sizeof got);
    EQ(got.sin_family, AF_INET);
    EQ(ntohl(got.sin_addr.s_addr), INADDR_LOOPBACK);
    CHECK(ntohs(got.sin_port) != 0, "bind to port 0 left port 0");
    // A short buffer gets the start of the name and the full length.
    struct sockaddr_in small;
    memset(&small, 0xaa, sizeof small);
    len = 4;
    OK(getsockname(fd, (struct sockaddr *)&small, &len));
    EQ(len, sizeof(struct sockaddr_in));
    EQ(small.sin_family, AF_INET);
    EQ(small.sin_addr.s_addr, 0xaaaaaaaau);  // past the 4 bytes asked for: untouched
    EQ(int_option(fd, SOL_SOCKET, SO_ACCEPTCONN), 0);
    say("bind twice: %s", RESULT_OF(bind(fd, (struct sockaddr *)&a, sizeof a)));
    OK(listen(fd, 16));
    EQ(int_option(fd, SOL_SOCKET, SO_ACCEPTCONN), 1);
    // listen again changes the backlog and succeeds.
    say("listen again: %s", RESULT_OF(listen(fd, 32)));
    // A non-blocking accept with nothing queued.
    set_nonblocking(fd, 1);
    say("non-blocking accept, empty queue: %s", RESULT_OF(accept(fd, NULL, NULL)));
    // Raw: musl's wrapper answers bad flags itself.
    say("accept4 with bad flags: %s", RESULT_OF(syscall(SYS_accept4, fd, NULL, NULL, 0x1234)));
    // listen on an unbound socket binds it to an ephemeral port on the wildcard address.
    int unbound = OK(socket(AF_INET, SOCK_STREAM, 0));
    OK(listen(unbound, 1));
    len = sizeof got;
    OK(getsockname(unbound, (struct sockaddr *)&got, &len));
    EQ(got.sin_addr.s_addr, htonl(INADDR_ANY));
    CHECK(ntohs(got.sin_port) != 0, "listen without bind left port 0");
    close(unbound);
    close(fd);
    ok("bind and listen: 127.0.0.1 and a kernel-chosen port; a short getsockname buffer; SO_ACCEPTCONN; listen without bind");
}

static void accepting(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int client = tcp_connect(port);
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int server = OK(accept(listener, (struct sockaddr *)&peer, &len));
    EQ(len, sizeof peer);
    EQ(peer.sin_family, AF_INET);
    EQ(ntohl(peer.sin_addr.s_addr), INADDR_LOOPBACK);
    EQ(ntohs(peer.sin_port), local_port(client));
    // Both ends agree on the two endpoints.
    struct sockaddr_in a;
    len = sizeof a;
    OK(getpeername(client, (struct sockaddr *)&a, &len));
    EQ(ntohs(a.sin_port), port);
    EQ(ntohl(a.sin_addr.s_addr), INADDR_LOOPBACK);
    len = sizeof a;
    OK(getsockname(server, (struct sockaddr *)&a, &len));
    EQ(ntohs(a.sin_port), port);
    len = sizeof a;
    OK(getpeername(server, (struct sockaddr *)&a, &len));
    EQ(ntohs(a.sin_port), local_port(client));
    CHECK(local_port(client) != port, "client got the listener's port");
    // accept() never passes the listener's O_NONBLOCK on; accept4 sets what it is told.
    EQ(fcntl(server, F_GETFL) & O_NONBLOCK, 0);
    EQ(fcntl(server, F_GETFD), 0);
    int client2 = tcp_connect(port);
    int server2 = OK(accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC));
    EQ(fcntl(server2, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
    EQ(fcntl(server2, F_GETFD), FD_CLOEXEC);
    EQ(int_option(server2, SOL_SOCKET, SO_ACCEPTCONN), 0);
    // An accepted socket is connected: its own data flows both ways.
    EQ(send(client2, "ping", 4, 0), 4);
    WAIT_FOR(server2, POLLIN);
    char buf[8];
    EQ(recv(server2, buf, sizeof buf, 0), 4);
    EQ(memcmp(buf, "ping", 4), 0);
    EQ(send(server2, "pong!", 5, 0), 5);
    EQ(recv(client2, buf, sizeof buf, 0), 5);
    EQ(memcmp(buf, "pong!", 5), 0);
    // accept with a short address buffer: truncated, the full length reported.
    int client3 = tcp_connect(port);
    char small[2];
    len = sizeof small;
    int server3 = OK(accept(listener, (struct sockaddr *)small, &len));
    EQ(len, sizeof(struct sockaddr_in));
    close(server3);
    close(client3);
    close(server2);
    close(client2);
    close(server);
    close(client);
    close(listener);
    ok("accept and accept4: the peer's address, matching names at both ends, SOCK_NONBLOCK|SOCK_CLOEXEC, data both ways");
}

static void connecting_non_blocking(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int fd = OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    struct sockaddr_in a = loopback(port);
    say("non-blocking connect: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    int revents = WAIT_FOR(fd, POLLOUT);
    say("poll after the handshake: %s", poll_names(revents));
    EQ(int_option(fd, SOL_SOCKET, SO_ERROR), 0);
    // Linux reports the finished connect once more as success, then EISCONN.
    say("connect again after POLLOUT: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    say("and again: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    int server = OK(accept(listener, NULL, NULL));
    close(server);
    close(fd);
    close(listener);
    ok("non-blocking connect: EINPROGRESS, POLLOUT, SO_ERROR 0");

    // A listener whose accept queue is full drops new SYNs: the connect stays in progress
    // (EALREADY when repeated) until accept makes room, then completes.
    listener = tcp_listener(0, &port);
    int first = OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    a = loopback(port);
    connect(first, (struct sockaddr *)&a, sizeof a);
    WAIT_FOR(first, POLLOUT);
    EQ(int_option(first, SOL_SOCKET, SO_ERROR), 0);
    WAIT_FOR(listener, POLLIN);
    int waiting = OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    say("connect while the accept queue is full: %s",
        RESULT_OF(connect(waiting, (struct sockaddr *)&a, sizeof a)));
    say("connect again while in progress: %s",
        RESULT_OF(connect(waiting, (struct sockaddr *)&a, sizeof a)));
    EQ(int_option(waiting, SOL_SOCKET, SO_ERROR), 0);
    int s1 = OK(accept(listener, NULL, NULL));
    // The dropped SYN is sent again and this time finds room (a retransmission: seconds).
    revents = poll_one(waiting, POLLOUT, 30000);
    int error = int_option(waiting, SOL_SOCKET, SO_ERROR);
    say("after accept made room: %s, SO_ERROR %s", poll_names(revents), errno_name(error));
    WAIT_FOR(listener, POLLIN);
    int s2 = OK(accept(listener, NULL, NULL));
    EQ(send(waiting, "x", 1, 0), 1);
    char c;
    set_nonblocking(s2, 0);
    EQ(recv(s2, &c, 1, 0), 1);
    close(s1);
    close(s2);
    close(first);
    close(waiting);
    close(listener);
    ok("a full accept queue: the next connect waits (EALREADY), and completes after accept");
}

static void refused(void) {
    int holder;
    uint16_t port = closed_port(&holder);
    struct sockaddr_in a = loopback(port);
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("blocking connect to a closed port: %s",
        RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    say("SO_ERROR after it: %s", errno_name(int_option(fd, SOL_SOCKET, SO_ERROR)));
    close(fd);
    fd = OK(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0));
    say("non-blocking connect to a closed port: %s",
        RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    int revents = WAIT_FOR(fd, POLLOUT);
    say("poll: %s", poll_names(revents));
    int first_error = int_option(fd, SOL_SOCKET, SO_ERROR);
    int second_error = int_option(fd, SOL_SOCKET, SO_ERROR);
    say("SO_ERROR: %s, then %s (read once, cleared)", errno_name(first_error),
        errno_name(second_error));
    say("connect again: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, sizeof a)));
    close(fd);
    close(holder);
    ok("connect to a closed port: ECONNREFUSED, blocking and through SO_ERROR");
}

static void data_calls(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    char buf[64];

    // send/recv, and sendto/recvfrom on a connected stream (the address is not used).
    EQ(send(c, "hello", 5, 0), 5);
    EQ(wait_inq(s, 5), 5);
    EQ(recv(s, buf, sizeof buf, 0), 5);
    struct sockaddr_in other = loopback(1);
    say("sendto with an address on a connected stream: %s",
        RESULT_OF(sendto(c, "world", 5, 0, (struct sockaddr *)&other, sizeof other)));
    EQ(wait_inq(s, 5), 5);
    struct sockaddr_in from;
    socklen_t from_len = sizeof from;
    EQ(recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &from_len), 5);
    EQ(memcmp(buf, "world", 5), 0);
    say("recvfrom on a stream: address length %u", (unsigned)from_len);

    // sendmsg and recvmsg gather and scatter.
    struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdefg", 5}};
    struct msghdr m = {.msg_iov = out, .msg_iovlen = 3};
    EQ(sendmsg(c, &m, 0), 7);
    EQ(wait_inq(s, 7), 7);
    char p1[3], p2[10];
    struct iovec in[2] = {{p1, sizeof p1}, {p2, sizeof p2}};
    struct msghdr r = {.msg_iov = in, .msg_iovlen = 2};
    EQ(recvmsg(s, &r, 0), 7);
    EQ(memcmp(p1, "abc", 3), 0);
    EQ(memcmp(p2, "defg", 4), 0);
    EQ(r.msg_flags, 0);

    // sendmmsg: several messages, one stream; recvmmsg fills messages in order.
    struct iovec v[3] = {{"aaaa", 4}, {"bbbb", 4}, {"cccc", 4}};
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &v[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    EQ(sendmmsg(c, mm, 3, 0), 3);
    EQ(mm[0].msg_len, 4);
    EQ(mm[2].msg_len, 4);
    EQ(wait_inq(s, 12), 12);
    char r1[5], r2[7];
    struct iovec rv[2] = {{r1, sizeof r1}, {r2, sizeof r2}};
    struct mmsghdr rm[2];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 2; i++) {
        rm[i].msg_hdr.msg_iov = &rv[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    EQ(recvmmsg(s, rm, 2, MSG_DONTWAIT, NULL), 2);
    EQ(rm[0].msg_len, 5);
    EQ(rm[1].msg_len, 7);
    EQ(memcmp(r1, "aaaab", 5), 0);
    EQ(memcmp(r2, "bbbcccc", 7), 0);
    ok("send/recv, sendto/recvfrom, sendmsg/recvmsg with iovecs, sendmmsg/recvmmsg on a stream");

    // MSG_PEEK leaves the bytes; MSG_DONTWAIT on an empty socket; MSG_TRUNC discards.
    EQ(send(c, "0123456789", 10, 0), 10);
    EQ(wait_inq(s, 10), 10);
    EQ(recv(s, buf, 3, MSG_PEEK), 3);
    EQ(memcmp(buf, "012", 3), 0);
    EQ(recv(s, buf, 4, 0), 4);
    EQ(memcmp(buf, "0123", 4), 0);
    say("recv MSG_TRUNC on a stream: %ld", (long)recv(s, NULL, 2, MSG_TRUNC));
    EQ(recv(s, buf, sizeof buf, 0), 4);
    EQ(memcmp(buf, "6789", 4), 0);
    say("recv MSG_DONTWAIT with nothing queued: %s", RESULT_OF(recv(s, buf, 1, MSG_DONTWAIT)));
    say("recv MSG_DONTWAIT|MSG_PEEK with nothing queued: %s",
        RESULT_OF(recv(s, buf, 1, MSG_DONTWAIT | MSG_PEEK)));
    ok("MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT");

    // FIONREAD and SIOCINQ count unread bytes; SIOCOUTQ the sender's unacknowledged ones.
    EQ(send(c, "12345678", 8, 0), 8);
    int n = -1;
    EQ(wait_inq(s, 8), 8);
    OK(ioctl(s, FIONREAD, &n));
    EQ(n, 8);
    for (int i = 0; i < 2000; i++) {
        OK(ioctl(c, SIOCOUTQ, &n));
        if (n == 0)
            break;
        sleep_ms(10);
    }
    say("SIOCOUTQ once the peer acknowledged: %d", n);
    EQ(recv(s, buf, sizeof buf, 0), 8);
    OK(ioctl(s, SIOCINQ, &n));
    EQ(n, 0);
    say("SIOCINQ on a listener: %s", RESULT_OF(ioctl(listener, SIOCINQ, &n)));
    ok("FIONREAD/SIOCINQ and SIOCOUTQ");

    close(c);
    close(s);
    close(listener);
}

// MSG_WAITALL: the peer sends in three pieces with pauses; one recv gets them all.
struct pieces {
    int fd;
};
static void *send_pieces(void *arg) {
    struct pieces *p = arg;
    char block[100];
    for (int i = 0; i < 3; i++) {
        memset(block, 'a' + i, sizeof block);
        sleep_ms(50);
        if (send(p->fd, block, sizeof block, 0) != (ssize_t)sizeof block)
            FAIL("send piece %d: %s", i, errno_name(errno));
    }
    return NULL;
}

static void waitall(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    struct pieces p = {c};
    pthread_t t = start_thread(send_pieces, &p);
    char buf[300];
    EQ(recv(s, buf, sizeof buf, MSG_WAITALL), 300);
    EQ(buf[0], 'a');
    EQ(buf[150], 'b');
    EQ(buf[299], 'c');
    pthread_join(t, NULL);
    // MSG_WAITALL ends early at end of stream, with what arrived.
    EQ(send(c, "tail", 4, 0), 4);
    shutdown(c, SHUT_WR);
    say("MSG_WAITALL for 100 bytes when 4 come and then EOF: %ld",
        (long)recv(s, buf, 100, MSG_WAITALL));
    close(c);
    close(s);
    close(listener);
    ok("MSG_WAITALL gathers three pieces into one recv of 300 bytes");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    creating();
    binding_and_listening();
    accepting();
    connecting_non_blocking();
    refused();
    data_calls();
    waitall();
    return 0;
}
