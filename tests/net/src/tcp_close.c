// How TCP connections end over 127.0.0.1: shutdown(SHUT_WR) half-close (the peer reads end
// of file, can still send back, sees POLLRDHUP/EPOLLRDHUP), shutdown(SHUT_RD) and its
// errors, a peer that closed (a send draws an RST: ECONNRESET, then EPIPE), SIGPIPE with
// and without MSG_NOSIGNAL, close with unread data (an RST: the peer gets ECONNRESET),
// SO_LINGER {1, 0} (an RST at once), TCP_INFO states along the way, and blocking calls
// interrupted by a signal (EINTR without SA_RESTART, restarted with it).
#include "net_test.h"

#include <sys/ioctl.h>

// Waits (bounded) until `fd` reports POLLERR or POLLHUP: a reset the peer sent has arrived.
static int wait_reset(int fd) {
    for (int i = 0; i < 2000; i++) {
        int revents = poll_one(fd, POLLIN | POLLOUT | POLLRDHUP, 10);
        if (revents & (POLLERR | POLLHUP))
            return revents;
    }
    FAIL("no reset arrived");
    return 0;
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

static const char *state_name(int state) {
    static const char *names[] = {"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
                                  "FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
                                  "LISTEN", "CLOSING"};
    return state >= 0 && state < 12 ? names[state] : "unknown";
}

// Waits (bounded) until `fd`'s TCP state is `want`; returns the last state seen.
static int wait_state(int fd, int want) {
    int state = -1;
    for (int i = 0; i < 2000; i++) {
        state = tcp_state(fd);
        if (state == want)
            break;
        sleep_ms(10);
    }
    return state;
}

static void half_close(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    say("states: client %s, server %s, listener %s", state_name(tcp_state(c)),
        state_name(tcp_state(s)), state_name(tcp_state(listener)));
    EQ(send(c, "last words", 10, 0), 10);
    OK(shutdown(c, SHUT_WR));
    // The server reads the data, then end of file, and still may write.
    int revents = WAIT_FOR(s, POLLRDHUP);
    say("server poll after the client's SHUT_WR: %s",
        poll_names(poll_one(s, POLLIN | POLLOUT | POLLRDHUP, 0)));
    (void)revents;
    int ep = OK(epoll_create1(0));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.fd = s};
    OK(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
    struct epoll_event out;
    EQ(epoll_wait(ep, &out, 1, 1000), 1);
    say("server epoll: %s", epoll_names(out.events));
    char buf[32];
    EQ(recv(s, buf, sizeof buf, 0), 10);
    EQ(recv(s, buf, sizeof buf, 0), 0);
    EQ(recv(s, buf, sizeof buf, 0), 0);
    say("server state: %s", state_name(wait_state(s, TCP_CLOSE_WAIT)));
    say("client state: %s", state_name(wait_state(c, TCP_FIN_WAIT2)));
    say("client send after SHUT_WR: %s", RESULT_OF(send(c, "x", 1, MSG_NOSIGNAL)));
    say("client poll: %s", poll_names(poll_one(c, POLLIN | POLLOUT | POLLRDHUP, 0)));
    EQ(send(s, "reply", 5, 0), 5);
    WAIT_FOR(c, POLLIN);
    EQ(recv(c, buf, sizeof buf, 0), 5);
    EQ(memcmp(buf, "reply", 5), 0);
    OK(shutdown(s, SHUT_WR));
    WAIT_FOR(c, POLLRDHUP);
    EQ(recv(c, buf, sizeof buf, 0), 0);
    say("client poll after both shut down: %s",
        poll_names(poll_one(c, POLLIN | POLLOUT | POLLRDHUP, 0)));
    // The active closer's socket leaves TIME_WAIT to a mini-socket: TCP_INFO says CLOSE.
    say("client state: %s", state_name(wait_state(c, TCP_CLOSE)));
    say("server state: %s", state_name(wait_state(s, TCP_CLOSE)));
    close(ep);
    close(c);
    close(s);
    close(listener);
    ok("SHUT_WR half-close: the peer reads the data, then EOF with RDHUP, and still sends back");

    tcp_pair(listener = tcp_listener(8, &port), &c, &s);
    OK(shutdown(s, SHUT_RD));
    EQ(recv(s, buf, sizeof buf, MSG_DONTWAIT), 0);
    say("poll after SHUT_RD: %s", poll_names(poll_one(s, POLLIN | POLLOUT | POLLRDHUP, 0)));
    EQ(send(s, "still", 5, 0), 5);
    WAIT_FOR(c, POLLIN);
    EQ(recv(c, buf, sizeof buf, 0), 5);
    say("shutdown(3): %s", RESULT_OF(shutdown(s, 3)));
    OK(shutdown(s, SHUT_RDWR));
    say("shutdown twice: %s", RESULT_OF(shutdown(s, SHUT_RDWR)));
    int fresh = OK(socket(AF_INET, SOCK_STREAM, 0));
    say("shutdown of an unconnected socket: %s", RESULT_OF(shutdown(fresh, SHUT_WR)));
    say("shutdown of a listener: %s", RESULT_OF(shutdown(listener, SHUT_RDWR)));
    close(fresh);
    close(c);
    close(s);
    close(listener);
    ok("SHUT_RD reads EOF and still sends; shutdown errors");
}

static volatile sig_atomic_t g_sigpipes;
static void on_sigpipe(int sig) {
    (void)sig;
    g_sigpipes++;
}

static void peer_closed(void) {
    struct sigaction sa = {.sa_handler = on_sigpipe};
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGPIPE, &sa, NULL));
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    OK(close(s));
    WAIT_FOR(c, POLLRDHUP);
    say("poll after the peer closed: %s", poll_names(poll_one(c, POLLIN | POLLOUT | POLLRDHUP, 0)));
    say("client state: %s", state_name(wait_state(c, TCP_CLOSE_WAIT)));
    // The first send is accepted; the closed peer answers it with an RST.
    EQ(send(c, "a", 1, MSG_NOSIGNAL), 1);
    int revents = wait_reset(c);
    say("poll after the RST: %s", poll_names(revents));
    say("state: %s", state_name(tcp_state(c)));
    say("send after the RST: %s", RESULT_OF(send(c, "b", 1, MSG_NOSIGNAL)));
    say("send again: %s", RESULT_OF(send(c, "b", 1, MSG_NOSIGNAL)));
    EQ(g_sigpipes, 0);
    say("send without MSG_NOSIGNAL: %s", RESULT_OF(send(c, "b", 1, 0)));
    say("SIGPIPEs: %d", (int)g_sigpipes);
    say("write: %s", RESULT_OF(write(c, "b", 1)));
    say("SIGPIPEs: %d", (int)g_sigpipes);
    char buf[4];
    say("recv: %s", RESULT_OF(recv(c, buf, sizeof buf, 0)));
    close(c);
    close(listener);
    ok("a closed peer: the first send draws an RST, then EPIPE and SIGPIPE unless MSG_NOSIGNAL");
    signal(SIGPIPE, SIG_IGN);
}

