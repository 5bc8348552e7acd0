// UDP over 127.0.0.1: bind, sendto/recvfrom with the sender's address, connect and
// send/recv, message boundaries, zero-length datagrams, MSG_PEEK, MSG_TRUNC (in flags and in
// msg_flags), FIONREAD (the next datagram's size), sendmmsg/recvmmsg, datagrams of 60000
// and 65507 bytes (the largest; one more is EMSGSIZE), a connected socket filtering other
// senders, ECONNREFUSED on a connected socket after sending to a closed port, SO_BROADCAST
// as an option, disconnect with AF_UNSPEC, and readiness.
#include "net_test.h"

#include <sys/ioctl.h>

static struct sockaddr_in address_of(int fd) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        FAIL("getsockname: %s", errno_name(errno));
    return a;
}

// Waits (bounded) until a datagram is queued on `fd`.
static void wait_datagram(int fd) { WAIT_FOR(fd, POLLIN); }

static void addresses(void) {
    uint16_t pa, pb;
    int a = bound_socket(SOCK_DGRAM, &pa);
    int b = bound_socket(SOCK_DGRAM, &pb);
    say("fresh UDP socket: poll %s", poll_names(poll_one(a, POLLIN | POLLOUT, 0)));
    struct sockaddr_in to = loopback(pb);
    EQ(sendto(a, "first", 5, 0, (struct sockaddr *)&to, sizeof to), 5);
    wait_datagram(b);
    say("with a datagram queued: poll %s", poll_names(poll_one(b, POLLIN | POLLOUT, 0)));
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    char buf[64];
    EQ(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 5);
    EQ(len, sizeof from);
    EQ(from.sin_family, AF_INET);
    EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
    EQ(ntohs(from.sin_port), pa);
    // An unbound sender is bound to an ephemeral port by its first sendto.
    int u = OK(socket(AF_INET, SOCK_DGRAM, 0));
    EQ(sendto(u, "auto", 4, 0, (struct sockaddr *)&to, sizeof to), 4);
    struct sockaddr_in ua = address_of(u);
    CHECK(ua.sin_port != 0, "sendto did not bind the sender");
    EQ(ua.sin_addr.s_addr, htonl(INADDR_ANY));
    wait_datagram(b);
    len = sizeof from;
    EQ(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&from, &len), 4);
    EQ(from.sin_port, ua.sin_port);
    EQ(ntohl(from.sin_addr.s_addr), INADDR_LOOPBACK);
    close(u);
    // A short address buffer: truncated, the full length reported.
    EQ(sendto(a, "x", 1, 0, (struct sockaddr *)&to, sizeof to), 1);
    wait_datagram(b);
    struct sockaddr_in small;
    memset(&small, 0xaa, sizeof small);
    len = 4;
    EQ(recvfrom(b, buf, sizeof buf, 0, (struct sockaddr *)&small, &len), 1);
    EQ(len, sizeof small);
    EQ(small.sin_addr.s_addr, 0xaaaaaaaau);
    close(a);
    close(b);
    ok("sendto/recvfrom: the sender's address, an implicit bind, a short address buffer");
}

static void boundaries(void) {
    uint16_t pb;
    int a = bound_socket(SOCK_DGRAM, NULL);
    int b = bound_socket(SOCK_DGRAM, &pb);
    struct sockaddr_in to = loopback(pb);
    OK(connect(a, (struct sockaddr *)&to, sizeof to));
    EQ(send(a, "one", 3, 0), 3);
    EQ(send(a, "", 0, 0), 0);
    EQ(send(a, "three!", 6, 0), 6);
    EQ(send(a, "0123456789", 10, 0), 10);
    char buf[64];
    wait_datagram(b);
    int n = -1;
    OK(ioctl(b, FIONREAD, &n));
    say("FIONREAD with datagrams of 3, 0, 6, 10 queued: %d", n);
    say("MSG_PEEK: %s", RESULT_OF(recv(b, buf, sizeof buf, MSG_PEEK)));
    say("recv: %s", RESULT_OF(recv(b, buf, sizeof buf, 0)));
    wait_datagram(b);
    say("zero-length datagram: %s", RESULT_OF(recv(b, buf, sizeof buf, 0)));
    wait_datagram(b);
    // A short buffer truncates the datagram and drops the rest of it.
    say("recv 2 of 6: %s", RESULT_OF(recv(b, buf, 2, 0)));
    wait_datagram(b);
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    const char *got = RESULT_OF(recvmsg(b, &m, 0));
    say("recvmsg 4 of 10: %s, MSG_TRUNC in msg_flags: %d", got, (m.msg_flags & MSG_TRUNC) != 0);
    say("recv MSG_DONTWAIT, nothing left: %s", RESULT_OF(recv(b, buf, sizeof buf, MSG_DONTWAIT)));
    OK(ioctl(b, FIONREAD, &n));
    say("FIONREAD empty: %d", n);
    // MSG_TRUNC in flags: the datagram's real length comes back.
    EQ(send(a, "0123456789", 10, 0), 10);
    wait_datagram(b);
    say("recv 4 with MSG_TRUNC: %s", RESULT_OF(recv(b, buf, 4, MSG_TRUNC)));
    close(a);
    close(b);
    ok("datagram boundaries, zero-length datagrams, MSG_PEEK, MSG_TRUNC, FIONREAD");
}

