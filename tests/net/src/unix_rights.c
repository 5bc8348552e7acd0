// Ancillary data on AF_UNIX sockets: SCM_RIGHTS passing a pipe's read end and a file (read
// through the received descriptors; a file's offset is shared with the sender's), several
// descriptors in one message, a socket passed over a socket, MSG_CMSG_CLOEXEC, MSG_CTRUNC
// when the control buffer is too small or missing (the descriptors that do not fit are
// closed), descriptors riding with stream bytes (a read stops after them), bad SCM_RIGHTS (EBADF, EINVAL), and
// SCM_CREDENTIALS with SO_PASSCRED (sent explicitly, filled in by the kernel, and EPERM
// for another's pid).
#include "net_test.h"

#include <sys/uio.h>

// Sends `count` descriptors with one byte of data.
static ssize_t send_fds(int sock, const int *fds, int count, const char *byte) {
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {(void *)byte, 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)count);
    return sendmsg(sock, &m, 0);
}

struct received {
    ssize_t bytes;
    int flags;
    int fds[8];
    int count;
    int cmsgs;
};

// Receives one message with a control buffer of `control_len` bytes (0: none).
static struct received recv_fds(int sock, size_t control_len, int flags) {
    struct received r = {0};
    union {
        char buf[512];
        struct cmsghdr align;
    } control;
    char data[16];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = control_len ? control.buf : NULL,
                       .msg_controllen = control_len};
    r.bytes = recvmsg(sock, &m, flags);
    if (r.bytes < 0) {
        FAIL("recvmsg: %s", errno_name(errno));
        return r;
    }
    r.flags = m.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        r.cmsgs++;
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            FAIL("unexpected cmsg %d/%d", c->cmsg_level, c->cmsg_type);
            continue;
        }
        int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (int i = 0; i < n && r.count < 8; i++)
            memcpy(&r.fds[r.count++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    return r;
}

static const char *flag_names(int flags) {
    static char buf[64];
    buf[0] = 0;
    if (flags & MSG_CTRUNC)
        strcat(buf, "MSG_CTRUNC ");
    if (flags & MSG_TRUNC)
        strcat(buf, "MSG_TRUNC ");
    if (!buf[0])
        return "none";
    buf[strlen(buf) - 1] = 0;
    return buf;
}

static int is_open(int fd) { return fcntl(fd, F_GETFD) >= 0; }

static void passing(void) {
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    int p[2];
    OK(pipe(p));
    char path[64];
    snprintf(path, sizeof path, "/tmp/osprey-net-rights-%d", (int)getpid());
    int file = OK(open(path, O_RDWR | O_CREAT | O_TRUNC, 0600));
    unlink(path);
    EQ(write(file, "file contents here", 18), 18);
    OK(lseek(file, 5, SEEK_SET));
    int both[2] = {p[0], file};
    EQ(send_fds(sv[0], both, 2, "R"), 1);
    struct received r = recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 2), 0);
    say("two descriptors: %zd data byte, %d cmsg, %d fds, flags %s", r.bytes, r.cmsgs, r.count,
        flag_names(r.flags));
    REQUIRE(r.count == 2, "expected 2 descriptors");
    CHECK(r.fds[0] != p[0] && r.fds[1] != file, "descriptors were not duplicated");
    say("received descriptors are close-on-exec: %d", (fcntl(r.fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    // Read the pipe through the received end.
    EQ(write(p[1], "through the pipe", 16), 16);
    char buf[32];
    say("read through the received pipe end: %s", RESULT_OF(read(r.fds[0], buf, sizeof buf)));
    EQ(memcmp(buf, "through the pipe", 16), 0);
    // The file: same open file description, so the offset is shared.
    say("read through the received file: %s", RESULT_OF(read(r.fds[1], buf, 8)));
    EQ(memcmp(buf, "contents", 8), 0);
    say("the sender's offset moved with it: %ld", (long)lseek(file, 0, SEEK_CUR));
    // The sender may close its copies; the received ones live on.
    close(p[0]);
    close(file);
    EQ(write(p[1], "still", 5), 5);
    say("after the sender closed its copy: %s", RESULT_OF(read(r.fds[0], buf, sizeof buf)));
    close(r.fds[0]);
    close(r.fds[1]);
    close(p[1]);
    ok("SCM_RIGHTS: a pipe end and a file, read through the received descriptors");

    // MSG_CMSG_CLOEXEC; and a socket passed over a socket.
    int inner[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, inner));
    EQ(send_fds(sv[0], &inner[1], 1, "S"), 1);
    close(inner[1]);
    r = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), MSG_CMSG_CLOEXEC);
    REQUIRE(r.count == 1, "expected 1 descriptor");
    say("with MSG_CMSG_CLOEXEC: close-on-exec %d", (fcntl(r.fds[0], F_GETFD) & FD_CLOEXEC) != 0);
    EQ(send(inner[0], "over the passed socket", 22, 0), 22);
    say("recv on the passed socket: %s", RESULT_OF(recv(r.fds[0], buf, sizeof buf, 0)));
    close(r.fds[0]);
    close(inner[0]);
    ok("a socket passed over a socket, MSG_CMSG_CLOEXEC");

    // Several descriptors, and a control buffer too small for them.
    int many[5];
    for (int i = 0; i < 5; i++)
        many[i] = OK(dup(0));
    EQ(send_fds(sv[0], many, 5, "5"), 1);
    r = recv_fds(sv[1], CMSG_LEN(sizeof(int) * 2), 0);
    say("five sent, room for two: %d received, flags %s", r.count, flag_names(r.flags));
    for (int i = 0; i < r.count; i++)
        close(r.fds[i]);
    EQ(send_fds(sv[0], many, 5, "5"), 1);
    r = recv_fds(sv[1], 0, 0);
    say("five sent, no control buffer: %d received, flags %s", r.count, flag_names(r.flags));
    EQ(send_fds(sv[0], many, 5, "5"), 1);
    r = recv_fds(sv[1], CMSG_SPACE(sizeof(int) * 5), 0);
    say("five sent, room for five: %d received, flags %s, all open %d", r.count,
        flag_names(r.flags),
        r.count == 5 && is_open(r.fds[0]) && is_open(r.fds[1]) && is_open(r.fds[2]) &&
            is_open(r.fds[3]) && is_open(r.fds[4]));
    for (int i = 0; i < r.count; i++)
        close(r.fds[i]);
    for (int i = 0; i < 5; i++)
        close(many[i]);
    ok("several descriptors in one message; MSG_CTRUNC");

    // Bad SCM_RIGHTS: a closed descriptor, a truncated cmsg.
    int closed_fd = OK(dup(0));
    close(closed_fd);
    say("SCM_RIGHTS with a closed descriptor: %s", RESULT_OF(send_fds(sv[0], &closed_fd, 1, "x")));
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {"x", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = sizeof control.buf + 8;  // longer than the buffer
    say("a cmsg longer than the control buffer: %s", RESULT_OF(sendmsg(sv[0], &m, 0)));
    c->cmsg_len = CMSG_LEN(sizeof(int));
    c->cmsg_type = 77;
    say("an unknown SOL_SOCKET cmsg type: %s", RESULT_OF(sendmsg(sv[0], &m, 0)));
    say("nothing was queued by the failures: %s", RESULT_OF(recv(sv[1], buf, sizeof buf, MSG_DONTWAIT)));
    close(sv[0]);
    close(sv[1]);
    ok("bad SCM_RIGHTS: EBADF, EINVAL");
}

