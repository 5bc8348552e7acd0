// Sockets: what every socket family (AF_UNIX in net/unix/, AF_INET TCP and UDP in
// net/inet/, AF_NETLINK in net/netlink/) adds to a File. The system-call layer
// (linux/sys_socket.cc) decodes arguments — copies socket addresses in and out, reads
// iovecs and control messages, installs received descriptors — and calls these; a family
// never touches a system call's raw arguments.
//
// Blocking: a family blocks with WaitQueue::wait_interruptible (sync/wait_queue.h), honours
// nonblocking() and MSG_DONTWAIT, and the send/receive timeouts kept here (SO_SNDTIMEO,
// SO_RCVTIMEO: EAGAIN when they pass). Readiness goes to poll/epoll through
// File::notify_observers with Linux's bits (EPOLLIN/OUT/RDHUP/HUP/ERR).
#pragma once

#include "fs/file.h"
#include "lib/object_counts.h"
#include "net/layers.h"

namespace net {

// A socket option's int value (setsockopt), as Linux reads it: EINVAL when shorter.
inline Result<int> read_int(const u8* value, usize length) {
    if (length < sizeof(int)) return Error(EINVAL);
    int v;
    __builtin_memcpy(&v, value, sizeof v);
    return v;
}

// Families, types and flags (include/linux/socket.h, net.h).
constexpr int AF_UNSPEC = 0, AF_UNIX = 1, AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
constexpr int SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_RDM = 4, SOCK_SEQPACKET = 5, SOCK_PACKET = 10;
constexpr u32 SOCK_NONBLOCK = 04000, SOCK_CLOEXEC = 02000000;
constexpr u32 MSG_OOB = 0x1, MSG_PEEK = 0x2, MSG_DONTROUTE = 0x4, MSG_CTRUNC = 0x8, MSG_TRUNC = 0x20,
              MSG_DONTWAIT = 0x40, MSG_EOR = 0x80, MSG_WAITALL = 0x100, MSG_CONFIRM = 0x800,
              MSG_ERRQUEUE = 0x2000, MSG_NOSIGNAL = 0x4000, MSG_MORE = 0x8000, MSG_WAITFORONE = 0x10000,
              MSG_CMSG_CLOEXEC = 0x40000000;
constexpr int SHUT_RD = 0, SHUT_WR = 1, SHUT_RDWR = 2;
constexpr int SOL_SOCKET = 1, SOL_IP = 0, SOL_TCP = 6, SOL_UDP = 17;
constexpr int SO_DEBUG = 1, SO_REUSEADDR = 2, SO_TYPE = 3, SO_ERROR = 4, SO_DONTROUTE = 5, SO_BROADCAST = 6,
              SO_SNDBUF = 7, SO_RCVBUF = 8, SO_KEEPALIVE = 9, SO_OOBINLINE = 10, SO_NO_CHECK = 11,
              SO_PRIORITY = 12, SO_LINGER = 13, SO_BSDCOMPAT = 14, SO_REUSEPORT = 15, SO_PASSCRED = 16,
              SO_PEERCRED = 17, SO_RCVLOWAT = 18, SO_SNDLOWAT = 19, SO_RCVTIMEO = 20, SO_SNDTIMEO = 21,
              SO_BINDTODEVICE = 25, SO_TIMESTAMP = 29, SO_ACCEPTCONN = 30, SO_PEERSEC = 31, SO_SNDBUFFORCE = 32,
              SO_RCVBUFFORCE = 33, SO_PASSSEC = 34, SO_MARK = 36, SO_PROTOCOL = 38, SO_DOMAIN = 39,
              SO_RXQ_OVFL = 40, SO_WIFI_STATUS = 41, SO_PEEK_OFF = 42, SO_NOFCS = 43, SO_LOCK_FILTER = 44,
              SO_SELECT_ERR_QUEUE = 45, SO_BUSY_POLL = 46, SO_INCOMING_CPU = 49, SO_COOKIE = 57,
              SO_PEERGROUPS = 59, SO_ZEROCOPY = 60;
constexpr int SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;

// A socket address as the caller passed it (struct sockaddr_storage at most): the system
// call copies it in, each family checks its own form (length, family, path, port).
struct SocketAddress {
    static constexpr usize kCapacity = 128;
    u8 bytes[kCapacity] = {};
    u32 length = 0;