static void batches_and_sizes(void) {
    uint16_t pb;
    int a = bound_socket(SOCK_DGRAM, NULL);
    int b = bound_socket(SOCK_DGRAM, &pb);
    struct sockaddr_in to = loopback(pb);
    OK(connect(a, (struct sockaddr *)&to, sizeof to));
    struct iovec v[3] = {{"alpha", 5}, {"be", 2}, {"gamma-ray", 9}};
    struct mmsghdr mm[3];
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_iov = &v[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    EQ(sendmmsg(a, mm, 3, 0), 3);
    char bufs[4][16];
    struct iovec rv[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        rv[i] = (struct iovec){bufs[i], sizeof bufs[i]};
        rm[i].msg_hdr.msg_iov = &rv[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    // recvmmsg with MSG_WAITFORONE: blocks for the first, takes what else is queued.
    int got = 0;
    for (int calls = 0; got < 3 && calls < 3; calls++) {
        int n = OK(recvmmsg(b, rm + got, (unsigned)(4 - got), MSG_WAITFORONE, NULL));
        if (n <= 0)
            break;
        got += n;
    }
    say("recvmmsg: %d datagrams of %u, %u, %u bytes", got, rm[0].msg_len, rm[1].msg_len,
        rm[2].msg_len);
    say("nothing more: %s", RESULT_OF(recvmmsg(b, rm, 4, MSG_DONTWAIT, NULL)));
    EQ(memcmp(bufs[2], "gamma-ray", 9), 0);

    // Big datagrams, up to the largest IPv4 allows.
    static unsigned char big[65536], back[65536];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = pattern_byte(i, 3);
    int size = 1 << 20;
    setsockopt(b, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    const int sizes[] = {1472, 1473, 8000, 60000, 65507};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        EQ(send(a, big, (size_t)sizes[i], 0), sizes[i]);
        wait_datagram(b);
        ssize_t n = recv(b, back, sizeof back, 0);
        EQ(n, sizes[i]);
        EQ(memcmp(big, back, (size_t)sizes[i]), 0);
        say("datagram of %d bytes: received %zd, same bytes", sizes[i], n);
    }
    say("65508 bytes: %s", RESULT_OF(send(a, big, 65508, 0)));
    close(a);
    close(b);
    ok("sendmmsg/recvmmsg, and datagrams up to 65507 bytes");
}

static void connected_sockets(void) {
    uint16_t pa, pb, pc;
    int a = bound_socket(SOCK_DGRAM, &pa);
    int b = bound_socket(SOCK_DGRAM, &pb);
    int third = bound_socket(SOCK_DGRAM, &pc);
    struct sockaddr_in to_a = loopback(pa), to_b = loopback(pb);
    OK(connect(b, (struct sockaddr *)&to_a, sizeof to_a));
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    OK(getpeername(b, (struct sockaddr *)&peer, &len));
    EQ(ntohs(peer.sin_port), pa);
    // b is connected to a: a datagram from the third socket is not delivered to it.
    EQ(sendto(third, "stranger", 8, 0, (struct sockaddr *)&to_b, sizeof to_b), 8);
    EQ(sendto(a, "friend", 6, 0, (struct sockaddr *)&to_b, sizeof to_b), 6);
    wait_datagram(b);
    char buf[16];
    say("connected socket receives: %.*s", (int)recv(b, buf, sizeof buf, 0), buf);
    sleep_ms(50);
    say("then: %s", RESULT_OF(recv(b, buf, sizeof buf, MSG_DONTWAIT)));
    // sendto with another address on a connected UDP socket goes there.
    struct sockaddr_in to_c = loopback(pc);
    EQ(sendto(b, "elsewhere", 9, 0, (struct sockaddr *)&to_c, sizeof to_c), 9);
    wait_datagram(third);
    EQ(recv(third, buf, sizeof buf, 0), 9);

    // Disconnect with AF_UNSPEC: no peer, sendto needed again. The bound address stays;
    // a port the kernel chose (bind to port 0) is given up, as Linux does.
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};
    OK(connect(b, &unspec, sizeof unspec));
    struct sockaddr_in kept = address_of(b);
    say("after AF_UNSPEC: address %s, port %d", inet_ntoa(kept.sin_addr), ntohs(kept.sin_port));
    const char *peer_error =
        RESULT_OF(getpeername(b, (struct sockaddr *)&peer, &(socklen_t){sizeof peer}));
    say("getpeername %s, send %s", peer_error, RESULT_OF(send(b, "x", 1, 0)));
    // An implicitly bound socket loses its port when it disconnects.
    int implicit = OK(socket(AF_INET, SOCK_DGRAM, 0));
    OK(connect(implicit, (struct sockaddr *)&to_a, sizeof to_a));
    struct sockaddr_in mine = address_of(implicit);
    say("implicitly bound: address 127.0.0.1 %d, port set %d",
        ntohl(mine.sin_addr.s_addr) == INADDR_LOOPBACK, mine.sin_port != 0);
    OK(connect(implicit, &unspec, sizeof unspec));
    mine = address_of(implicit);
    say("after AF_UNSPEC: address %s, port %d", inet_ntoa(mine.sin_addr), ntohs(mine.sin_port));
    close(implicit);
    close(a);
    close(b);
    close(third);
    ok("connected UDP: a peer filter, sendto elsewhere, and disconnect with AF_UNSPEC");
}

static void refused(void) {
    int holder;
    uint16_t closed;
    holder = bound_socket(SOCK_STREAM, &closed);  // a port with no UDP socket behind it
    int fd = bound_socket(SOCK_DGRAM, NULL);
    struct sockaddr_in to = loopback(closed);
    OK(connect(fd, (struct sockaddr *)&to, sizeof to));
    EQ(send(fd, "anyone?", 7, 0), 7);
    // The ICMP port unreachable comes back as an error on the connected socket.
    int revents = WAIT_FOR(fd, POLLERR);
    say("after sending to a closed port: poll %s", poll_names(revents));
    char buf[8];
    say("recv: %s", RESULT_OF(recv(fd, buf, sizeof buf, MSG_DONTWAIT)));
    say("recv again: %s", RESULT_OF(recv(fd, buf, sizeof buf, MSG_DONTWAIT)));
    EQ(send(fd, "again", 5, 0), 5);
    WAIT_FOR(fd, POLLERR);
    say("SO_ERROR: %s", errno_name(int_option(fd, SOL_SOCKET, SO_ERROR)));
    say("send after reading SO_ERROR: %s", RESULT_OF(send(fd, "more", 4, 0)));
    WAIT_FOR(fd, POLLERR);
    say("send with the error pending: %s", RESULT_OF(send(fd, "more", 4, 0)));
    close(fd);
    close(holder);
    ok("connected UDP to a closed port: ECONNREFUSED");
}

static void options(void) {
    int fd = OK(socket(AF_INET, SOCK_DGRAM, 0));
    say("SO_TYPE %d, SO_PROTOCOL %d, SO_BROADCAST %d", int_option(fd, SOL_SOCKET, SO_TYPE),
        int_option(fd, SOL_SOCKET, SO_PROTOCOL), int_option(fd, SOL_SOCKET, SO_BROADCAST));
    set_int_option(fd, SOL_SOCKET, SO_BROADCAST, 1);
    say("SO_BROADCAST set: %d", int_option(fd, SOL_SOCKET, SO_BROADCAST));
    set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    OK(bind(fd, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET,
                                                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)},
            sizeof(struct sockaddr_in)));
    // Two UDP sockets with SO_REUSEADDR share a port.
    int other = OK(socket(AF_INET, SOCK_DGRAM, 0));
    set_int_option(other, SOL_SOCKET, SO_REUSEADDR, 1);
    struct sockaddr_in same = loopback(local_port(fd));
    say("second bind with SO_REUSEADDR: %s", RESULT_OF(bind(other, (struct sockaddr *)&same, sizeof same)));
    int plain = OK(socket(AF_INET, SOCK_DGRAM, 0));
    say("without it: %s", RESULT_OF(bind(plain, (struct sockaddr *)&same, sizeof same)));
    close(plain);
    close(other);
    close(fd);
    ok("UDP options");
}

int main(void) {
    addresses();
    boundaries();
    batches_and_sizes();
    connected_sockets();
    refused();
    options();
    return 0;
}
