// AF_INET SOCK_DGRAM: libs/net's UDP socket (net/udp/socket.h) behind the Socket
// interface. Sending never blocks (a datagram is handed to IP at once); receiving waits for
// a datagram.
#include <cstring>
#include <new>

#include "linux/ioctl_numbers.h"
#include "mm/user_memory.h"
#include "net/inet/inet_socket.h"
#include "net/udp/socket.h"
#include "net/udp/udp.h"

namespace net {

namespace {

constexpr int IP_MTU_DISCOVER = 10, IP_PMTUDISC_DONT = 0, IP_PMTUDISC_WANT = 1, IP_PMTUDISC_DO = 2,
              IP_PMTUDISC_PROBE = 3;

class UdpSocket final : public InetSocket {
public:
    UdpSocket(udp::Socket* socket, int protocol, u32 flags) : InetSocket(SOCK_DGRAM, protocol, flags), m_udp(socket) {
        m_udp->user = static_cast<StackEvents*>(this);
        m_options.receive_buffer = m_options.send_buffer = static_cast<int>(udp::kDefaultBufferSize);
    }
    ~UdpSocket() override {
        StackAccess stack;
        m_udp->user = nullptr;
        m_udp->close();
    }

    Result<void> bind(const SocketAddress& address) override {
        Endpoint local = TRY(endpoint_from(address, true));
        StackAccess stack;
        if (local.address.value != 0 && address.family() == AF_UNSPEC) return Error(EAFNOSUPPORT);
        return m_udp->bind(local);
    }

    Result<void> connect(const SocketAddress& address) override {
        if (address.length >= 2 && address.family() == AF_UNSPEC) {
            StackAccess stack;
            m_udp->disconnect();
            return {};
        }
        Endpoint remote = TRY(endpoint_from(address, false));
        StackAccess stack;
        auto connected = m_udp->connect(remote);
        refresh_events();
        return connected;
    }

    Result<void> local_address(SocketAddress& out) override {
        StackAccess stack;
        endpoint_to(m_udp->local(), out);
        return {};
    }

    Result<void> peer_address(SocketAddress& out) override {
        StackAccess stack;
        auto remote = m_udp->remote();
        if (!remote) return Error(ENOTCONN);
        endpoint_to(*remote, out);
        return {};
    }

    Result<usize> send(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
        if (message.ancillary && message.ancillary->file_count) return Error(EINVAL);
        std::optional<Endpoint> to;
        if (message.address) to = TRY(endpoint_from(*message.address, true));
        if (to && to->port == 0) return Error(EINVAL);
        StackAccess stack;
        if (m_shut_write) return Error(EPIPE);
        return m_udp->send(*message.source, message.length, to, stack.now());
    }

    Result<usize> receive(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
        if (message.flags & MSG_ERRQUEUE) return Error(EAGAIN);  // no error queue
        bool peek = message.flags & MSG_PEEK;
        auto got = blocking(may_block(message.flags), receive_deadline(), [&](StackAccess&) -> Result<udp::Received> {
            auto r = m_udp->receive(*message.sink, message.length, peek);
            // After shutdown(SHUT_RD) an empty queue reads as end-of-file.
            if (r.is_error() && r.error() == EAGAIN && m_shut_read) return udp::Received{};
            return r;
        });
        if (got.is_error()) return Error(got.error());
        const udp::Received& r = got.value();
        if (r.length > r.copied) message.out_flags |= MSG_TRUNC;
        message.full_length = r.length;
        if (message.address) endpoint_to(r.source, *message.address);
        return r.copied;
    }

    Result<void> shutdown(int how) override {
        StackAccess stack;
        if (how != SHUT_WR) m_shut_read = true;
        if (how != SHUT_RD) m_shut_write = true;
        bool connected = m_udp->is_connected();
        refresh_events();
        m_waiters.locked([&] { m_generation++; });
        m_waiters.wake_all();
        // Linux marks the socket shut either way, but an unconnected one reports ENOTCONN.
        return connected ? Result<void>() : Result<void>(Error(ENOTCONN));
    }

protected:
    u32 compute_events() override {
        u32 events = fs::POLLOUT | fs::POLLWRNORM | 0x200 /* POLLWRBAND */;
        if (m_udp->readable()) events |= fs::POLLIN | fs::POLLRDNORM;
        if (m_udp->has_error()) events |= fs::POLLERR;
        if (m_shut_read) events |= fs::POLLIN | fs::POLLRDNORM | fs::POLLRDHUP;
        if (m_shut_read && m_shut_write) events |= fs::POLLHUP;
        return events;
    }

