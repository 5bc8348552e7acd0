// Readiness of AF_UNIX sockets as poll and epoll see it while they wait: woken by data from
// another thread, by a connection on a listener, by room in a datagram queue, by a peer's
// shutdown and close; edge-triggered epoll reports each new event once; select agrees.
// Compared with the host's run.
#include "unix_util.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/select.h>

struct Later {
    int fd;
    int action;  // 0: send a byte, 1: shutdown(SHUT_WR), 2: close, 3: connect to `address`, 4: recv a byte
    struct sockaddr_un address;
    socklen_t length;
    int result;
};

static void *act_later(void *arg) {
    struct Later *l = arg;
    sleep_ms(100);
    char c = 'x';
    switch (l->action) {
        case 0: l->result = send(l->fd, &c, 1, 0); break;
        case 1: l->result = shutdown(l->fd, SHUT_WR); break;
        case 2: l->result = close(l->fd); break;
        case 3:
            l->fd = socket(AF_UNIX, SOCK_STREAM, 0);
            l->result = connect(l->fd, (struct sockaddr *)&l->address, l->length);
            break;
        case 4: l->result = recv(l->fd, &c, 1, 0); break;
    }
    return NULL;
}

static void later(pthread_t *t, struct Later *l) { pthread_create(t, NULL, act_later, l); }

static const char *names(unsigned events) {
    static char text[128];
    snprintf(text, sizeof text, "%s%s%s%s%s", events & EPOLLIN ? " IN" : "", events & EPOLLOUT ? " OUT" : "",
             events & EPOLLRDHUP ? " RDHUP" : "", events & EPOLLHUP ? " HUP" : "", events & EPOLLERR ? " ERR" : "");
    return events ? text : " none";
}

// One epoll_wait with a generous timeout: what woke it.
static void wait_once(const char *label, int ep) {
    struct epoll_event e = {0};
    int n = epoll_wait(ep, &e, 1, 5000);
    printf("%s: %d%s\n", label, n, n > 0 ? names(e.events) : "");
}

static void streams(void) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    // poll woken by data.
    pthread_t t;
    struct Later l = {.fd = sv[0], .action = 0};
    later(&t, &l);
    struct pollfd p = {sv[1], POLLIN, 0};
    int n = poll(&p, 1, 5000);
    pthread_join(t, NULL);
    printf("poll woken by data: %d%s\n", n, names(p.revents));
    // select agrees.
    fd_set r, w;
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_SET(sv[1], &r);
    FD_SET(sv[1], &w);
    struct timeval tv = {0, 0};
    n = select(sv[1] + 1, &r, &w, NULL, &tv);
    printf("select: %d readable %d writable %d\n", n, FD_ISSET(sv[1], &r) != 0, FD_ISSET(sv[1], &w) != 0);
    char buf[64];
    recv(sv[1], buf, sizeof buf, 0);

    // Edge-triggered epoll: one report per new event.
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = sv[1]};
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &e);
    struct epoll_event got;
    printf("nothing yet: %d\n", epoll_wait(ep, &got, 1, 0));
    later(&t, &l);
    wait_once("ET woken by data", ep);
    pthread_join(t, NULL);
    printf("ET again without new data: %d\n", epoll_wait(ep, &got, 1, 0));
    send(sv[0], "y", 1, 0);
    printf("ET after more data: %d\n", epoll_wait(ep, &got, 1, 0));
    recv(sv[1], buf, sizeof buf, 0);
    struct Later shut = {.fd = sv[0], .action = 1};
    later(&t, &shut);
    wait_once("ET woken by peer SHUT_WR", ep);
    pthread_join(t, NULL);
    struct Later closing = {.fd = sv[0], .action = 2};
    later(&t, &closing);
    wait_once("ET woken by peer close", ep);
    pthread_join(t, NULL);
    close(ep);
    close(sv[1]);

    // A writer waiting for room is woken when the reader drains.
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    set_nonblocking(sv[0]);
    static char block[4096];
    while (send(sv[0], block, sizeof block, 0) > 0) {}
    ep = epoll_create1(0);
    e.events = EPOLLOUT | EPOLLET;
    e.data.fd = sv[0];
    epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &e);
    printf("full writer: %d\n", epoll_wait(ep, &got, 1, 0));
    set_nonblocking(sv[1]);
    size_t drained = 0;
    ssize_t m;
    while ((m = recv(sv[1], buf, sizeof buf, 0)) > 0) drained += m;
    wait_once("writer woken by drain", ep);
    close(ep);
    close(sv[0]);
    close(sv[1]);
}

static void listeners(void) {
    struct sockaddr_un a;
    socklen_t alen = abstract_address(&a, "poll");
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 4);
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = l};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &e);
    struct epoll_event got;
    printf("idle listener: %d\n", epoll_wait(ep, &got, 1, 0));
    pthread_t t;
    struct Later c = {.action = 3, .address = a, .length = alen};
    later(&t, &c);
    wait_once("listener woken by connect", ep);
    pthread_join(t, NULL);
    int s = accept(l, NULL, NULL);
    printf("accepted: %s\n", res(s));
    close(s);
    close(c.fd);
    close(ep);
    close(l);
}

static void datagrams(void) {
    struct sockaddr_un a;
    socklen_t alen = abstract_address(&a, "poll-dgram");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(r, (struct sockaddr *)&a, alen);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    connect(s, (struct sockaddr *)&a, alen);
    while (send(s, "d", 1, 0) == 1) {}
    int ep = epoll_create1(0);
    struct epoll_event e = {.events = EPOLLOUT | EPOLLET, .data.fd = s};
    epoll_ctl(ep, EPOLL_CTL_ADD, s, &e);
    struct epoll_event got;
    printf("sender to a full queue: %d\n", epoll_wait(ep, &got, 1, 0));
    pthread_t t;
    struct Later l = {.fd = r, .action = 4};
    later(&t, &l);
    wait_once("sender woken by a read", ep);
    pthread_join(t, NULL);
    // poll on a blocked-then-freed sender too.
    send(s, "d", 1, 0);
    struct pollfd p = {s, POLLOUT, 0};
    printf("poll full again: %d\n", poll(&p, 1, 0));
    later(&t, &l);
    int n = poll(&p, 1, 5000);
    pthread_join(t, NULL);
    printf("poll woken by a read: %d%s\n", n, names(p.revents));
    // The receiver closes: the sender becomes writable (and learns at its next send).
    while (send(s, "d", 1, 0) == 1) {}
    struct Later closing = {.fd = r, .action = 2};
    later(&t, &closing);
    n = poll(&p, 1, 5000);
    pthread_join(t, NULL);
    printf("poll woken by the receiver's close: %d%s\n", n, names(p.revents));
    printf("send: %s\n", res(send(s, "d", 1, 0)));
    close(ep);
    close(s);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    streams();
    listeners();
    datagrams();
    printf("done\n");
    return 0;
}