static void reset_by_unread_data(void) {
    uint16_t port;
    int listener = tcp_listener(8, &port);
    int c, s;
    tcp_pair(listener, &c, &s);
    EQ(send(c, "never read", 10, 0), 10);
    int n = 0;
    for (int i = 0; i < 2000 && n < 10; i++) {
        ioctl(s, SIOCINQ, &n);
        if (n < 10)
            sleep_ms(10);
    }
    EQ(n, 10);
    OK(close(s));  // with 10 bytes unread: RST instead of FIN
    int revents = wait_reset(c);
    say("after close with unread data, the peer polls: %s", poll_names(revents));
    char buf[4];
    say("its recv: %s", RESULT_OF(recv(c, buf, sizeof buf, 0)));
    say("then recv: %s", RESULT_OF(recv(c, buf, sizeof buf, 0)));
    say("SO_ERROR then: %s", errno_name(int_option(c, SOL_SOCKET, SO_ERROR)));
    close(c);
    ok("close with unread data resets the connection: ECONNRESET at the peer");

    // SO_LINGER {1, 0}: close sends an RST at once, even with nothing unread.
    tcp_pair(listener, &c, &s);
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    OK(setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    struct linger back;
    socklen_t len = sizeof back;
    OK(getsockopt(s, SOL_SOCKET, SO_LINGER, &back, &len));
    EQ(len, sizeof back);
    EQ(back.l_onoff, 1);
    EQ(back.l_linger, 0);
    EQ(send(s, "sent", 4, 0), 4);
    WAIT_FOR(c, POLLIN);
    OK(close(s));
    revents = wait_reset(c);
    say("after SO_LINGER 0 close, the peer polls: %s", poll_names(revents));
    say("its recv: %s", RESULT_OF(recv(c, buf, sizeof buf, 0)));
    say("then: %s", RESULT_OF(recv(c, buf, sizeof buf, 0)));
    close(c);
    close(listener);
    ok("SO_LINGER {1, 0}: close resets the connection");
}

// Blocking calls and signals: without SA_RESTART the call fails with EINTR; with it, the
// call goes on. The signal is sent repeatedly until the call has returned, so it is sure
// to arrive while the thread waits (earlier ones only run the handler).
static volatile sig_atomic_t g_usr1;
static void on_usr1(int sig) {
    (void)sig;
    g_usr1++;
}

struct blocked_call {
    int fd;
    int kind;  // 0: accept, 1: recv
    long result;
    int error;
    volatile int done;
};

static void *make_blocked_call(void *arg) {
    struct blocked_call *b = arg;
    char c;
    errno = 0;
    b->result = b->kind == 0 ? accept(b->fd, NULL, NULL) : recv(b->fd, &c, 1, 0);
    b->error = errno;
    __atomic_store_n(&b->done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void interrupt(struct blocked_call *b, int times) {
    pthread_t t = start_thread(make_blocked_call, b);
    for (int i = 0; i < times && !__atomic_load_n(&b->done, __ATOMIC_ACQUIRE); i++) {
        sleep_ms(20);
        pthread_kill(t, SIGUSR1);
    }
    pthread_join(t, NULL);
}

static void interrupted(void) {
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = 0};
    sigemptyset(&sa.sa_mask);
    OK(sigaction(SIGUSR1, &sa, NULL));
    uint16_t port;
    int listener = tcp_listener(8, &port);
    struct blocked_call b = {.fd = listener, .kind = 0};
    interrupt(&b, 1000);
    say("accept interrupted without SA_RESTART: %s", result_text(b.result, b.error));
    int c, s;
    tcp_pair(listener, &c, &s);
    b = (struct blocked_call){.fd = s, .kind = 1};
    interrupt(&b, 1000);
    say("recv interrupted without SA_RESTART: %s", result_text(b.result, b.error));

    // With SA_RESTART the calls go on after the handler and return what arrives.
    sa.sa_flags = SA_RESTART;
    OK(sigaction(SIGUSR1, &sa, NULL));
    b = (struct blocked_call){.fd = s, .kind = 1};
    pthread_t t = start_thread(make_blocked_call, &b);
    for (int i = 0; i < 10; i++) {
        sleep_ms(20);
        pthread_kill(t, SIGUSR1);
    }
    EQ(send(c, "z", 1, 0), 1);
    pthread_join(t, NULL);
    say("recv with SA_RESTART: %s", result_text(b.result, b.error));
    int before = g_usr1;
    CHECK(before >= 10, "handler ran %d times", before);
    close(c);
    close(s);
    close(listener);
    ok("blocking accept and recv: EINTR without SA_RESTART, restarted with it");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    half_close();
    peer_closed();
    reset_by_unread_data();
    interrupted();
    return 0;
}