    int take_error() override {
        StackAccess stack;
        int e = m_udp->take_error();
        refresh_events();
        return e;
    }

    void common_option_changed(int name) override {
        StackAccess stack;
        udp::Options& o = m_udp->options();
        switch (name) {
            case SO_REUSEADDR: o.reuse_address = m_options.reuse_address; break;
            case SO_REUSEPORT: o.reuse_port = m_options.reuse_port; break;
            case SO_BROADCAST: o.broadcast = m_options.broadcast; break;
            case SO_RCVBUF: case SO_RCVBUFFORCE: o.receive_buffer = static_cast<usize>(m_options.receive_buffer); break;
            case SO_SNDBUF: case SO_SNDBUFFORCE: o.send_buffer = static_cast<usize>(m_options.send_buffer); break;
            default: break;
        }
    }

    Result<void> set_family_option(int level, int name, const u8* value, usize length) override {
        if (level == SOL_UDP) return Error(ENOPROTOOPT);  // UDP_CORK, UDP_SEGMENT: not yet
        if (level != SOL_IP) return Error(ENOPROTOOPT);
        StackAccess stack;
        udp::Options& o = m_udp->options();
        if (name == IP_MTU_DISCOVER) {
            if (length < sizeof(int)) return Error(EINVAL);
            int v;
            memcpy(&v, value, sizeof v);
            switch (v) {
                case IP_PMTUDISC_DONT: o.pmtu = udp::PmtuMode::Dont; break;
                case IP_PMTUDISC_WANT: o.pmtu = udp::PmtuMode::Want; break;
                case IP_PMTUDISC_DO: o.pmtu = udp::PmtuMode::Do; break;
                case IP_PMTUDISC_PROBE: o.pmtu = udp::PmtuMode::Probe; break;
                default: return Error(EINVAL);
            }
            return {};
        }
        return set_ip_option(name, value, length, o.ttl, o.tos);
    }

    Result<usize> get_family_option(int level, int name, u8* out, usize capacity) override {
        if (level != SOL_IP) return Error(ENOPROTOOPT);
        StackAccess stack;
        const udp::Options& o = m_udp->options();
        if (name == IP_MTU_DISCOVER) {
            int v = static_cast<int>(o.pmtu);
            usize n = capacity < sizeof v ? capacity : sizeof v;
            memcpy(out, &v, n);
            return n;
        }
        return get_ip_option(name, out, capacity, o.ttl, o.tos);
    }

    Result<u64> family_ioctl(u32 request, u64 argument) override {
        int value;
        {
            StackAccess stack;
            if (request == linux_abi::ioctl::FIONREAD)
                value = static_cast<int>(m_udp->next_datagram_length());
            else if (request == linux_abi::ioctl::SIOCOUTQ)
                value = 0;  // sent datagrams leave at once
            else
                return Error(ENOTTY);
        }
        TRY(UserPtr<int>(argument).write(value));
        return 0;
    }

private:
    udp::Socket* m_udp;  // owned until the destructor closes it; used under the stack lock
    bool m_shut_read = false, m_shut_write = false;  // guarded by the stack lock
};

}  // namespace

Result<RefPtr<Socket>> create_udp_socket(int protocol, u32 status_flags) {
    if (protocol != IPPROTO_IP && protocol != IPPROTO_UDP) return Error(EPROTONOSUPPORT);
    if (!engine::started()) return Error(EAFNOSUPPORT);
    StackAccess stack;
    udp::Socket* raw = TRY(stack.udp().create_socket());
    auto* socket = new (std::nothrow) UdpSocket(raw, IPPROTO_UDP, status_flags);
    if (!socket) {
        raw->close();
        return Error(ENOMEM);
    }
    static_cast<StackEvents*>(socket)->stack_changed(0);
    return RefPtr<Socket>::adopt(socket);
}

}  // namespace net
