// Readiness of TCP sockets over 127.0.0.1 through poll, select and epoll: a fresh socket,
// a listener with and without a pending connection, a connected pair before and after
// data, a full send buffer (no POLLOUT until the peer reads), level- and edge-triggered
// epoll (EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLHUP, EPOLLERR), EPOLLONESHOT re-armed with
// EPOLL_CTL_MOD, EPOLLEXCLUSIVE accepted on ADD and refused on MOD, an edge-triggered
// listener, and a blocked epoll_wait woken by another thread's send.
#include "net_test.h"

#include <sys/select.h>

static const char *poll_now(int fd) {
    return poll_names(poll_one(fd, POLLIN | POLLOUT | POLLRDHUP | POLLPRI, 0));
}

static const char *select_now(int fd) {
    fd_set r, w, e;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    FD_SET(fd, &r);
    FD_SET(fd, &w);
    FD_SET(fd, &e);
    struct timeval tv = {0, 0};
    int n = select(fd + 1, &r, &w, &e, &tv);
    static char buf[4][32];
    static int next;
    char *out = buf[next++ % 4];
    snprintf(out, sizeof buf[0], "%d%s%s%s", n, FD_ISSET(fd, &r) ? " read" : "",
             FD_ISSET(fd, &w) ? " write" : "", FD_ISSET(fd, &e) ? " except" : "");
    return out;
}

// One epoll_wait with timeout 0 on `ep`; the events of the one fd ready, or "none".
static const char *epoll_now(int ep) {
    struct epoll_event ev;
    int n = epoll_wait(ep, &ev, 1, 0);
    if (n < 0) {
        FAIL("epoll_wait: %s", errno_name(errno));
        return "error";
    }
    return n ? epoll_names(ev.events) : "none";
}

static int epoll_for(int fd, uint32_t events) {
    int ep = OK(epoll_create1(EPOLL_CLOEXEC));
    struct epoll_event ev = {.events = events, .data.fd = fd};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
    return ep;
}

static void states(void) {
    int fresh = OK(socket(AF_INET, SOCK_STREAM, 0));
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(fresh);
        const char *e1 = select_now(fresh);
        say("fresh socket: poll %s, select %s", e0, e1);
    }
    uint16_t port;
    int listener = tcp_listener(8, &port);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(listener);
        const char *e1 = select_now(listener);
        say("idle listener: poll %s, select %s", e0, e1);
    }
    int c = tcp_connect(port);
    WAIT_FOR(listener, POLLIN);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(listener);
        const char *e1 = select_now(listener);
        say("listener with a pending connection: poll %s, select %s", e0, e1);
    }
    int s = OK(accept(listener, NULL, NULL));
    say("listener after accept: poll %s", poll_now(listener));
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(c);
        const char *e1 = select_now(c);
        say("connected, no data: poll %s, select %s", e0, e1);
    }
    EQ(send(c, "d", 1, 0), 1);
    WAIT_FOR(s, POLLIN);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(s);
        const char *e1 = select_now(s);
        say("with data: poll %s, select %s", e0, e1);
    }
    char b;
    EQ(recv(s, &b, 1, 0), 1);
    say("drained: poll %s", poll_now(s));
    // Only the events asked for come back, except ERR and HUP, which always do.
    struct pollfd p = {.fd = s, .events = 0};
    EQ(poll(&p, 1, 0), 0);
    close(c);
    WAIT_FOR(s, POLLRDHUP);
    p.events = 0;
    poll(&p, 1, 0);
    say("peer closed, events 0 asked: %s", poll_names(p.revents));
    close(s);
    close(fresh);
    close(listener);
    ok("poll and select on fresh, listening and connected sockets");
}