static void on_a_stream(void) {
    // On a stream, descriptors ride with the bytes they were sent with: a read takes them
    // with those bytes and stops there, so the bytes after come in the next read.
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    EQ(send(sv[0], "before", 6, 0), 6);
    int d = OK(dup(1));
    EQ(send_fds(sv[0], &d, 1, "F"), 1);
    close(d);
    EQ(send(sv[0], "after", 5, 0), 5);
    struct received r = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), 0);
    say("first read: %zd bytes with %d descriptor", r.bytes, r.count);
    for (int i = 0; i < r.count; i++)
        close(r.fds[i]);
    r = recv_fds(sv[1], CMSG_SPACE(sizeof(int)), MSG_DONTWAIT);
    say("second read: %zd bytes with %d descriptors", r.bytes, r.count);
    // Without a control buffer the descriptors are dropped (closed) and MSG_CTRUNC set.
    d = OK(dup(1));
    EQ(send_fds(sv[0], &d, 1, "G"), 1);
    close(d);
    r = recv_fds(sv[1], 0, MSG_DONTWAIT);
    say("read without a control buffer: %zd bytes, flags %s", r.bytes, flag_names(r.flags));
    close(sv[0]);
    close(sv[1]);
    ok("descriptors on a stream arrive with their bytes");
}

static int recv_creds(int sock, struct ucred *cred, int *found) {
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } control;
    char data[16];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
    int n = (int)recvmsg(sock, &m, 0);
    *found = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
            memcpy(cred, CMSG_DATA(c), sizeof *cred);
            *found = 1;
        }
    return n;
}

static void credentials(void) {
    int sv[2];
    OK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    say("SO_PASSCRED default: %d", int_option(sv[1], SOL_SOCKET, SO_PASSCRED));
    set_int_option(sv[1], SOL_SOCKET, SO_PASSCRED, 1);
    say("SO_PASSCRED set: %d", int_option(sv[1], SOL_SOCKET, SO_PASSCRED));
    // Explicit credentials from the sender.
    union {
        char buf[CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = {"c", 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_CREDENTIALS;
    c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
    struct ucred mine = {.pid = getpid(), .uid = getuid(), .gid = getgid()};
    memcpy(CMSG_DATA(c), &mine, sizeof mine);
    EQ(sendmsg(sv[0], &m, 0), 1);
    struct ucred got;
    int found;
    EQ(recv_creds(sv[1], &got, &found), 1);
    say("explicit SCM_CREDENTIALS: received %d, pid ours %d, uid ours %d, gid ours %d", found,
        found && got.pid == getpid(), found && got.uid == getuid(), found && got.gid == getgid());
    // No credentials sent: with SO_PASSCRED the kernel supplies the sender's.
    EQ(send(sv[0], "k", 1, 0), 1);
    EQ(recv_creds(sv[1], &got, &found), 1);
    say("kernel-supplied SCM_CREDENTIALS: received %d, pid ours %d, uid ours %d", found,
        found && got.pid == getpid(), found && got.uid == getuid());
    // Claiming a pid that does not exist is refused.
    struct ucred other = {.pid = 0x3ffffff0, .uid = getuid(), .gid = getgid()};
    memcpy(CMSG_DATA(c), &other, sizeof other);
    say("SCM_CREDENTIALS with a pid that does not exist: %s", RESULT_OF(sendmsg(sv[0], &m, 0)));
    close(sv[0]);
    close(sv[1]);
    ok("SCM_CREDENTIALS with SO_PASSCRED");
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    passing();
    on_a_stream();
    credentials();
    return 0;
}
