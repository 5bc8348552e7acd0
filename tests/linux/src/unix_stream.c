// AF_UNIX stream sockets: socket() errors, names (paths, abstract, autobind, the 108-byte
// path without a NUL, unnamed), bind/listen/connect/accept with their errors and the
// backlog, blocking and interrupted calls, data with MSG_PEEK/MSG_WAITALL/MSG_DONTWAIT, the
// send buffer bound, shutdown and close as the peer sees them (EOF, EPIPE, SIGPIPE,
// ECONNRESET, poll bits), FIONREAD/SIOCOUTQ, SO_PEERCRED, /proc/net/unix. Compared with the
// host's run.
#include "unix_util.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

static volatile int g_signals;
static void on_signal(int sig) {
    (void)sig;
    g_signals++;
}

static void handle(int sig, int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

static void creation(void) {
    errno = 0;
    printf("protocol 2: %s\n", res(socket(AF_UNIX, SOCK_STREAM, 2)));
    printf("protocol PF_UNIX: %s\n", res(socket(AF_UNIX, SOCK_STREAM, PF_UNIX)));
    printf("type 7: %s\n", res(socket(AF_UNIX, 7, 0)));
    printf("type SOCK_RDM: %s\n", res(socket(AF_UNIX, SOCK_RDM, 0)));
    int raw = socket(AF_UNIX, SOCK_RAW, 0);
    int type = -1;
    socklen_t len = sizeof type;
    getsockopt(raw, SOL_SOCKET, SO_TYPE, &type, &len);
    printf("SOCK_RAW: %s, SO_TYPE %d\n", res(raw), type);
    close(raw);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    printf("flags: nonblock %d cloexec %d\n", (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
    int domain = 0, protocol = -1, acceptconn = -1;
    len = sizeof domain;
    getsockopt(s, SOL_SOCKET, SO_DOMAIN, &domain, &len);
    getsockopt(s, SOL_SOCKET, SO_PROTOCOL, &protocol, &len);
    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &len);
    printf("SO_DOMAIN %d SO_PROTOCOL %d SO_ACCEPTCONN %d\n", domain, protocol, acceptconn);
    struct sockaddr_storage ss;
    len = sizeof ss;
    getsockname(s, (struct sockaddr *)&ss, &len);
    printf("unbound name: len %u family %d\n", len, ss.ss_family);
    len = sizeof ss;
    printf("unconnected getpeername: %s\n", res(getpeername(s, (struct sockaddr *)&ss, &len)));
    char byte = 'x';
    printf("unconnected send: %s\n", res(send(s, &byte, 1, MSG_NOSIGNAL)));
    printf("unconnected recv: %s\n", res(recv(s, &byte, 1, 0)));
    printf("unconnected shutdown: %s\n", res(shutdown(s, SHUT_RDWR)));
    print_events("unconnected poll", s);
    close(s);
}

static void names(void) {
    mode_t old = umask(022);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a, got;
    socklen_t alen = path_address(&a, "bind");
    unlink(a.sun_path);
    printf("bind addrlen 1: %s\n", res(bind(s, (struct sockaddr *)&a, 1)));
    a.sun_family = AF_INET;
    printf("bind AF_INET: %s\n", res(bind(s, (struct sockaddr *)&a, alen)));
    a.sun_family = AF_UNIX;
    printf("bind addrlen 111: %s\n", res(bind(s, (struct sockaddr *)&a, 111)));
    printf("bind path: %s\n", res(bind(s, (struct sockaddr *)&a, alen)));
    socklen_t len = sizeof got;
    getsockname(s, (struct sockaddr *)&got, &len);
    printf("name: len matches %d, path matches %d\n", len == alen, strcmp(got.sun_path, a.sun_path) == 0);
    // The caller's length covers the whole structure: the name is as long as the path.
    int s2 = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un b;
    socklen_t blen = path_address(&b, "bind2");
    unlink(b.sun_path);
    printf("bind with sizeof(sockaddr_un): %s\n", res(bind(s2, (struct sockaddr *)&b, sizeof b)));
    len = sizeof got;
    getsockname(s2, (struct sockaddr *)&got, &len);
    printf("name: len matches the path %d\n", len == blen);
    struct stat st;
    int stat_result = stat(a.sun_path, &st);
    printf("stat: %s, socket %d, mode %o\n", res(stat_result), S_ISSOCK(st.st_mode), st.st_mode & 07777);
    printf("open socket path: %s\n", res(open(a.sun_path, O_RDWR)));
    printf("bind again: %s\n", res(bind(s, (struct sockaddr *)&b, blen)));
    int s3 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind existing path: %s\n", res(bind(s3, (struct sockaddr *)&a, alen)));
    struct sockaddr_un missing;
    socklen_t mlen = path_address(&missing, "no/such/dir");
    printf("bind in missing directory: %s\n", res(bind(s3, (struct sockaddr *)&missing, mlen)));
    close(s);
    printf("path stays after close: %s\n", res(stat(a.sun_path, &st)));
    printf("connect after close: %s\n", res(connect(s3, (struct sockaddr *)&a, alen)));
    unlink(a.sun_path);
    unlink(b.sun_path);
    close(s2);
    close(s3);
    umask(old);

    // A relative path is the working directory's; connect follows symlinks; the name
    // stays the socket's after unlink, but the path no longer leads to it.
    char dir[64];
    snprintf(dir, sizeof dir, "/tmp/osprey-unix-%d-dir", (int)getpid());
    mkdir(dir, 0755);
    chdir(dir);
    struct sockaddr_un rel = {.sun_family = AF_UNIX};
    strcpy(rel.sun_path, "rel.sock");
    int r = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind relative: %s\n", res(bind(r, (struct sockaddr *)&rel, sizeof rel)));
    listen(r, 1);
    len = sizeof got;
    getsockname(r, (struct sockaddr *)&got, &len);
    printf("relative name: %s len %u\n", got.sun_path, len);
    symlink("rel.sock", "link.sock");
    struct sockaddr_un link_name = {.sun_family = AF_UNIX};
    strcpy(link_name.sun_path, "link.sock");
    int rc = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect through a symlink: %s\n", res(connect(rc, (struct sockaddr *)&link_name, sizeof link_name)));
    close(rc);
    unlink("rel.sock");
    len = sizeof got;
    getsockname(r, (struct sockaddr *)&got, &len);
    printf("name after unlink: %s\n", got.sun_path);
    rc = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect after unlink: %s\n", res(connect(rc, (struct sockaddr *)&rel, sizeof rel)));
    int r2 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind the path again: %s\n", res(bind(r2, (struct sockaddr *)&rel, sizeof rel)));
    listen(r2, 1);
    printf("connect to the new socket: %s\n", res(connect(rc, (struct sockaddr *)&rel, sizeof rel)));
    struct sockaddr_un slash = {.sun_family = AF_UNIX};
    strcpy(slash.sun_path, "missing/");
    int r3 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind with a trailing slash: %s\n", res(bind(r3, (struct sockaddr *)&slash, sizeof slash)));
    strcpy(slash.sun_path, "link.sock/");
    printf("bind existing with a trailing slash: %s\n", res(bind(r3, (struct sockaddr *)&slash, sizeof slash)));
    close(r);
    close(r2);
    close(r3);
    close(rc);
    unlink("rel.sock");
    unlink("link.sock");
    chdir("/");
    rmdir(dir);

    // Abstract names: every byte of the length counts.
    int x = socket(AF_UNIX, SOCK_STREAM, 0);
    alen = abstract_address(&a, "abs");
    printf("bind abstract: %s\n", res(bind(x, (struct sockaddr *)&a, alen)));
    len = sizeof got;
    getsockname(x, (struct sockaddr *)&got, &len);
    printf("abstract name: len matches %d, bytes match %d\n", len == alen, memcmp(&got, &a, alen) == 0);
    int y = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind same abstract: %s\n", res(bind(y, (struct sockaddr *)&a, alen)));
    printf("bind abstract one byte longer: %s\n", res(bind(y, (struct sockaddr *)&a, alen + 1)));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("bind same abstract, other type: %s\n", res(bind(d, (struct sockaddr *)&a, alen)));
    close(d);
    listen(x, 5);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect abstract: %s\n", res(connect(c, (struct sockaddr *)&a, alen)));
    int c2 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect abstract shorter: %s\n", res(connect(c2, (struct sockaddr *)&a, alen - 1)));
    close(c);
    close(c2);
    close(x);
    close(y);

    // Autobind: five hex digits in the abstract namespace.
    int z = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un fam = {.sun_family = AF_UNIX};
    printf("autobind: %s\n", res(bind(z, (struct sockaddr *)&fam, sizeof(sa_family_t))));
    len = sizeof got;
    getsockname(z, (struct sockaddr *)&got, &len);
    int hex = 1;
    for (int i = 1; i <= 5; i++)
        if (!strchr("0123456789abcdef", got.sun_path[i])) hex = 0;
    printf("autobound name: len %u, abstract %d, hex %d\n", len, got.sun_path[0] == 0, hex);
    printf("autobind again: %s\n", res(bind(z, (struct sockaddr *)&fam, sizeof(sa_family_t))));
    printf("bind after autobind: %s\n", res(bind(z, (struct sockaddr *)&a, alen)));
    close(z);

    // A path filling all 108 bytes with no NUL.
    struct sockaddr_un full;
    memset(&full, 0, sizeof full);
    full.sun_family = AF_UNIX;
    int n = snprintf(full.sun_path, sizeof full.sun_path, "/tmp/osprey-unix-%d-", (int)getpid());
    memset(full.sun_path + n, 'L', sizeof full.sun_path - n);
    char path[sizeof full.sun_path + 1];
    memcpy(path, full.sun_path, sizeof full.sun_path);
    path[sizeof full.sun_path] = 0;
    unlink(path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("bind 108-byte path: %s\n", res(bind(l, (struct sockaddr *)&full, sizeof full)));
    struct sockaddr_storage ss;
    len = sizeof ss;
    getsockname(l, (struct sockaddr *)&ss, &len);
    printf("108-byte name: len %u\n", len);
    printf("file exists: %s\n", res(access(path, F_OK)));
    listen(l, 1);
    int lc = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect 108-byte path: %s\n", res(connect(lc, (struct sockaddr *)&full, sizeof full)));
    len = sizeof ss;
    getpeername(lc, (struct sockaddr *)&ss, &len);
    printf("peer name: len %u\n", len);
    close(lc);
    close(l);
    unlink(path);
}

// Connects to `addr` from a thread after a pause.
struct Connector {
    struct sockaddr_un addr;
    socklen_t len;
    int delay_ms;
    int fd;
    int result;  // 0 or the errno of connect
};
static void *connect_later(void *arg) {
    struct Connector *c = arg;
    sleep_ms(c->delay_ms);
    c->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    c->result = connect(c->fd, (struct sockaddr *)&c->addr, c->len) < 0 ? errno : 0;
    return NULL;
}

static pthread_t g_main_thread;
static void *signal_later(void *arg) {
    sleep_ms(*(int *)arg);
    pthread_kill(g_main_thread, SIGUSR1);
    return NULL;
}

static void connections(void) {
    struct sockaddr_un a;
    socklen_t alen = path_address(&a, "listen");
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("listen unbound: %s\n", res(listen(l, 1)));
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("listen dgram: %s\n", res(listen(d, 1)));
    close(d);
    bind(l, (struct sockaddr *)&a, alen);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect to a bound non-listener: %s\n", res(connect(c, (struct sockaddr *)&a, alen)));
    printf("listen: %s\n", res(listen(l, 1)));
    int acceptconn = 0;
    socklen_t len = sizeof acceptconn;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acceptconn, &len);
    printf("SO_ACCEPTCONN %d\n", acceptconn);
    print_events("listener, nothing waiting", l);
    set_nonblocking(l);
    printf("accept, nothing waiting: %s\n", res(accept(l, NULL, NULL)));

    // Errors of connect.
    struct sockaddr_un other;
    socklen_t olen = path_address(&other, "missing");
    unlink(other.sun_path);
    printf("connect missing path: %s\n", res(connect(c, (struct sockaddr *)&other, olen)));
    int f = open(other.sun_path, O_CREAT | O_WRONLY, 0600);
    close(f);
    printf("connect regular file: %s\n", res(connect(c, (struct sockaddr *)&other, olen)));
    unlink(other.sun_path);
    int dg = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(dg, (struct sockaddr *)&other, olen);
    printf("connect dgram path: %s\n", res(connect(c, (struct sockaddr *)&other, olen)));
    close(dg);
    unlink(other.sun_path);
    printf("connect addrlen 1: %s\n", res(connect(c, (struct sockaddr *)&a, 1)));
    printf("listener connect: %s\n", res(connect(l, (struct sockaddr *)&a, alen)));

    // Connected as soon as queued; the listener is readable.
    printf("connect: %s\n", res(connect(c, (struct sockaddr *)&a, alen)));
    printf("connect again: %s\n", res(connect(c, (struct sockaddr *)&a, alen)));
    print_events("listener, one waiting", l);
    struct sockaddr_storage ss;
    len = sizeof ss;
    getpeername(c, (struct sockaddr *)&ss, &len);
    printf("client peer name len matches %d\n", len == alen);
    // Data sent before accept waits for the accepted socket.
    printf("send before accept: %s\n", res(send(c, "early", 5, 0)));
    len = sizeof ss;
    memset(&ss, 0x55, sizeof ss);
    int s = accept4(l, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    printf("accept4: %s, peer len %u family %d, nonblock %d cloexec %d\n", res(s), len, ss.ss_family,
           (fcntl(s, F_GETFL) & O_NONBLOCK) != 0, (fcntl(s, F_GETFD) & FD_CLOEXEC) != 0);
    print_events("listener, drained", l);
    len = sizeof ss;
    getsockname(s, (struct sockaddr *)&ss, &len);
    printf("accepted name is the listener's: %d\n", len == alen && strcmp(((struct sockaddr_un *)&ss)->sun_path, a.sun_path) == 0);
    len = sizeof ss;
    getpeername(s, (struct sockaddr *)&ss, &len);
    printf("accepted peer name len %u\n", len);
    char buf[64];
    ssize_t n = recv(s, buf, sizeof buf, 0);
    printf("early data: %zd '%.*s'\n", n, (int)(n > 0 ? n : 0), buf);
    printf("accepted recv on listener: %s\n", res(recv(l, buf, 1, 0)));

    // SO_PEERCRED: the client sees the listener's credentials, the server the client's.
    struct ucred cred;
    len = sizeof cred;
    getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("client peercred: len %u pid %d uid %d gid %d\n", len, cred.pid == getpid(), cred.uid == getuid(), cred.gid == getgid());
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("server peercred: pid %d uid %d gid %d\n", cred.pid == getpid(), cred.uid == getuid(), cred.gid == getgid());
    int u = socket(AF_UNIX, SOCK_STREAM, 0);
    getsockopt(u, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("unconnected peercred: pid %d uid %d gid %d\n", cred.pid, (int)cred.uid, (int)cred.gid);
    close(u);
    close(c);
    close(s);

    // The backlog: listen(1) takes two connections; a non-blocking third gets EAGAIN.
    int queued[3];
    for (int i = 0; i < 3; i++) {
        queued[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        printf("connect %d with backlog 1: %s\n", i, res(connect(queued[i], (struct sockaddr *)&a, alen)));
    }
    // A blocking connect waits until accept makes room (listen(0) takes one, a negative
    // backlog is the most).
    int zero = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un za;
    socklen_t zalen = abstract_address(&za, "backlog0");
    bind(zero, (struct sockaddr *)&za, zalen);
    listen(zero, 0);
    int taken = 0, clients[8];
    for (int i = 0; i < 3; i++) {
        clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(clients[i], (struct sockaddr *)&za, zalen) == 0) taken++;
    }
    listen(zero, -1);
    for (int i = 3; i < 8; i++) {
        clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(clients[i], (struct sockaddr *)&za, zalen) == 0) taken++;
    }
    printf("listen(0) and then listen(-1) took %d\n", taken);
    for (int i = 0; i < 8; i++) close(clients[i]);
    close(zero);
    struct Connector waiter = {a, alen, 0, -1, -1};
    pthread_t t;
    pthread_create(&t, NULL, connect_later, &waiter);
    sleep_ms(100);
    int first = accept(l, NULL, NULL);
    pthread_join(t, NULL);
    printf("blocked connect: %s after accept %s\n", err_name(waiter.result), res(first));
    // SO_SNDTIMEO bounds a blocking connect to a full listener.
    int timed = socket(AF_UNIX, SOCK_STREAM, 0);
    struct timeval tv = {0, 100000};
    setsockopt(timed, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    printf("connect to full backlog with SO_SNDTIMEO: %s\n", res(connect(timed, (struct sockaddr *)&a, alen)));
    // A signal interrupts a blocked connect.
    g_main_thread = pthread_self();
    handle(SIGUSR1, 0);
    int delay = 100;
    pthread_create(&t, NULL, signal_later, &delay);
    int interrupted = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect interrupted: %s\n", res(connect(interrupted, (struct sockaddr *)&a, alen)));
    pthread_join(t, NULL);
    close(interrupted);
    close(timed);
    close(first);
    for (int i = 0; i < 3; i++) close(queued[i]);
    close(waiter.fd);
    // The listener closes with connections queued: their clients see ECONNRESET... or EOF.
    int orphan = socket(AF_UNIX, SOCK_STREAM, 0);
    int lone = socket(AF_UNIX, SOCK_STREAM, 0);
    // Drain what is queued first.
    while ((s = accept(l, NULL, NULL)) >= 0) close(s);
    printf("orphan connect: %s\n", res(connect(orphan, (struct sockaddr *)&a, alen)));
    close(l);
    print_events("orphan after listener closed", orphan);
    printf("orphan recv: %s\n", res(recv(orphan, buf, 1, MSG_DONTWAIT)));
    printf("orphan recv again: %zd\n", recv(orphan, buf, 1, MSG_DONTWAIT));
    printf("orphan send: %s\n", res(send(orphan, "x", 1, MSG_NOSIGNAL)));
    printf("connect to closed listener: %s\n", res(connect(lone, (struct sockaddr *)&a, alen)));
    close(orphan);
    close(lone);
    unlink(a.sun_path);

    // Blocking accept: woken by a connection, interrupted by a signal (EINTR without
    // SA_RESTART, restarted with it), bounded by SO_RCVTIMEO.
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 4);
    struct Connector later = {a, alen, 100, -1, -1};
    pthread_create(&t, NULL, connect_later, &later);
    s = accept(l, NULL, NULL);
    pthread_join(t, NULL);
    printf("blocking accept: %s, connect %s\n", res(s), err_name(later.result));
    close(s);
    close(later.fd);
    pthread_create(&t, NULL, signal_later, &delay);
    int accepted = accept(l, NULL, NULL);
    printf("accept interrupted: %s, handled %d\n", res(accepted), g_signals);
    pthread_join(t, NULL);
    handle(SIGUSR1, SA_RESTART);
    struct Connector after_signal = {a, alen, 200, -1, -1};
    pthread_create(&t, NULL, signal_later, &delay);
    pthread_t t2;
    pthread_create(&t2, NULL, connect_later, &after_signal);
    s = accept(l, NULL, NULL);
    printf("accept with SA_RESTART: %s, handled %d\n", res(s), g_signals);
    pthread_join(t, NULL);
    pthread_join(t2, NULL);
    close(s);
    close(after_signal.fd);
    setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    printf("accept with SO_RCVTIMEO: %s\n", res(accept(l, NULL, NULL)));
    shutdown(l, SHUT_RD);
    printf("accept after shutdown: %s\n", res(accept(l, NULL, NULL)));
    close(l);
    unlink(a.sun_path);

    // SO_PASSCRED makes connect autobind the client.
    l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 4);
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(c, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    connect(c, (struct sockaddr *)&a, alen);
    len = sizeof ss;
    getsockname(c, (struct sockaddr *)&ss, &len);
    printf("SO_PASSCRED connect autobinds: len %u\n", len);
    len = sizeof ss;
    s = accept(l, (struct sockaddr *)&ss, &len);
    printf("accept sees the autobound name: len %u\n", len);
    int passcred = 0;
    len = sizeof passcred;
    getsockopt(s, SOL_SOCKET, SO_PASSCRED, &passcred, &len);
    printf("accepted inherits SO_PASSCRED: %d\n", passcred);
    close(s);
    close(c);
    close(l);
    unlink(a.sun_path);
}

struct Bulk {
    int fd;
    size_t length;
    ssize_t result;
};
static void *write_bulk(void *arg) {
    struct Bulk *b = arg;
    char *data = malloc(b->length);
    for (size_t i = 0; i < b->length; i++) data[i] = (char)(i * 7);
    size_t done = 0;
    while (done < b->length) {
        ssize_t n = write(b->fd, data + done, b->length - done);
        if (n <= 0) break;
        done += n;
    }
    b->result = done;
    free(data);
    return NULL;
}

struct Chunks {
    int fd;
};
static void *write_chunks(void *arg) {
    struct Chunks *c = arg;
    for (int i = 0; i < 3; i++) {
        sleep_ms(50);
        send(c->fd, "abcd", 4, 0);
    }
    return NULL;
}

static void data(void) {
    int sv[2];
    printf("socketpair: %s\n", res(socketpair(AF_UNIX, SOCK_STREAM, 0, sv)));
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    getsockname(sv[0], (struct sockaddr *)&ss, &len);
    printf("pair name len %u\n", len);
    len = sizeof ss;
    getpeername(sv[0], (struct sockaddr *)&ss, &len);
    printf("pair peer name len %u\n", len);
    struct ucred cred;
    len = sizeof cred;
    getsockopt(sv[1], SOL_SOCKET, SO_PEERCRED, &cred, &len);
    printf("pair peercred: pid %d uid %d gid %d\n", cred.pid == getpid(), cred.uid == getuid(), cred.gid == getgid());
    print_events("fresh pair", sv[0]);

    send(sv[0], "hello", 5, 0);
    send(sv[0], " world", 6, 0);
    int avail = -1, outq = -1;
    ioctl(sv[1], FIONREAD, &avail);
    ioctl(sv[0], SIOCOUTQ, &outq);
    printf("FIONREAD %d, SIOCOUTQ positive %d\n", avail, outq > 0);
    print_events("with data", sv[1]);
    char buf[256];
    ssize_t n = recv(sv[1], buf, sizeof buf, MSG_PEEK);
    printf("peek: %zd '%.*s'\n", n, (int)n, buf);
    n = recv(sv[1], buf, 3, 0);
    printf("read 3: '%.*s'\n", (int)n, buf);
    struct sockaddr_storage from;
    len = sizeof from;
    memset(&from, 0x55, sizeof from);
    n = recvfrom(sv[1], buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
    printf("read rest: %zd '%.*s', from len %u\n", n, (int)n, buf, len);
    ioctl(sv[0], SIOCOUTQ, &outq);
    ioctl(sv[1], SIOCINQ, &avail);
    printf("after reading: SIOCOUTQ %d SIOCINQ %d\n", outq, avail);
    printf("MSG_DONTWAIT on empty: %s\n", res(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    printf("sendto with an address: %s\n", res(sendto(sv[0], "x", 1, 0, (struct sockaddr *)&ss, sizeof(sa_family_t) + 2)));

    // MSG_WAITALL gathers three sends.
    struct Chunks chunks = {sv[0]};
    pthread_t t;
    pthread_create(&t, NULL, write_chunks, &chunks);
    n = recv(sv[1], buf, 12, MSG_WAITALL);
    pthread_join(t, NULL);
    printf("MSG_WAITALL: %zd '%.*s'\n", n, (int)n, buf);

    // SO_RCVLOWAT: a read waits for that much.
    int low = 8;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &low, sizeof low);
    pthread_create(&t, NULL, write_chunks, &chunks);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("SO_RCVLOWAT 8: got at least 8: %d\n", n >= 8);
    pthread_join(t, NULL);
    while (recv(sv[1], buf, sizeof buf, MSG_DONTWAIT) > 0) {}
    low = 1;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVLOWAT, &low, sizeof low);

    // SO_RCVTIMEO: EAGAIN when nothing comes; a signal interrupts.
    struct timeval tv = {0, 100000};
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    printf("recv with SO_RCVTIMEO: %s\n", res(recv(sv[1], buf, 1, 0)));
    tv.tv_usec = 0;
    setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    g_main_thread = pthread_self();
    handle(SIGUSR1, 0);
    int delay = 100;
    pthread_create(&t, NULL, signal_later, &delay);
    printf("recv interrupted: %s\n", res(recv(sv[1], buf, 1, 0)));
    pthread_join(t, NULL);

    // The send buffer: a non-blocking writer fills it, the reader makes room again.
    set_nonblocking(sv[0]);
    static char block[4096];
    size_t total = 0;
    for (;;) {
        ssize_t w = send(sv[0], block, sizeof block, 0);
        if (w < 0) break;
        total += w;
    }
    printf("filled: %s, more than 64 KiB %d, less than 4 MiB %d\n", err_name(errno), total > 65536, total < 4u << 20);
    print_events("writer when full", sv[0]);
    size_t drained = 0;
    while ((n = recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)) > 0) drained += n;
    printf("drained all: %d\n", drained == total);
    print_events("writer after drain", sv[0]);
    int fl = fcntl(sv[0], F_GETFL);
    fcntl(sv[0], F_SETFL, fl & ~O_NONBLOCK);

    // A blocking writer of 1 MiB against a reader.
    struct Bulk bulk = {sv[0], 1 << 20, 0};
    pthread_create(&t, NULL, write_bulk, &bulk);
    size_t got = 0;
    int intact = 1;
    while (got < bulk.length) {
        n = recv(sv[1], buf, sizeof buf, 0);
        if (n <= 0) break;
        for (ssize_t i = 0; i < n; i++)
            if (buf[i] != (char)((got + i) * 7)) intact = 0;
        got += n;
    }
    pthread_join(t, NULL);
    printf("bulk: wrote %zd read %zu intact %d\n", bulk.result, got, intact);
    close(sv[0]);
    close(sv[1]);

    // SO_SNDTIMEO: a large send stops part way, then EAGAIN.
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    static char big[1 << 20];
    struct timeval snd = {0, 100000};
    setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &snd, sizeof snd);
    n = send(sv[0], big, sizeof big, 0);
    printf("send with SO_SNDTIMEO: part %d\n", n > 0 && n < (ssize_t)sizeof big);
    printf("again: %s\n", res(send(sv[0], big, sizeof big, 0)));
    // A small SO_SNDBUF lets less wait unread.
    int small = 4096;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    set_nonblocking(sv[1]);
    total = 0;
    while ((n = send(sv[1], big, 1000, 0)) > 0) total += n;
    printf("small SO_SNDBUF: some %d, under 20000 %d\n", total > 0, total < 20000);
    close(sv[0]);
    close(sv[1]);
}

static void *close_later(void *arg) {
    sleep_ms(100);
    close(*(int *)arg);
    return NULL;
}

static void endings(void) {
    // A writer blocked for room when its peer closes: what it sent so far, then EPIPE.
    int pair[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    static char big[1 << 20];
    pthread_t t;
    pthread_create(&t, NULL, close_later, &pair[1]);
    ssize_t part = send(pair[0], big, sizeof big, MSG_NOSIGNAL);
    pthread_join(t, NULL);
    printf("blocked writer when the peer closed: part %d\n", part > 0 && part < (ssize_t)sizeof big);
    printf("then: %s\n", res(send(pair[0], big, 10, MSG_NOSIGNAL)));
    close(pair[0]);
    // End-of-file with SO_PASSCRED: zero credentials.
    socketpair(AF_UNIX, SOCK_STREAM, 0, pair);
    int one = 1;
    setsockopt(pair[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
    shutdown(pair[0], SHUT_WR);
    char data[8];
    union {
        struct cmsghdr header;
        char bytes[64];
    } control;
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof control};
    ssize_t eof = recvmsg(pair[1], &m, 0);
    struct cmsghdr *h = CMSG_FIRSTHDR(&m);
    struct ucred u = {-1, 1, 1};
    if (h && h->cmsg_type == SCM_CREDENTIALS) memcpy(&u, CMSG_DATA(h), sizeof u);
    printf("end-of-file with SO_PASSCRED: %zd, credentials %d %d %d\n", eof, u.pid, (int)u.uid, (int)u.gid);
    close(pair[0]);
    close(pair[1]);

    handle(SIGPIPE, 0);
    g_signals = 0;
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char buf[64];
    send(sv[0], "bye", 3, 0);
    printf("shutdown SHUT_WR: %s\n", res(shutdown(sv[0], SHUT_WR)));
    print_events("writer after SHUT_WR", sv[0]);
    print_events("reader after peer SHUT_WR", sv[1]);
    ssize_t n = recv(sv[1], buf, sizeof buf, 0);
    ssize_t then = recv(sv[1], buf, sizeof buf, 0);
    printf("reader: %zd, then %zd\n", n, then);
    ssize_t sent = send(sv[0], "x", 1, 0);
    printf("send after SHUT_WR: %s, SIGPIPE %d\n", res(sent), g_signals);
    sent = send(sv[0], "x", 1, MSG_NOSIGNAL);
    printf("send after SHUT_WR, MSG_NOSIGNAL: %s, SIGPIPE %d\n", res(sent), g_signals);
    printf("reverse direction still works: %s\n", res(send(sv[1], "back", 4, 0)));
    n = recv(sv[0], buf, sizeof buf, 0);
    printf("got back %zd\n", n);
    printf("shutdown SHUT_RD: %s\n", res(shutdown(sv[0], SHUT_RD)));
    print_events("after both shutdowns", sv[0]);
    print_events("its peer", sv[1]);
    printf("peer send after SHUT_RD: %s\n", res(send(sv[1], "x", 1, MSG_NOSIGNAL)));
    printf("recv after SHUT_RD: %zd\n", recv(sv[0], buf, sizeof buf, 0));
    printf("shutdown 3: %s\n", res(shutdown(sv[0], 3)));
    close(sv[0]);
    close(sv[1]);

    // Close: the peer reads what is left, then EOF; sending is EPIPE with SIGPIPE.
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "last words", 10, 0);
    close(sv[0]);
    print_events("after peer close", sv[1]);
    n = recv(sv[1], buf, sizeof buf, 0);
    then = recv(sv[1], buf, sizeof buf, 0);
    printf("leftover %zd, then %zd\n", n, then);
    g_signals = 0;
    sent = write(sv[1], "x", 1);
    printf("write after peer close: %s, SIGPIPE %d\n", res(sent), g_signals);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    printf("getpeername after peer close: %s\n", res(getpeername(sv[1], (struct sockaddr *)&ss, &len)));
    close(sv[1]);

    // Close with unread data: the peer gets ECONNRESET once, after its own data.
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[1], "unread", 6, 0);
    send(sv[0], "mine", 4, 0);
    close(sv[0]);
    print_events("peer closed with unread data", sv[1]);
    int error = -1;
    len = sizeof error;
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("first recv: %zd\n", n);
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("second recv: %s\n", n < 0 ? err_name(errno) : "data");
    n = recv(sv[1], buf, sizeof buf, 0);
    printf("third recv: %zd\n", n);
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &error, &len);
    printf("SO_ERROR after: %d\n", error);
    close(sv[1]);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[1], "unread", 6, 0);
    close(sv[0]);
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &error, &len);
    printf("SO_ERROR when peer dropped data: %s\n", err_name(error));
    getsockopt(sv[1], SOL_SOCKET, SO_ERROR, &error, &len);
    printf("SO_ERROR read twice: %s\n", err_name(error));
    print_events("after SO_ERROR read", sv[1]);
    close(sv[1]);
}