    u16 family() const { return length >= 2 ? static_cast<u16>(bytes[0] | bytes[1] << 8) : AF_UNSPEC; }
};

// struct ucred.
struct Credentials {
    i32 pid = 0;
    u32 uid = 0, gid = 0;
};

// Ancillary data carried by one message (AF_UNIX only): the files of SCM_RIGHTS (already
// looked up by the system call on send; installed as new descriptors by it on receive)
// and the credentials of SCM_CREDENTIALS.
struct Ancillary {
    static constexpr usize kMaxFiles = 253;  // SCM_MAX_FD
    RefPtr<fs::File>* files = nullptr;       // an array of `file_count`, owned by the caller
    usize file_count = 0;
    bool has_credentials = false;
    Credentials credentials;
};

// One sendmsg/recvmsg (send, recv, read and write are the one-buffer case).
struct Message {
    // The data: iovecs of user memory (or a kernel buffer), as ByteSource on send and
    // ByteSink on receive. `length` is their total.
    const ByteSource* source = nullptr;
    const ByteSink* sink = nullptr;
    usize length = 0;
    // send: the destination, or null. receive: where the source address goes, or null.
    SocketAddress* address = nullptr;
    // send: what the caller attached (may be null). receive: where to put what arrived
    // (null: the caller did not ask; a family then drops the files, as Linux closes them).
    // On receive, `capacity_files` says how many descriptors the caller's control buffer
    // holds; more than that is MSG_CTRUNC.
    Ancillary* ancillary = nullptr;
    usize capacity_files = 0;
    // In: MSG_* flags. Out (receive): MSG_TRUNC, MSG_CTRUNC, MSG_EOR as the family sets them.
    u32 flags = 0;
    u32 out_flags = 0;
    // receive: with MSG_TRUNC on a datagram socket, the full length of the datagram.
    usize full_length = 0;
};

class Socket : public fs::File {
public:
    const char* kind() const override { return "socket"; }
    Socket* socket() override { return this; }

    int family() const { return m_family; }
    int type() const { return m_type; }
    int protocol() const { return m_protocol; }

    virtual Result<void> bind(const SocketAddress& address) = 0;
    virtual Result<void> listen(int backlog) { (void)backlog; return Error(EOPNOTSUPP); }
    // A connected socket from the queue; `flags`: SOCK_NONBLOCK for the new one (CLOEXEC is
    // the descriptor's business). peer, when given, receives the peer's address.
    virtual Result<RefPtr<Socket>> accept(u32 flags, SocketAddress* peer) {
        (void)flags, (void)peer;
        return Error(EOPNOTSUPP);
    }
    virtual Result<void> connect(const SocketAddress& address) = 0;
    virtual Result<void> local_address(SocketAddress& out) = 0;
    virtual Result<void> peer_address(SocketAddress& out) = 0;

    virtual Result<usize> send(Message& message) = 0;
    // Whether an EPIPE from send() or write() comes with SIGPIPE (the system-call layer
    // raises it unless MSG_NOSIGNAL): stream protocols raise it, Linux's AF_UNIX datagram
    // and seqpacket sockets do not.
    virtual bool epipe_raises_sigpipe() const { return true; }
    virtual Result<usize> receive(Message& message) = 0;
    virtual Result<void> shutdown(int how) = 0;

    // Options. The system call copies the caller's value in (at most kMaxOption bytes) and
    // the result out (cut to the caller's length, as Linux does). SOL_SOCKET options that
    // every family shares are answered here; a family overrides the *_family_option
    // methods for the rest, and calls this class for what it does not handle.
    static constexpr usize kMaxOption = 256;
    Result<void> set_option(int level, int name, const u8* value, usize length);
    Result<usize> get_option(int level, int name, u8* out, usize capacity);

