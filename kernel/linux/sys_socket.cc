// The socket calls: argument decoding only. Addresses are copied in and out with Linux's
// length rules, iovecs and control messages are read here, received descriptors are
// installed here; everything else is the socket's (net/socket.h) and its family's.
#include <new>

#include "fs/fd_table.h"
#include "linux/abi_types.h"
#include "linux/descriptors.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "mm/user_memory.h"
#include "net/byte_buffers.h"
#include "net/socket.h"
#include "sched/clock.h"
#include "arch/x86_64/cpu.h"

namespace linux_abi {

using proc::Process;

namespace {


// struct msghdr and struct mmsghdr (x86-64).
struct MsgHdr {
    u64 name;
    u32 namelen;
    u32 pad0;
    u64 iov;
    u64 iovlen;
    u64 control;
    u64 controllen;
    i32 flags;
    u32 pad1;
};
static_assert(sizeof(MsgHdr) == 56);
struct MMsgHdr {
    MsgHdr header;
    u32 length;
    u32 pad;
};
static_assert(sizeof(MMsgHdr) == 64);

// struct cmsghdr: a length (of header and data), a level and a type, data aligned to 8.
struct CMsgHdr {
    u64 length;
    i32 level;
    i32 type;
};
constexpr u64 cmsg_align(u64 n) { return (n + 7) & ~7ull; }
constexpr u64 kCmsgHeader = sizeof(CMsgHdr);

Result<net::Socket*> socket_of(const RefPtr<fs::File>& file) {
    net::Socket* socket = file->socket();
    if (!socket) return Error(ENOTSOCK);
    return socket;
}

struct SocketRef {
    RefPtr<fs::File> file;
    net::Socket* socket;
};
Result<SocketRef> socket_for(int fd) {
    auto file = TRY(fds().get(fd));
    net::Socket* socket = TRY(socket_of(file));
    return SocketRef{file, socket};
}

// move_addr_to_kernel: a length over sockaddr_storage (or negative) is EINVAL. The length
// is Linux's int, but a value that is not negative as an int is checked in all 64 bits.
Result<void> address_in(UserPtr<u8> user, u64 length, net::SocketAddress& out) {
    if (static_cast<i32>(length) < 0 || length > net::SocketAddress::kCapacity) return Error(EINVAL);
    out = {};
    out.length = static_cast<u32>(length);
    if (length) TRY(user.read_array(out.bytes, length));
    return {};
}

// move_addr_to_user: the caller's length says how much fits; the real length is written back.
Result<void> address_out(const net::SocketAddress& address, UserPtr<u8> user, UserPtr<i32> user_length) {
    if (user.is_null() || user_length.is_null()) return {};
    i32 room = TRY(user_length.read());
    if (room < 0) return Error(EINVAL);
    u32 n = static_cast<u32>(room) < address.length ? static_cast<u32>(room) : address.length;
    if (n) TRY(user.write_array(address.bytes, n));
    return user_length.write(static_cast<i32>(address.length));
}

// Installs a new socket as a descriptor.
Result<int> install(RefPtr<net::Socket> socket, bool cloexec) { return fds().allocate(RefPtr<fs::File>(socket), cloexec); }

// The iovecs of a message, copied in: a few on the stack, more on the heap.
class Vectors {
public:
    Result<void> load(u64 user, u64 count) {
        if (count > kIovMax) return Error(EMSGSIZE);
        if (count > kInline) {
            m_heap = new (std::nothrow) net::UserVector[count];
            if (!m_heap) return Error(ENOMEM);
        }
        net::UserVector* v = vectors();
        if (count) TRY(UserPtr<net::UserVector>(user).read_array(v, count));
        u64 total = 0;
        for (u64 i = 0; i < count; i++) {
            if (static_cast<i64>(v[i].length) < 0) return Error(EINVAL);
            // Linux caps the whole transfer at MAX_RW_COUNT by shortening the vectors.
            if (v[i].length > kMaxIo - total) v[i].length = kMaxIo - total;
            total += v[i].length;
            if (v[i].length && !user_memory::range_ok(v[i].base, v[i].length)) return Error(EFAULT);
        }
        m_count = count;
        return {};
    }
    ~Vectors() { delete[] m_heap; }
    net::UserVector* vectors() { return m_heap ? m_heap : m_inline; }
    u64 count() const { return m_count; }

private:
    static constexpr u64 kInline = 8;
    net::UserVector m_inline[kInline];
    net::UserVector* m_heap = nullptr;
    u64 m_count = 0;
};

// SCM_RIGHTS and SCM_CREDENTIALS of a sendmsg, read from its control buffer.
class SendControl {
public:
    ~SendControl() { delete[] m_files; }
    Result<void> load(u64 control, u64 length) {
        u64 offset = 0;
        while (length - offset >= kCmsgHeader) {
            CMsgHdr header = TRY(UserPtr<CMsgHdr>(control + offset).read());
            if (header.length < kCmsgHeader || header.length > length - offset) return Error(EINVAL);
            u64 data = control + offset + kCmsgHeader;
            u64 data_length = header.length - kCmsgHeader;
            if (header.level != net::SOL_SOCKET) return Error(EINVAL);
            if (header.type == net::SCM_RIGHTS) {
                TRY(load_files(data, data_length / sizeof(int)));
            } else if (header.type == net::SCM_CREDENTIALS) {
                if (data_length != sizeof(net::Credentials)) return Error(EINVAL);
                m_ancillary.credentials = TRY(UserPtr<net::Credentials>(data).read());
                m_ancillary.has_credentials = true;
            } else {
                return Error(EINVAL);
            }
            offset += cmsg_align(header.length);
            if (offset > length) break;
        }
        return {};
    }
    net::Ancillary* ancillary() { return m_ancillary.file_count || m_ancillary.has_credentials ? &m_ancillary : nullptr; }

private:
    Result<void> load_files(u64 user, u64 count) {
        if (count == 0) return {};
        usize total = m_ancillary.file_count + count;
        if (total > net::Ancillary::kMaxFiles) return Error(EINVAL);
        auto* files = new (std::nothrow) RefPtr<fs::File>[total];
        if (!files) return Error(ENOMEM);
        for (usize i = 0; i < m_ancillary.file_count; i++) files[i] = m_files[i];
        delete[] m_files;
        m_files = files;
        for (u64 i = 0; i < count; i++) {
            auto fd = UserPtr<int>(user).offset(i).read();
            if (fd.is_error()) return Error(EFAULT);
            auto file = fds().get(fd.value());
            if (file.is_error()) return Error(EBADF);
            m_files[m_ancillary.file_count++] = file.release_value();
        }
        m_ancillary.files = m_files;
        return {};
    }

