// Socket options of TCP sockets over 127.0.0.1: defaults and round trips of SO_REUSEADDR,
// SO_REUSEPORT, SO_KEEPALIVE, SO_LINGER, SO_RCVBUF/SO_SNDBUF (Linux doubles what is set;
// only relations are printed, never sizes), SO_RCVTIMEO/SO_SNDTIMEO (EAGAIN once the time
// is up, EDOM for a bad timeval), SO_ERROR, SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN,
// TCP_NODELAY, TCP_KEEPIDLE/KEEPINTVL/KEEPCNT, TCP_INFO, TCP_DEFER_ACCEPT (no accept until
// data arrives), IP_TOS; and the address-in-use rules: a second bind, SO_REUSEADDR checked
// at listen, SO_REUSEPORT, and rebinding a port with a connection in TIME_WAIT.
#include "net_test.h"

#include <sys/time.h>

static void defaults(void) {
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("defaults: SO_REUSEADDR %d, SO_REUSEPORT %d, SO_KEEPALIVE %d, SO_ERROR %d, "
        "TCP_NODELAY %d, IP_TOS %d",
        int_option(fd, SOL_SOCKET, SO_REUSEADDR), int_option(fd, SOL_SOCKET, SO_REUSEPORT),
        int_option(fd, SOL_SOCKET, SO_KEEPALIVE), int_option(fd, SOL_SOCKET, SO_ERROR),
        int_option(fd, IPPROTO_TCP, TCP_NODELAY), int_option(fd, IPPROTO_IP, IP_TOS));
    say("keepalive defaults: TCP_KEEPIDLE %d, TCP_KEEPINTVL %d, TCP_KEEPCNT %d",
        int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE), int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL),
        int_option(fd, IPPROTO_TCP, TCP_KEEPCNT));
    struct linger lg = {.l_onoff = 7, .l_linger = 7};
    socklen_t len = sizeof lg;
    OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len));
    say("SO_LINGER default: {%d, %d}, length %u", lg.l_onoff, lg.l_linger, (unsigned)len);
    struct timeval tv = {9, 9};
    len = sizeof tv;
    OK(getsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
    say("SO_RCVTIMEO default: %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
    int rcvbuf = int_option(fd, SOL_SOCKET, SO_RCVBUF);
    int sndbuf = int_option(fd, SOL_SOCKET, SO_SNDBUF);
    say("SO_RCVBUF and SO_SNDBUF defaults positive: %d", rcvbuf > 0 && sndbuf > 0);
    close(fd);
    ok("default option values");
}

static void round_trips(void) {
    int fd = OK(socket(AF_INET, SOCK_STREAM, 0));
    // Boolean options read back as 1 whatever non-zero value was set.
    static const struct { int level, name; const char *text; } flags[] = {
        {SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR"},
        {SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT"},
        {SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE"},
        {IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY"},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        set_int_option(fd, flags[i].level, flags[i].name, 5);
        int on = int_option(fd, flags[i].level, flags[i].name);
        set_int_option(fd, flags[i].level, flags[i].name, 0);
        int off = int_option(fd, flags[i].level, flags[i].name);
        say("%s: set 5 reads %d, set 0 reads %d", flags[i].text, on, off);
    }
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE, 60);
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL, 5);
    set_int_option(fd, IPPROTO_TCP, TCP_KEEPCNT, 3);
    say("keepalive set: %d %d %d", int_option(fd, IPPROTO_TCP, TCP_KEEPIDLE),
        int_option(fd, IPPROTO_TCP, TCP_KEEPINTVL), int_option(fd, IPPROTO_TCP, TCP_KEEPCNT));
    int zero = 0;
    say("TCP_KEEPIDLE 0: %s", RESULT_OF(setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &zero, sizeof zero)));
    say("TCP_KEEPCNT 0: %s", RESULT_OF(setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &zero, sizeof zero)));
    set_int_option(fd, IPPROTO_IP, IP_TOS, 0x10);
    say("IP_TOS set 0x10 reads %#x", int_option(fd, IPPROTO_IP, IP_TOS));

    // Buffer sizes: Linux stores twice what is asked (room for its bookkeeping).
    set_int_option(fd, SOL_SOCKET, SO_RCVBUF, 32768);
    set_int_option(fd, SOL_SOCKET, SO_SNDBUF, 32768);
    int rcv = int_option(fd, SOL_SOCKET, SO_RCVBUF);
    int snd = int_option(fd, SOL_SOCKET, SO_SNDBUF);
    say("SO_RCVBUF set 32768 reads twice that: %d; SO_SNDBUF: %d", rcv == 65536, snd == 65536);
    set_int_option(fd, SOL_SOCKET, SO_RCVBUF, 1);
    set_int_option(fd, SOL_SOCKET, SO_SNDBUF, 1);
    rcv = int_option(fd, SOL_SOCKET, SO_RCVBUF);
    snd = int_option(fd, SOL_SOCKET, SO_SNDBUF);
    say("set 1: both read a floor of at least 1 KiB: %d", rcv >= 1024 && snd >= 1024);

    struct linger lg = {.l_onoff = 1, .l_linger = 5};
    OK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    memset(&lg, 0, sizeof lg);
    socklen_t len = sizeof lg;
    OK(getsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, &len));
    say("SO_LINGER set {1, 5} reads {%d, %d}", lg.l_onoff, lg.l_linger);

    say("SO_TYPE %d, SO_DOMAIN %d, SO_PROTOCOL %d", int_option(fd, SOL_SOCKET, SO_TYPE),
        int_option(fd, SOL_SOCKET, SO_DOMAIN), int_option(fd, SOL_SOCKET, SO_PROTOCOL));
    int one = 1;
    say("set SO_TYPE: %s", RESULT_OF(setsockopt(fd, SOL_SOCKET, SO_TYPE, &one, sizeof one)));
    say("set SO_ACCEPTCONN: %s", RESULT_OF(setsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &one, sizeof one)));
    close(fd);
    ok("set and read back");
}