    // ioctl: FIONBIO/FIOASYNC are the descriptor layer's; the rest (FIONREAD, SIOCOUTQ,
    // SIOCGIF*) reach the family.
    Result<u64> ioctl(u32 request, u64 argument) override;

    Result<usize> read(const fs::IoBuffer& buffer) override;
    Result<usize> write(const fs::IoBuffer& buffer) override;
    Result<void> stat(fs::Stat& out) override;

    // Options every family keeps here, for its own use.
    struct CommonOptions {
        bool reuse_address = false, reuse_port = false, keepalive = false, broadcast = false;
        bool pass_credentials = false, out_of_band_inline = false;
        bool linger = false;
        int linger_seconds = 0;
        int receive_buffer = 212992, send_buffer = 212992;  // as SO_*BUF reports (doubled)
        int receive_low_water = 1;
        u64 receive_timeout_ns = 0, send_timeout_ns = 0;    // 0: none
        int priority = 0;
        u32 mark = 0;
        // Flags Linux keeps on every socket that change nothing here (no routing table to
        // bypass, no checksums or frame check sequence to skip, no packet filter, no
        // wireless or queue statistics, no error queue): SO_DEBUG, SO_DONTROUTE,
        // SO_NO_CHECK, SO_RXQ_OVFL, SO_WIFI_STATUS, SO_NOFCS, SO_LOCK_FILTER,
        // SO_SELECT_ERR_QUEUE; bit N is option N. Kept so that getsockopt reads back what
        // was set, as on Linux.
        u64 inert_flags = 0;
    };
    const CommonOptions& options() const { return m_options; }

    // The deadline (TSC; 0: none) that a blocking receive or send started now must keep.
    u64 receive_deadline() const;
    u64 send_deadline() const;
    // Whether the family has options of its own (levels other than SOL_SOCKET). Linux's
    // AF_UNIX has none: setsockopt and getsockopt at any other level fail with EOPNOTSUPP
    // before looking at the value.
    virtual bool has_family_options() const { return true; }

    // For blocking operations: whether this call may wait.
    bool may_block(u32 msg_flags) const { return !nonblocking() && !(msg_flags & MSG_DONTWAIT); }

    // The inode number /proc/self/fd shows as socket:[N] and /proc/net/* list.
    u64 inode_number() const { return m_inode_number; }

protected:
    Socket(int family, int type, int protocol, u32 status_flags);

    virtual Result<void> set_family_option(int level, int name, const u8* value, usize length);
    virtual Result<usize> get_family_option(int level, int name, u8* out, usize capacity);
    // Whether the socket listens (SO_ACCEPTCONN) and its pending error (SO_ERROR, cleared
    // by reading).
    virtual bool listening() const { return false; }
    virtual int take_error() { return 0; }
    // Told after a SOL_SOCKET option changed (buffer sizes, keepalive...).
    virtual void common_option_changed(int name) { (void)name; }
    virtual Result<u64> family_ioctl(u32 request, u64 argument) {
        (void)request, (void)argument;
        return Error(ENOTTY);
    }

    CommonOptions m_options;

private:
    int m_family, m_type, m_protocol;
    u64 m_inode_number;
    objects::Counted<objects::Kind::Socket> m_counted;
};

// Whether an EPIPE from writing to `file` comes with SIGPIPE: always for pipes, as the
// protocol says for sockets.
inline bool epipe_raises_sigpipe(fs::File& file) {
    Socket* socket = file.socket();
    return !socket || socket->epipe_raises_sigpipe();
}

// The socket calls' entry points per family: socket(2) and socketpair(2) find their
// family here (net/socket_families.cc lists them).
struct SocketFamily {
    int family;
    Result<RefPtr<Socket>> (*create)(int type, int protocol, u32 status_flags);
    // Null when the family has no pairs (EOPNOTSUPP).
    Result<void> (*create_pair)(int type, int protocol, u32 status_flags, RefPtr<Socket>& first, RefPtr<Socket>& second);
};
// EAFNOSUPPORT for a family Osprey does not have.
Result<const SocketFamily*> find_family(int family);

}  // namespace net