// /proc/net/unix: a bound listener and a connected pair, as Linux prints them.
static void proc_net_unix(void) {
    struct sockaddr_un a;
    socklen_t alen = path_address(&a, "proc");
    unlink(a.sun_path);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(l, (struct sockaddr *)&a, alen);
    listen(l, 3);
    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    connect(c, (struct sockaddr *)&a, alen);
    struct sockaddr_un abs;
    socklen_t abslen = abstract_address(&abs, "proc");
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(d, (struct sockaddr *)&abs, abslen);
    FILE *f = fopen("/proc/net/unix", "r");
    char line[512];
    printf("/proc/net/unix: %s\n", f ? "ok" : "missing");
    if (!f) return;
    if (fgets(line, sizeof line, f)) printf("header: %s", line);
    char expect_abs[128];
    snprintf(expect_abs, sizeof expect_abs, "@osprey-%d-proc", (int)getpid());
    int listeners = 0, embryos = 0, dgrams = 0;
    char listener_line[128] = "", embryo_line[128] = "";  // Linux lists sockets in hash order
    while (fgets(line, sizeof line, f)) {
        char num[32], path[256] = "";
        unsigned refs, protocol, flags, type, state;
        unsigned long inode;
        int fields = sscanf(line, "%31s %x %x %x %x %x %lu %255s", num, &refs, &protocol, &flags, &type, &state, &inode, path);
        if (fields < 7) continue;
        if (strcmp(path, a.sun_path) == 0) {
            // The listener, and the connection queued on it (named after it: no socket yet).
            char *entry = flags ? listener_line : embryo_line;
            snprintf(entry, sizeof listener_line, "path entry: protocol %u flags %05x type %u state %u inode %s\n",
                     protocol, flags, type, state, inode ? "set" : "0");
            if (flags) listeners++;
            else embryos++;
        } else if (strcmp(path, expect_abs) == 0) {
            printf("abstract entry: flags %05x type %u state %u\n", flags, type, state);
            dgrams++;
        }
    }
    printf("%s%slisteners %d embryos %d abstract %d\n", listener_line, embryo_line, listeners, embryos, dgrams);
    fclose(f);
    close(c);
    close(d);
    close(l);
    unlink(a.sun_path);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    creation();
    names();
    connections();
    data();
    endings();
    proc_net_unix();
    printf("done\n");
    return 0;
}