static void full_buffer(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    int ep_level = epoll_for(c, EPOLLOUT);
    int ep_edge = epoll_for(c, EPOLLOUT | EPOLLET);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(ep_level);
        const char *e1 = epoll_now(ep_edge);
        const char *e2 = epoll_now(ep_edge);
        say("writable: level %s, edge %s, edge again %s", e0, e1, e2);
    }
    // Fill until the kernel says EAGAIN (the peer does not read).
    set_nonblocking(c, 1);
    static char chunk[65536];
    memset(chunk, 'f', sizeof chunk);
    long total = 0;
    int rounds = 0;
    for (;;) {
        ssize_t n = send(c, chunk, sizeof chunk, 0);
        if (n < 0) {
            if (errno != EAGAIN)
                FAIL("send: %s", errno_name(errno));
            break;
        }
        total += n;
        if (++rounds > 100000) {
            FAIL("send never filled the buffer");
            break;
        }
    }
    CHECK(total > 0, "nothing sent before EAGAIN");
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(c);
        const char *e1 = epoll_now(ep_level);
        const char *e2 = epoll_now(ep_edge);
        say("full: poll %s, level %s, edge %s", e0, e1, e2);
    }
    // The peer reads it all; the sender becomes writable again, and the edge fires once.
    set_nonblocking(s, 1);
    long received = 0;
    while (received < total) {
        ssize_t n = recv(s, chunk, sizeof chunk, 0);
        if (n > 0) {
            received += n;
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            WAIT_FOR(s, POLLIN);
            continue;
        }
        FAIL("recv: %zd %s", n, errno_name(errno));
        break;
    }
    EQ(received, total);
    WAIT_FOR(c, POLLOUT);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = poll_now(c);
        const char *e1 = epoll_now(ep_level);
        const char *e2 = epoll_now(ep_edge);
        const char *e3 = epoll_now(ep_edge);
        say("drained by the peer: poll %s, level %s, edge %s, edge again %s", e0, e1, e2, e3);
    }
    close(ep_level);
    close(ep_edge);
    close(c);
    close(s);
    close(listener);
    ok("a full send buffer: no POLLOUT until the peer reads, then EPOLLOUT (once when edge-triggered)");
}

static void epoll_modes(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    int level = epoll_for(s, EPOLLIN | EPOLLRDHUP);
    int edge = epoll_for(s, EPOLLIN | EPOLLRDHUP | EPOLLET);
    int oneshot = epoll_for(s, EPOLLIN | EPOLLONESHOT);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(level);
        const char *e1 = epoll_now(edge);
        const char *e2 = epoll_now(oneshot);
        say("no data: level %s, edge %s, oneshot %s", e0, e1, e2);
    }
    EQ(send(c, "ab", 2, 0), 2);
    WAIT_FOR(s, POLLIN);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(level);
        const char *e1 = epoll_now(level);
        const char *e2 = epoll_now(edge);
        const char *e3 = epoll_now(edge);
        const char *e4 = epoll_now(oneshot);
        const char *e5 = epoll_now(oneshot);
        say("data: level %s %s, edge %s %s, oneshot %s %s", e0, e1, e2, e3, e4, e5);
    }
    char b[8];
    EQ(recv(s, b, 1, 0), 1);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(level);
        const char *e1 = epoll_now(edge);
        say("one byte of two read: level %s, edge %s", e0, e1);
    }
    EQ(send(c, "c", 1, 0), 1);
    WAIT_FOR(s, POLLIN);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(edge);
        const char *e1 = epoll_now(edge);
        const char *e2 = epoll_now(oneshot);
        say("more data: edge %s %s, oneshot still %s", e0, e1, e2);
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLONESHOT, .data.fd = s};
    OK(epoll_ctl(oneshot, EPOLL_CTL_MOD, s, &ev));
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(oneshot);
        const char *e1 = epoll_now(oneshot);
        say("oneshot re-armed: %s %s", e0, e1);
    }
    EQ(recv(s, b, sizeof b, 0), 2);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(level);
        const char *e1 = epoll_now(edge);
        say("drained: level %s, edge %s", e0, e1);
    }
    OK(shutdown(c, SHUT_WR));
    WAIT_FOR(s, POLLRDHUP);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(level);
        const char *e1 = epoll_now(edge);
        const char *e2 = epoll_now(edge);
        say("peer SHUT_WR: level %s, edge %s %s", e0, e1, e2);
    }
    close(c);
    close(level);
    close(edge);
    close(oneshot);
    close(s);
    ok("epoll level-triggered, edge-triggered and oneshot on a TCP socket");

    // An RST: EPOLLERR and EPOLLHUP come without being asked for.
    tcp_pair(listener, &c, &s);
    int errors = epoll_for(c, EPOLLIN);
    EQ(send(c, "unread", 6, 0), 6);
    WAIT_FOR(s, POLLIN);
    close(s);
    for (int i = 0; i < 2000 && !(poll_one(c, POLLIN, 0) & POLLERR); i++)
        sleep_ms(10);
    say("after an RST, EPOLLIN asked: %s", epoll_now(errors));
    close(errors);
    close(c);
    ok("EPOLLERR and EPOLLHUP after a reset");

    // EPOLLEXCLUSIVE: accepted with ADD, refused with MOD, and the listener still wakes.
    int ex = OK(epoll_create1(0));
    ev = (struct epoll_event){.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = listener};
    OK(epoll_ctl(ex, EPOLL_CTL_ADD, listener, &ev));
    say("EPOLL_CTL_MOD with EPOLLEXCLUSIVE: %s", RESULT_OF(epoll_ctl(ex, EPOLL_CTL_MOD, listener, &ev)));
    ev.events = EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT;
    int other = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("EPOLLEXCLUSIVE with EPOLLONESHOT: %s", RESULT_OF(epoll_ctl(ex, EPOLL_CTL_ADD, other, &ev)));
    close(other);
    c = tcp_connect(port);
    struct epoll_event out;
    EQ(epoll_wait(ex, &out, 1, 20000), 1);
    say("exclusive listener: %s", epoll_names(out.events));
    s = OK(accept(listener, NULL, NULL));
    close(s);
    close(c);
    close(ex);
    ok("EPOLLEXCLUSIVE");

    // An edge-triggered listener fires per new connection, not per epoll_wait.
    int el = epoll_for(listener, EPOLLIN | EPOLLET);
    int c1 = tcp_connect(port);
    WAIT_FOR(listener, POLLIN);
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(el);
        const char *e1 = epoll_now(el);
        say("edge listener, one pending: %s %s", e0, e1);
    }
    int c2 = tcp_connect(port);
    for (int i = 0; i < 200; i++)
        sleep_ms(1);  // the second handshake is the kernel's; give it a moment
    {  // evaluated in order: each call changes what the next sees
        const char *e0 = epoll_now(el);
        const char *e1 = epoll_now(el);
        say("second pending: %s %s", e0, e1);
    }
    set_nonblocking(listener, 1);
    int accepted = 0;
    for (int i = 0; i < 2000 && accepted < 2; i++) {
        int fd = accept(listener, NULL, NULL);
        if (fd >= 0) {
            accepted++;
            close(fd);
        } else {
            sleep_ms(10);
        }
    }
    EQ(accepted, 2);
    say("both accepted: %s", epoll_now(el));
    close(c1);
    close(c2);
    close(el);
    close(listener);
    ok("edge-triggered listener: one event per new connection");
}