    RefPtr<fs::File>* m_files = nullptr;
    net::Ancillary m_ancillary;
};

// What recvmsg hands back in its control buffer: received descriptors (installed now) and
// credentials, each as a cmsg, MSG_CTRUNC when they do not fit.
class ReceiveControl {
public:
    ReceiveControl(u64 control, u64 capacity) : m_control(control), m_capacity(capacity) {}
    ~ReceiveControl() { delete[] m_files; }

    Result<void> prepare(net::Message& message) {
        u64 room = m_capacity > kCmsgHeader ? (m_capacity - kCmsgHeader) / sizeof(int) : 0;
        if (room > net::Ancillary::kMaxFiles) room = net::Ancillary::kMaxFiles;
        m_files = new (std::nothrow) RefPtr<fs::File>[net::Ancillary::kMaxFiles];
        if (!m_files) return Error(ENOMEM);
        m_ancillary.files = m_files;
        message.ancillary = &m_ancillary;
        message.capacity_files = room;
        return {};
    }

    // Writes the cmsgs; returns the control length used and adds MSG_CTRUNC to flags.
    Result<u64> finish(u32& flags, bool cloexec) {
        u64 used = 0;
        if (m_ancillary.has_credentials) {
            u64 need = kCmsgHeader + sizeof(net::Credentials);
            if (m_capacity - used < need) {
                flags |= net::MSG_CTRUNC;
            } else {
                CMsgHdr header{need, net::SOL_SOCKET, net::SCM_CREDENTIALS};
                TRY(UserPtr<CMsgHdr>(m_control + used).write(header));
                TRY(UserPtr<net::Credentials>(m_control + used + kCmsgHeader).write(m_ancillary.credentials));
                used += cmsg_align(need);
            }
        }
        if (m_ancillary.file_count) {
            u64 room = m_capacity > used + kCmsgHeader ? (m_capacity - used - kCmsgHeader) / sizeof(int) : 0;
            usize n = m_ancillary.file_count < room ? m_ancillary.file_count : room;
            if (n < m_ancillary.file_count) flags |= net::MSG_CTRUNC;  // the rest are closed
            if (n) {
                int installed[net::Ancillary::kMaxFiles];
                usize count = 0;
                for (; count < n; count++) {
                    auto fd = fds().allocate(m_files[count], cloexec);
                    if (fd.is_error()) {
                        flags |= net::MSG_CTRUNC;  // EMFILE: the rest are lost, as on Linux
                        break;
                    }
                    installed[count] = fd.value();
                }
                if (count) {
                    CMsgHdr header{kCmsgHeader + count * sizeof(int), net::SOL_SOCKET, net::SCM_RIGHTS};
                    TRY(UserPtr<CMsgHdr>(m_control + used).write(header));
                    TRY(UserPtr<int>(m_control + used + kCmsgHeader).write_array(installed, count));
                    used += cmsg_align(header.length);
                }
            }
        }
        return used < m_capacity ? used : m_capacity;
    }

private:
    u64 m_control, m_capacity;
    RefPtr<fs::File>* m_files = nullptr;
    net::Ancillary m_ancillary;
};

Result<u64> send_message(net::Socket& socket, const MsgHdr& header, u32 flags) {
    Vectors vectors;
    TRY(vectors.load(header.iov, header.iovlen));
    net::SocketAddress address;
    bool has_address = header.name && header.namelen;
    if (has_address) TRY(address_in(UserPtr<u8>(header.name), header.namelen, address));
    SendControl control;
    if (header.control && header.controllen) TRY(control.load(header.control, header.controllen));
    net::VectorBytes bytes(vectors.vectors(), vectors.count());
    net::Message message;
    message.source = &bytes;
    message.length = bytes.length();
    message.address = has_address ? &address : nullptr;
    message.ancillary = control.ancillary();
    message.flags = flags;
    return signals::sigpipe_on_epipe(socket.send(message), !(flags & net::MSG_NOSIGNAL) && socket.epipe_raises_sigpipe());
}

// recvmsg's work; updates `header` (namelen, controllen, flags) for the caller to write back.
Result<u64> receive_message(net::Socket& socket, MsgHdr& header, u32 flags) {
    Vectors vectors;
    TRY(vectors.load(header.iov, header.iovlen));
    net::VectorBytes bytes(vectors.vectors(), vectors.count());
    net::SocketAddress address;
    ReceiveControl control(header.control, header.control ? header.controllen : 0);
    net::Message message;
    message.sink = &bytes;
    message.length = bytes.length();
    message.address = header.name ? &address : nullptr;
    message.flags = flags;
    TRY(control.prepare(message));
    usize got = TRY(socket.receive(message));
    u32 out_flags = message.out_flags;
    u64 control_used = TRY(control.finish(out_flags, flags & net::MSG_CMSG_CLOEXEC));
    if (header.name) {
        u32 n = header.namelen < address.length ? header.namelen : address.length;
        if (n) TRY(UserPtr<u8>(header.name).write_array(address.bytes, n));
        header.namelen = address.length;
    }
    header.controllen = control_used;
    header.flags = static_cast<i32>(out_flags);
    if ((flags & net::MSG_TRUNC) && message.full_length > got) return message.full_length;
    return got;
}

}  // namespace

Result<int> sys_socket(int domain, u32 type_and_flags, int protocol) {
    int type = static_cast<int>(type_and_flags & ~(net::SOCK_NONBLOCK | net::SOCK_CLOEXEC));
    if (type_and_flags & ~(net::SOCK_NONBLOCK | net::SOCK_CLOEXEC | 0xf)) return Error(EINVAL);
    const net::SocketFamily* family = TRY(net::find_family(domain));
    u32 status = type_and_flags & net::SOCK_NONBLOCK ? fs::O_NONBLOCK : 0;
    auto socket = TRY(family->create(type, protocol, status));
    return install(socket, type_and_flags & net::SOCK_CLOEXEC);
}

Result<void> sys_socketpair(int domain, u32 type_and_flags, int protocol, UserPtr<int> user_fds) {
    int type = static_cast<int>(type_and_flags & ~(net::SOCK_NONBLOCK | net::SOCK_CLOEXEC));
    if (type_and_flags & ~(net::SOCK_NONBLOCK | net::SOCK_CLOEXEC | 0xf)) return Error(EINVAL);
    const net::SocketFamily* family = TRY(net::find_family(domain));
    if (!family->create_pair) return Error(EOPNOTSUPP);
    TRY(user_fds.read());  // a bad destination leaks no descriptors
    RefPtr<net::Socket> first, second;
    u32 status = type_and_flags & net::SOCK_NONBLOCK ? fs::O_NONBLOCK : 0;
    TRY(family->create_pair(type, protocol, status, first, second));
    bool cloexec = type_and_flags & net::SOCK_CLOEXEC;
    int a = TRY(install(first, cloexec));
    auto b = install(second, cloexec);
    if (b.is_error()) {
        (void)fds().close(a);
        return Error(b.error());
    }
    int both[2] = {a, b.value()};
    if (user_fds.write_array(both, 2).is_error()) {
        (void)fds().close(both[0]);
        (void)fds().close(both[1]);
        return Error(EFAULT);
    }
    return {};
}

Result<void> sys_bind(int fd, UserPtr<u8> user_address, u64 length) {
    auto s = TRY(socket_for(fd));
    net::SocketAddress address;
    TRY(address_in(user_address, length, address));
    return s.socket->bind(address);
}

Result<void> sys_listen(int fd, int backlog) {
    auto s = TRY(socket_for(fd));
    constexpr int kSomaxconn = 4096;  // net.core.somaxconn
    if (backlog < 0 || backlog > kSomaxconn) backlog = kSomaxconn;
    return s.socket->listen(backlog);
}

Result<int> sys_accept4(int fd, UserPtr<u8> user_address, UserPtr<i32> user_length, u32 flags) {
    if (flags & ~(net::SOCK_NONBLOCK | net::SOCK_CLOEXEC)) return Error(EINVAL);
    auto s = TRY(socket_for(fd));
    net::SocketAddress peer;
    auto accepted = TRY(s.socket->accept(flags & net::SOCK_NONBLOCK, user_address.is_null() ? nullptr : &peer));
    // The address is written before the descriptor exists: a bad pointer loses the
    // connection (Linux closes it too) but never leaks a descriptor.
    TRY(address_out(peer, user_address, user_length));
    return install(accepted, flags & net::SOCK_CLOEXEC);
}

Result<int> sys_accept(int fd, UserPtr<u8> user_address, UserPtr<i32> user_length) {
    return sys_accept4(fd, user_address, user_length, 0);
}

Result<void> sys_connect(int fd, UserPtr<u8> user_address, u64 length) {
    auto s = TRY(socket_for(fd));
    net::SocketAddress address;
    TRY(address_in(user_address, length, address));
    return s.socket->connect(address);
}

Result<void> sys_getsockname(int fd, UserPtr<u8> user_address, UserPtr<i32> user_length) {
    auto s = TRY(socket_for(fd));
    net::SocketAddress address;
    TRY(s.socket->local_address(address));
    if (user_address.is_null() || user_length.is_null()) return Error(EFAULT);
    return address_out(address, user_address, user_length);
}

Result<void> sys_getpeername(int fd, UserPtr<u8> user_address, UserPtr<i32> user_length) {
    auto s = TRY(socket_for(fd));
    net::SocketAddress address;
    TRY(s.socket->peer_address(address));
    if (user_address.is_null() || user_length.is_null()) return Error(EFAULT);
    return address_out(address, user_address, user_length);
}

Result<usize> sys_sendto(int fd, UserPtr<const u8> buffer, usize length, u32 flags, UserPtr<u8> user_address,
                         u64 address_length) {
    auto s = TRY(socket_for(fd));
    if (length > kMaxIo) length = kMaxIo;
    if (length && !user_memory::range_ok(buffer.address(), length)) return Error(EFAULT);
    net::SocketAddress address;
    bool has_address = !user_address.is_null();
    if (has_address) TRY(address_in(user_address, address_length, address));
    fs::IoBufferBytes bytes(fs::IoBuffer::from_user(buffer.address(), length));
    net::Message message;
    message.source = &bytes;
    message.length = length;
    message.address = has_address && address.length ? &address : nullptr;
    message.flags = flags;
    return signals::sigpipe_on_epipe(s.socket->send(message),
                                     !(flags & net::MSG_NOSIGNAL) && s.socket->epipe_raises_sigpipe());
}

Result<usize> sys_recvfrom(int fd, UserPtr<u8> buffer, usize length, u32 flags, UserPtr<u8> user_address,
                           UserPtr<i32> address_length) {
    auto s = TRY(socket_for(fd));
    if (length > kMaxIo) length = kMaxIo;
    if (length && !user_memory::range_ok(buffer.address(), length)) return Error(EFAULT);
    fs::IoBufferBytes bytes(fs::IoBuffer::from_user(buffer.address(), length));
    net::SocketAddress address;
    net::Message message;
    message.sink = &bytes;
    message.length = length;
    message.address = user_address.is_null() ? nullptr : &address;
    message.flags = flags;
    usize got = TRY(s.socket->receive(message));
    if (!user_address.is_null()) TRY(address_out(address, user_address, address_length));
    if ((flags & net::MSG_TRUNC) && message.full_length > got) return message.full_length;
    return got;
}

Result<u64> sys_sendmsg(int fd, UserPtr<MsgHdr> user_header, u32 flags) {
    auto s = TRY(socket_for(fd));
    MsgHdr header = TRY(user_header.read());
    return send_message(*s.socket, header, flags);
}

Result<u64> sys_recvmsg(int fd, UserPtr<MsgHdr> user_header, u32 flags) {
    auto s = TRY(socket_for(fd));
    MsgHdr header = TRY(user_header.read());
    u64 got = TRY(receive_message(*s.socket, header, flags));
    TRY(user_header.write(header));
    return got;
}

// sendmmsg/recvmmsg: message by message; the count done so far when one fails (its error
// is then the socket's to report next time, as Linux keeps it in sk_err). The count is
// Linux's unsigned int, capped here in all 64 bits.
Result<u64> sys_sendmmsg(int fd, UserPtr<MMsgHdr> messages, u64 count, u32 flags) {
    auto s = TRY(socket_for(fd));
    if (count > kIovMax) count = kIovMax;
    u64 done = 0;
    for (; done < count; done++) {
        auto entry = messages.offset(done);
        auto header = entry.read();
        if (header.is_error()) return done ? Result<u64>(done) : Result<u64>(Error(EFAULT));
        auto sent = send_message(*s.socket, header.value().header, flags);
        if (sent.is_error()) return done ? Result<u64>(done) : sent;
        TRY(UserPtr<u32>(entry.address() + offsetof(MMsgHdr, length)).write(static_cast<u32>(sent.value())));
    }
    return done;
}

Result<u64> sys_recvmmsg(int fd, UserPtr<MMsgHdr> messages, u64 count, u32 flags, UserPtr<Timespec> user_timeout) {
    auto s = TRY(socket_for(fd));
    if (count > kIovMax) count = kIovMax;
    u64 deadline = 0;
    if (!user_timeout.is_null()) {
        Timespec timeout = TRY(user_timeout.read());
        if (timeout.tv_sec < 0 || timeout.tv_nsec < 0 || timeout.tv_nsec >= 1000000000) return Error(EINVAL);
        deadline = ktime::deadline_after_ns(static_cast<u64>(timeout.tv_sec) * 1000000000 + static_cast<u64>(timeout.tv_nsec));
    }
    u64 done = 0;
    for (; done < count; done++) {
        auto entry = messages.offset(done);
        auto read = entry.read();
        if (read.is_error()) return done ? Result<u64>(done) : Result<u64>(Error(EFAULT));
        MsgHdr header = read.value().header;
        // After the first, MSG_WAITFORONE makes the rest non-blocking.
        u32 these = done && (flags & net::MSG_WAITFORONE) ? flags | net::MSG_DONTWAIT : flags;
        auto got = receive_message(*s.socket, header, these & ~net::MSG_WAITFORONE);
        if (got.is_error()) return done ? Result<u64>(done) : got;
        TRY(entry.write({header, static_cast<u32>(got.value()), 0}));
        // The timeout is checked between datagrams, as Linux does (it bounds no single wait).
        if (deadline && static_cast<i64>(cpu::rdtsc() - deadline) >= 0) return done + 1;
    }
    return done;
}

Result<void> sys_shutdown(int fd, int how) {
    auto s = TRY(socket_for(fd));
    if (how < net::SHUT_RD || how > net::SHUT_RDWR) return Error(EINVAL);
    return s.socket->shutdown(how);
}

Result<void> sys_setsockopt(int fd, int level, int name, UserPtr<const u8> user_value, i32 length) {
    auto s = TRY(socket_for(fd));
    if (length < 0) return Error(EINVAL);
    // Checked before the value is read, in Linux's order: another level on a family without
    // options of its own, then a SOL_SOCKET value shorter than an int (SO_BINDTODEVICE
    // takes a name of any length).
    if (level != net::SOL_SOCKET && !s.socket->has_family_options()) return Error(EOPNOTSUPP);
    if (level == net::SOL_SOCKET && name != net::SO_BINDTODEVICE && static_cast<usize>(length) < sizeof(int))
        return Error(EINVAL);
    u8 value[net::Socket::kMaxOption];
    usize n = static_cast<usize>(length) < sizeof value ? static_cast<usize>(length) : sizeof value;
    if (n) TRY(user_value.read_array(value, n));
    return s.socket->set_option(level, name, value, n);
}

Result<void> sys_getsockopt(int fd, int level, int name, UserPtr<u8> user_value, UserPtr<i32> user_length) {
    auto s = TRY(socket_for(fd));
    i32 room = TRY(user_length.read());
    if (room < 0) return Error(EINVAL);
    if (level != net::SOL_SOCKET && !s.socket->has_family_options()) return Error(EOPNOTSUPP);
    u8 value[net::Socket::kMaxOption];
    usize got = TRY(s.socket->get_option(level, name, value, sizeof value));
    // As Linux: the value is cut to the caller's length, and the length says what was written.
    usize n = static_cast<usize>(room) < got ? static_cast<usize>(room) : got;
    if (n) TRY(user_value.write_array(value, n));
    return user_length.write(static_cast<i32>(n));
}

OSPREY_CALLS(socket, socketpair, bind, listen, accept, accept4, connect, getsockname, getpeername, sendto, recvfrom,
             sendmsg, recvmsg, sendmmsg, recvmmsg, shutdown, setsockopt, getsockopt)

}  // namespace linux_abi
