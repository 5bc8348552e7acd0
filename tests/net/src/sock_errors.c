// The errors of the socket calls, as Linux reports them: EAFNOSUPPORT, EPROTONOSUPPORT,
// ESOCKTNOSUPPORT and EINVAL from socket(); EBADF and ENOTSOCK for descriptors that are not
// sockets; EFAULT for bad pointers (through raw system calls, so no libc wrapper touches
// them first); EINVAL for bad lengths and states; ENOTCONN, EISCONN, EPIPE, EOPNOTSUPP
// (listen and accept on UDP), EDESTADDRREQ, EAFNOSUPPORT for a wrong address family,
// ENOPROTOOPT for unknown options, EADDRNOTAVAIL for an address the host does not have.
#include "net_test.h"

#include <sys/mman.h>

static void creating(void) {
    say("socket(12345, SOCK_STREAM, 0): %s", RESULT_OF(socket(12345, SOCK_STREAM, 0)));
    say("socket(AF_INET, SOCK_STREAM, IPPROTO_UDP): %s",
        RESULT_OF(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP)));
    say("socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP): %s",
        RESULT_OF(socket(AF_INET, SOCK_DGRAM, IPPROTO_TCP)));
    say("socket(AF_INET, SOCK_SEQPACKET, 0): %s", RESULT_OF(socket(AF_INET, SOCK_SEQPACKET, 0)));
    say("socket(AF_INET, 77, 0): %s", RESULT_OF(socket(AF_INET, 77, 0)));
    say("socket(AF_INET, SOCK_STREAM | 0x40000000, 0): %s",
        RESULT_OF(syscall(SYS_socket, AF_INET, SOCK_STREAM | 0x40000000, 0)));
    say("socket(AF_UNIX, SOCK_STREAM, 5): %s", RESULT_OF(socket(AF_UNIX, SOCK_STREAM, 5)));
    // Linux takes SOCK_RAW for AF_UNIX as SOCK_DGRAM.
    int raw = socket(AF_UNIX, SOCK_RAW, 0);
    say("socket(AF_UNIX, SOCK_RAW, 0): %s, SO_TYPE %d", raw < 0 ? errno_name(errno) : "ok",
        raw < 0 ? -1 : int_option(raw, SOL_SOCKET, SO_TYPE));
    if (raw >= 0)
        close(raw);
    say("socketpair(AF_INET, SOCK_STREAM): %s",
        RESULT_OF(socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0, 0})));
    ok("socket() refuses unknown families, protocols and types");
}

static void not_sockets(void) {
    int p[2];
    OK(pipe(p));
    struct sockaddr_in a = loopback(1);
    socklen_t len = sizeof a;
    char b[4] = "abc";
    say("bad descriptor: send %s, recv %s, bind %s, listen %s, accept %s, getsockname %s",
        RESULT_OF(send(999, b, 1, 0)), RESULT_OF(recv(999, b, 1, 0)),
        RESULT_OF(bind(999, (struct sockaddr *)&a, sizeof a)), RESULT_OF(listen(999, 1)),
        RESULT_OF(accept(999, NULL, NULL)), RESULT_OF(getsockname(999, (struct sockaddr *)&a, &len)));
    say("a pipe: send %s, recv %s, bind %s, listen %s, accept %s, connect %s",
        RESULT_OF(send(p[1], b, 1, 0)), RESULT_OF(recv(p[0], b, 1, 0)),
        RESULT_OF(bind(p[0], (struct sockaddr *)&a, sizeof a)), RESULT_OF(listen(p[0], 1)),
        RESULT_OF(accept(p[0], NULL, NULL)), RESULT_OF(connect(p[0], (struct sockaddr *)&a, sizeof a)));
    int v = 1;
    say("a pipe: getsockname %s, getpeername %s, setsockopt %s, shutdown %s",
        RESULT_OF(getsockname(p[0], (struct sockaddr *)&a, &len)),
        RESULT_OF(getpeername(p[0], (struct sockaddr *)&a, &len)),
        RESULT_OF(setsockopt(p[0], SOL_SOCKET, SO_REUSEADDR, &v, sizeof v)),
        RESULT_OF(shutdown(p[0], SHUT_RDWR)));
    close(p[0]);
    close(p[1]);
    ok("EBADF and ENOTSOCK");
}

static void bad_pointers(void) {
    // A page that is mapped but inaccessible, and an address never mapped.
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    REQUIRE(none != MAP_FAILED, "mmap: %s", errno_name(errno));
    void *bad = (void *)8;
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    socklen_t len = sizeof(struct sockaddr_in);
    say("bind with a bad address: %s", RESULT_OF(syscall(SYS_bind, fd, bad, 16)));
    say("connect with a bad address: %s", RESULT_OF(syscall(SYS_connect, fd, none, 16)));
    say("getsockname into a bad buffer: %s", RESULT_OF(syscall(SYS_getsockname, fd, bad, &len)));
    say("getsockname with a bad length pointer: %s",
        RESULT_OF(syscall(SYS_getsockname, fd, &(struct sockaddr_in){0}, bad)));
    int v = 1;
    say("setsockopt from a bad pointer: %s",
        RESULT_OF(syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEADDR, bad, sizeof v)));
    say("getsockopt into a bad pointer: %s",
        RESULT_OF(syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_REUSEADDR, bad, &len)));
    say("getsockopt with a bad length pointer: %s",
        RESULT_OF(syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_REUSEADDR, &v, bad)));
    close(fd);
    int c, s;
    tcp_pair(listener, &c, &s);
    say("send from a bad buffer: %s", RESULT_OF(syscall(SYS_sendto, c, none, 10, 0, NULL, 0)));
    EQ(send(c, "data", 4, 0), 4);
    WAIT_FOR(s, POLLIN);
    say("recv into a bad buffer: %s", RESULT_OF(syscall(SYS_recvfrom, s, none, 10, 0, NULL, NULL)));
    char buf[8];
    say("the data is still there: %s", RESULT_OF(recv(s, buf, sizeof buf, 0)));
    say("sendmsg with a bad msghdr: %s", RESULT_OF(syscall(SYS_sendmsg, c, bad, 0)));
    struct iovec iov = {none, 10};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    say("sendmsg with a bad iovec base: %s", RESULT_OF(syscall(SYS_sendmsg, c, &m, 0)));
    say("socketpair into a bad array: %s",
        RESULT_OF(syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, bad)));
    close(c);
    close(s);
    close(listener);
    munmap(none, 4096);
    ok("EFAULT for bad pointers");
}