struct late_sender {
    int fd;
};
static void *send_later(void *arg) {
    struct late_sender *l = arg;
    sleep_ms(100);
    if (send(l->fd, "wake", 4, 0) != 4)
        FAIL("send: %s", errno_name(errno));
    return NULL;
}

static void wakeups(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    int ep = epoll_for(s, EPOLLIN);
    struct late_sender l = {c};
    pthread_t t = start_thread(send_later, &l);
    struct epoll_event out;
    EQ(epoll_wait(ep, &out, 1, 20000), 1);
    say("epoll_wait woken by another thread's send: %s", epoll_names(out.events));
    pthread_join(t, NULL);
    char b[8];
    EQ(recv(s, b, sizeof b, 0), 4);
    t = start_thread(send_later, &l);
    struct pollfd p = {.fd = s, .events = POLLIN};
    EQ(poll(&p, 1, 20000), 1);
    say("poll woken: %s", poll_names(p.revents));
    pthread_join(t, NULL);
    EQ(recv(s, b, sizeof b, 0), 4);
    t = start_thread(send_later, &l);
    fd_set r;
    FD_ZERO(&r);
    FD_SET(s, &r);
    struct timeval tv = {20, 0};
    EQ(select(s + 1, &r, NULL, NULL, &tv), 1);
    EQ(FD_ISSET(s, &r) != 0, 1);
    pthread_join(t, NULL);
    EQ(recv(s, b, sizeof b, 0), 4);
    // A blocked accept woken by a connection from another thread.
    close(ep);
    close(c);
    close(s);
    close(listener);
    ok("epoll_wait, poll and select woken by data from another thread");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    states();
    full_buffer();
    epoll_modes();
    wakeups();
    return 0;
}