static void timeouts(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
    OK(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    memset(&tv, 0, sizeof tv);
    socklen_t len = sizeof tv;
    OK(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, &len));
    say("SO_RCVTIMEO reads %ld.%06ld", (long)tv.tv_sec, (long)tv.tv_usec);
    char b[4];
    double start = now_seconds();
    say("recv with nothing to read: %s", RESULT_OF(recv(s, b, sizeof b, 0)));
    double waited = now_seconds() - start;
    CHECK(waited >= 0.15, "recv gave up after %.3f s, before its 0.2 s timeout", waited);
    // A timeout also ends accept.
    OK(setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    say("accept with nothing pending: %s", RESULT_OF(accept(listener, NULL, NULL)));
    struct timeval bad = {.tv_sec = 1, .tv_usec = 1000000};
    say("SO_RCVTIMEO with tv_usec 1000000: %s",
        RESULT_OF(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, sizeof bad)));
    say("SO_RCVTIMEO with a short length: %s",
        RESULT_OF(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &bad, 4)));

    // SO_SNDTIMEO: fill the connection (the peer does not read), then a blocking send
    // waits for the timeout and fails with EAGAIN having sent nothing.
    tv = (struct timeval){.tv_sec = 0, .tv_usec = 200000};
    OK(setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
    static char chunk[65536];
    for (int i = 0; i < 100000; i++)
        if (send(c, chunk, sizeof chunk, MSG_DONTWAIT) < 0)
            break;
    start = now_seconds();
    say("blocking send on a full connection: %s", RESULT_OF(send(c, chunk, sizeof chunk, 0)));
    waited = now_seconds() - start;
    CHECK(waited >= 0.15, "send gave up after %.3f s, before its 0.2 s timeout", waited);
    close(c);
    close(s);
    close(listener);
    ok("SO_RCVTIMEO and SO_SNDTIMEO: EAGAIN once the time is up");
}

static int tcp_state(int fd) {
    struct tcp_info info;
    socklen_t len = sizeof info;
    memset(&info, 0, sizeof info);
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) {
        FAIL("TCP_INFO: %s", errno_name(errno));
        return -1;
    }
    return info.tcpi_state;
}