static void bad_lengths_and_states(void) {
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    struct sockaddr_in a = loopback(0);
    say("bind with length 3: %s", RESULT_OF(bind(fd, (struct sockaddr *)&a, 3)));
    say("bind with length 15: %s", RESULT_OF(bind(fd, (struct sockaddr *)&a, 15)));
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    say("bind an AF_UNIX address: %s", RESULT_OF(bind(fd, (struct sockaddr *)&u, sizeof u)));
    struct sockaddr_in other = loopback(0);
    other.sin_addr.s_addr = htonl(0x0a7b7b7b);  // 10.123.123.123: nobody's address here
    say("bind an address that is not local: %s", RESULT_OF(bind(fd, (struct sockaddr *)&other, sizeof other)));
    say("connect with length 0: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, 0)));
    say("connect with length 8: %s", RESULT_OF(connect(fd, (struct sockaddr *)&a, 8)));
    struct sockaddr_in wrong = loopback(1);
    wrong.sin_family = AF_UNIX;
    say("connect with family AF_UNIX: %s", RESULT_OF(connect(fd, (struct sockaddr *)&wrong, sizeof wrong)));
    socklen_t len = (socklen_t)-1;
    say("getsockname with a negative length: %s",
        RESULT_OF(getsockname(fd, (struct sockaddr *)&a, &len)));
    int v = 1;
    say("setsockopt with length 2: %s", RESULT_OF(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, 2)));
    len = (socklen_t)-1;
    say("getsockopt with a negative length: %s",
        RESULT_OF(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &v, &len)));
    say("unknown SOL_SOCKET option: %s", RESULT_OF(getsockopt(fd, SOL_SOCKET, 9999, &v, &(socklen_t){4})));
    say("unknown TCP option: %s", RESULT_OF(getsockopt(fd, IPPROTO_TCP, 9999, &v, &(socklen_t){4})));
    say("unknown level: %s", RESULT_OF(setsockopt(fd, 9999, 1, &v, sizeof v)));
    say("accept on an unbound socket: %s", RESULT_OF(accept(fd, NULL, NULL)));
    char b[4];
    say("unconnected stream: recv %s, send %s, getpeername %s", RESULT_OF(recv(fd, b, 1, 0)),
        RESULT_OF(send(fd, "x", 1, MSG_NOSIGNAL)),
        RESULT_OF(getpeername(fd, (struct sockaddr *)&a, &(socklen_t){sizeof a})));
    close(fd);

    uint16_t port;
    int listener = tcp_listener(8, &port);
    a = loopback(1);
    say("listener: connect %s, send %s, recv %s", RESULT_OF(connect(listener, (struct sockaddr *)&a, sizeof a)),
        RESULT_OF(send(listener, "x", 1, MSG_NOSIGNAL)), RESULT_OF(recv(listener, b, 1, MSG_DONTWAIT)));
    int c, s;
    tcp_pair(listener, &c, &s);
    a = loopback(port);
    say("connect a connected socket: %s", RESULT_OF(connect(c, (struct sockaddr *)&a, sizeof a)));
    say("listen on a connected socket: %s", RESULT_OF(listen(c, 1)));
    say("accept on a connected socket: %s", RESULT_OF(accept(c, NULL, NULL)));
    say("MSG_OOB recv with none: %s", RESULT_OF(recv(s, b, 1, MSG_OOB | MSG_DONTWAIT)));
    close(c);
    close(s);
    close(listener);

    int udp = OK(socket(AF_INET, SOCK_DGRAM, 0));
    say("UDP: listen %s, accept %s", RESULT_OF(listen(udp, 1)), RESULT_OF(accept(udp, NULL, NULL)));
    say("UDP send without a destination: %s", RESULT_OF(send(udp, "x", 1, 0)));
    say("UDP recv MSG_DONTWAIT, nothing queued: %s", RESULT_OF(recv(udp, b, 1, MSG_DONTWAIT)));
    say("UDP shutdown unconnected: %s", RESULT_OF(shutdown(udp, SHUT_RDWR)));
    say("UDP getpeername unconnected: %s",
        RESULT_OF(getpeername(udp, (struct sockaddr *)&a, &(socklen_t){sizeof a})));
    say("UDP sendto with length 4: %s", RESULT_OF(sendto(udp, "x", 1, 0, (struct sockaddr *)&a, 4)));
    say("UDP sendto a wrong family: %s",
        RESULT_OF(sendto(udp, "x", 1, 0, (struct sockaddr *)&u, sizeof u)));
    close(udp);
    ok("EINVAL, ENOTCONN, EISCONN, EOPNOTSUPP, EDESTADDRREQ, EAFNOSUPPORT, ENOPROTOOPT, EADDRNOTAVAIL");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    creating();
    not_sockets();
    bad_pointers();
    bad_lengths_and_states();
    return 0;
}