static void info_and_defer(void) {
    int fresh = OK(socket(AF_INET, SOCK_STREAM, 0));
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    say("TCP_INFO state: fresh %d, listener %d, connected %d and %d", tcp_state(fresh),
        tcp_state(listener), tcp_state(c), tcp_state(s));
    // A short buffer gets the start of the structure.
    unsigned char first = 0xff;
    socklen_t len = 1;
    OK(getsockopt(c, IPPROTO_TCP, TCP_INFO, &first, &len));
    say("TCP_INFO into 1 byte: length %u, state %d", (unsigned)len, first);
    close(c);
    close(s);
    close(listener);
    close(fresh);
    ok("TCP_INFO");

    // TCP_DEFER_ACCEPT: the listener is not readable until the client sends data.
    listener = tcp_listener(8, &port);
    set_int_option(listener, IPPROTO_TCP, TCP_DEFER_ACCEPT, 5);
    say("TCP_DEFER_ACCEPT set 5 reads %d", int_option(listener, IPPROTO_TCP, TCP_DEFER_ACCEPT));
    c = tcp_connect(port);
    say("listener before the client sends: %s", poll_names(poll_one(listener, POLLIN, 0)));
    EQ(send(c, "GET", 3, 0), 3);
    say("after it sends: %s", poll_names(WAIT_FOR(listener, POLLIN)));
    s = OK(accept(listener, NULL, NULL));
    char b[4];
    EQ(recv(s, b, sizeof b, 0), 3);
    close(c);
    close(s);
    close(listener);
    ok("TCP_DEFER_ACCEPT");
}

static int bind_to(int fd, uint16_t port) {
    struct sockaddr_in a = loopback(port);
    return bind(fd, (struct sockaddr *)&a, sizeof a);
}

static void address_in_use(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int second = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("bind to a listening port: %s", RESULT_OF(bind_to(second, port)));
    set_int_option(second, SOL_SOCKET, SO_REUSEADDR, 1);
    say("with SO_REUSEADDR: %s", RESULT_OF(bind_to(second, port)));
    close(second);
    close(listener);

    // Two sockets with SO_REUSEADDR may bind the same port; only one may listen on it.
    int a = OK(socket(AF_INET, SOCK_STREAM, 0));
    int b = OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int_option(a, SOL_SOCKET, SO_REUSEADDR, 1);
    set_int_option(b, SOL_SOCKET, SO_REUSEADDR, 1);
    OK(bind_to(a, 0));
    port = local_port(a);
    say("second bind, both SO_REUSEADDR: %s", RESULT_OF(bind_to(b, port)));
    OK(listen(a, 8));
    say("second listen: %s", RESULT_OF(listen(b, 8)));
    close(a);
    close(b);

    // SO_REUSEPORT on both: both bind and both listen.
    a = OK(socket(AF_INET, SOCK_STREAM, 0));
    b = OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int_option(a, SOL_SOCKET, SO_REUSEPORT, 1);
    set_int_option(b, SOL_SOCKET, SO_REUSEPORT, 1);
    OK(bind_to(a, 0));
    port = local_port(a);
    OK(listen(a, 8));
    say("SO_REUSEPORT on both: bind %s", RESULT_OF(bind_to(b, port)));
    say("listen %s", RESULT_OF(listen(b, 8)));
    int c = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("a third without SO_REUSEPORT: %s", RESULT_OF(bind_to(c, port)));
    close(c);
    // Connections to the shared port reach one of the two listeners.
    int conn = tcp_connect(port);
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
    EQ(poll(p, 2, 20000), 1);
    int s = OK(accept(p[0].revents ? a : b, NULL, NULL));
    close(s);
    close(conn);
    close(a);
    close(b);
    ok("EADDRINUSE: a second bind, a second listen with SO_REUSEADDR, and SO_REUSEPORT");

    // A server that closed first leaves TIME_WAIT on its port: a restart binds it with
    // SO_REUSEADDR, and fails without.
    listener = OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int_option(listener, SOL_SOCKET, SO_REUSEADDR, 1);
    OK(bind_to(listener, 0));
    port = local_port(listener);
    OK(listen(listener, 8));
    int cl, sv;
    tcp_pair(listener, &cl, &sv);
    close(listener);
    close(sv);  // the server's active close
    WAIT_FOR(cl, POLLRDHUP);
    close(cl);
    sleep_ms(50);  // the client's FIN reaches the server's socket: TIME_WAIT
    int plain = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("rebind over TIME_WAIT without SO_REUSEADDR: %s", RESULT_OF(bind_to(plain, port)));
    close(plain);
    int reuse = OK(socket(AF_INET, SOCK_STREAM, 0));
    set_int_option(reuse, SOL_SOCKET, SO_REUSEADDR, 1);
    say("with SO_REUSEADDR: bind %s", RESULT_OF(bind_to(reuse, port)));
    say("listen %s", RESULT_OF(listen(reuse, 8)));
    c = tcp_connect(port);
    s = OK(accept(reuse, NULL, NULL));
    close(s);
    close(c);
    close(reuse);
    ok("a restarted server rebinds its port over TIME_WAIT with SO_REUSEADDR");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    defaults();
    round_trips();
    timeouts();
    info_and_defer();
    address_in_use();
    return 0;
}
