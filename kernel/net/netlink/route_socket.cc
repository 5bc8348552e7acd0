// AF_NETLINK sockets of protocol NETLINK_ROUTE: answers RTM_GETLINK, RTM_GETADDR and
// RTM_GETROUTE (dumps and single links) from the stack's interfaces and routing table, in
// the message format of libs/net/netlink. What a request asks is answered at once: the
// answers wait in the socket's queue of datagrams for recvmsg.
//
// Not there: changing anything through netlink (RTM_NEWADDR, RTM_NEWROUTE... are answered
// EOPNOTSUPP), neighbour dumps, and notifications: a socket may join multicast groups, but
// no event is ever sent to them (interfaces come up once, at boot).
#include <cstring>
#include <new>

#include "base/intrusive_list.h"
#include "proc/process.h"
#include "net/engine.h"
#include "net/netlink/route_messages.h"
#include "net/netlink/route_socket.h"
#include "sync/wait_queue.h"

namespace net {

namespace {

constexpr int NETLINK_ROUTE = 0;
constexpr usize kDatagramSize = 4096;   // what glibc's getifaddrs reads at a time
constexpr usize kQueueLimit = 212992;   // the receive buffer

// struct sockaddr_nl.
struct SockaddrNl {
    u16 family;
    u16 pad;
    u32 port;
    u32 groups;
};

struct Datagram {
    ListNode node;
    usize length;
    u8 bytes[kDatagramSize];
};

kstd::Atomic<u32> g_next_port{0x80000000};
// The socket holding the process's pid as its port, if any: Linux gives the pid to the
// first socket that binds while no other holds it.
kstd::Atomic<void*> g_pid_port_owner{nullptr};

class RouteSocket final : public Socket {
public:
    RouteSocket(int type, u32 flags) : Socket(AF_NETLINK, type, NETLINK_ROUTE, flags) {}
    ~RouteSocket() override {
        void* self = this;
        g_pid_port_owner.compare_exchange_strong(self, nullptr);
        while (Datagram* d = m_queue.pop_front()) delete d;
    }

    Result<void> bind(const SocketAddress& address) override {
        SockaddrNl nl = TRY(parse(address));
        m_waiters.locked([&] {
            if (nl.port) m_port = nl.port;
            m_groups = nl.groups;
        });
        TRY(autobind());
        return {};
    }

    Result<void> connect(const SocketAddress& address) override {
        SockaddrNl nl = TRY(parse(address));
        if (nl.port != 0) return Error(ECONNREFUSED);  // only the kernel (port 0) answers here
        return autobind();
    }

    Result<void> local_address(SocketAddress& out) override {
        u32 port = m_waiters.locked([&] { return m_port; });
        u32 groups = m_waiters.locked([&] { return m_groups; });
        write(out, port, groups);
        return {};
    }

    Result<void> peer_address(SocketAddress& out) override {
        write(out, 0, 0);
        return {};
    }

    Result<usize> send(Message& message) override {
        if (message.address) {
            SockaddrNl nl = TRY(parse(*message.address));
            if (nl.port != 0 || nl.groups != 0) return Error(ECONNREFUSED);
        }
        if (message.length > 65536) return Error(EMSGSIZE);
        TRY(autobind());
        auto* request = new (std::nothrow) u8[message.length ? message.length : 1];
        if (!request) return Error(ENOBUFS);
        struct Free {
            u8* p;
            ~Free() { delete[] p; }
        } free_request{request};
        TRY(message.source->copy_in(0, request, message.length));
        Result<void> answered;
        u32 port = m_waiters.locked([&] { return m_port; });
        netlink::for_each_request(request, message.length, [&](const netlink::Request& parsed) {
            netlink::Request r = parsed;
            if (r.port == 0) r.port = port;
            if (answered.is_ok() && (r.flags & netlink::NLM_F_REQUEST)) answered = answer(r);
        });
        TRY(answered);
        m_waiters.wake_all();
        notify_observers(poll_events());
        return message.length;
    }

    Result<usize> receive(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);
        bool peek = message.flags & MSG_PEEK;
        Datagram* d = nullptr;
        auto take = [&] {
            d = m_queue.front();
            if (d && !peek) {
                m_queue.remove(*d);
                m_queued -= d->length;
            }
            return d != nullptr;
        };
        if (!may_block(message.flags)) {
            if (!m_waiters.locked(take)) return Error(EAGAIN);
        } else {
            auto waited = m_waiters.wait_interruptible(take, receive_deadline());
            if (waited.is_error()) return Error(waited.error() == ETIMEDOUT ? EAGAIN : waited.error());
        }
        usize n = d->length < message.length ? d->length : message.length;
        auto copied = message.sink->copy_out(0, d->bytes, n);
        if (d->length > n) message.out_flags |= MSG_TRUNC;
        message.full_length = d->length;
        if (message.address) write(*message.address, 0, 0);
        if (!peek) delete d;
        notify_observers(poll_events());
        TRY(copied);
        return n;
    }

    Result<void> shutdown(int) override { return Error(EOPNOTSUPP); }

    u32 poll_events() override {
        bool readable = m_waiters.locked([&] { return !m_queue.empty(); });
        return fs::POLLOUT | fs::POLLWRNORM | (readable ? fs::POLLIN | fs::POLLRDNORM : 0);
    }

protected:
    Result<void> set_family_option(int level, int, const u8*, usize) override {
        constexpr int SOL_NETLINK = 270;
        // NETLINK_ADD_MEMBERSHIP, NETLINK_EXT_ACK, NETLINK_GET_STRICT_CHK...: accepted only
        // where they change nothing we would do differently.
        if (level == SOL_NETLINK) return {};
        return Error(ENOPROTOOPT);
    }

private:
    static Result<SockaddrNl> parse(const SocketAddress& address) {
        if (address.length < sizeof(SockaddrNl)) return Error(EINVAL);
        SockaddrNl nl;
        memcpy(&nl, address.bytes, sizeof nl);
        if (nl.family != AF_NETLINK) return Error(EINVAL);
        return nl;
    }

    static void write(SocketAddress& out, u32 port, u32 groups) {
        out = {};
        SockaddrNl nl{static_cast<u16>(AF_NETLINK), 0, port, groups};
        memcpy(out.bytes, &nl, sizeof nl);
        out.length = sizeof nl;
    }

    // A socket gets its port at its first bind or send: the process's pid while no other
    // socket holds it, else unique numbers (as Linux's netlink_autobind does).
    Result<void> autobind() {
        m_waiters.locked([&] {
            if (m_port) return;
            void* none = nullptr;
            if (g_pid_port_owner.compare_exchange_strong(none, this)) {
                m_port = static_cast<u32>(proc::Process::current().pid());
            } else {
                m_port = g_next_port.fetch_add(1);
            }
        });
        return {};
    }

    // Answers one request into the queue.
    Result<void> answer(const netlink::Request& request) {
        Datagram* current = nullptr;
        auto start = [&]() -> Result<void> {
            if (current) TRY(enqueue(current));
            current = new (std::nothrow) Datagram;
            if (!current) return Error(ENOBUFS);
            current->length = 0;
            return {};
        };
        // Appends through `add`, starting a new datagram when the current one is full.
        auto append = [&](auto&& add) -> Result<void> {
            if (!current) TRY(start());
            netlink::Writer w(current->bytes + current->length, kDatagramSize - current->length);
            if (add(w)) {
                current->length += w.length();
                return {};
            }
            TRY(start());
            netlink::Writer fresh(current->bytes, kDatagramSize);
            if (!add(fresh)) return Error(EMSGSIZE);
            current->length = fresh.length();
            return {};
        };
        u16 multi = netlink::NLM_F_MULTI;
        Result<void> status;
        {
            StackAccess access;
            NetStack& stack = access.stack();
            switch (request.type) {
                case netlink::RTM_GETLINK:
                    if (request.dump()) {
                        stack.for_each_interface([&](const Interface& i) {
                            if (status.is_ok()) status = append([&](netlink::Writer& w) { return w.add_link(link_of(i), request, multi); });
                        });
                    } else {
                        const Interface* i = request.index > 0 ? stack.interface(static_cast<unsigned>(request.index))
                                                                : stack.interface_by_name(request.name);
                        if (!i)
                            status = append([&](netlink::Writer& w) { return w.add_error(ENODEV, request); });
                        else
                            status = append([&](netlink::Writer& w) { return w.add_link(link_of(*i), request, 0); });
                        if (status.is_ok()) status = finish(current);
                        return status;
                    }
                    break;
                case netlink::RTM_GETADDR:
                    if (request.family != 0 && request.family != AF_INET) break;  // no IPv6 addresses
                    stack.for_each_interface([&](const Interface& i) {
                        if (!i.address() || status.is_error()) return;
                        status = append([&](netlink::Writer& w) { return w.add_address(address_of(i), request, multi); });
                    });
                    break;
                case netlink::RTM_GETROUTE:
                    if (request.family != 0 && request.family != AF_INET) break;
                    for (const ipv4::Route& r : stack.routes()) {
                        if (status.is_error()) break;
                        status = append([&](netlink::Writer& w) { return w.add_route(route_of(stack, r), request, multi); });
                    }
                    break;
                default:
                    status = append([&](netlink::Writer& w) { return w.add_error(EOPNOTSUPP, request); });
                    if (status.is_ok()) status = finish(current);
                    return status;
            }
        }
        TRY(status);
        if (request.dump()) TRY(append([&](netlink::Writer& w) { return w.add_done(request); }));
        else if (request.flags & netlink::NLM_F_ACK) TRY(append([&](netlink::Writer& w) { return w.add_error(0, request); }));
        return finish(current);
    }

    Result<void> finish(Datagram* last) { return last ? enqueue(last) : Result<void>(); }

    Result<void> enqueue(Datagram* d) {
        bool fits = m_waiters.locked([&] {
            if (m_queued + d->length > kQueueLimit) return false;
            m_queue.push_back(*d);
            m_queued += d->length;
            return true;
        });
        if (!fits) {
            delete d;
            return Error(ENOBUFS);
        }
        return {};
    }

    static void copy_name(char (&out)[16], const char* name) {
        usize i = 0;
        for (; i < 15 && name[i]; i++) out[i] = name[i];
        out[i] = 0;
    }

    static netlink::LinkInfo link_of(const Interface& i) {
        netlink::LinkInfo l;
        l.index = i.index();
        copy_name(l.name, i.name());
        l.type = i.is_loopback() ? netlink::ARPHRD_LOOPBACK : netlink::ARPHRD_ETHER;
        l.flags = i.flags();
        l.mtu = i.mtu();
        l.address = i.mac();
        if (!i.is_loopback()) l.broadcast = kMacBroadcast;
        l.operstate = i.is_loopback() ? netlink::IF_OPER_UNKNOWN : (i.running() ? netlink::IF_OPER_UP : netlink::IF_OPER_DOWN);
        const InterfaceCounters& c = i.counters();
        l.counters = {c.rx_packets, c.tx_packets, c.rx_bytes, c.tx_bytes, c.rx_errors, c.tx_errors, c.rx_dropped, c.tx_dropped, 0};
        return l;
    }

    static netlink::AddressInfo address_of(const Interface& i) {
        netlink::AddressInfo a;
        a.index = i.index();
        a.address = i.address()->address;
        a.prefix_length = i.address()->length;
        a.broadcast = i.broadcast_address();
        a.scope = i.is_loopback() ? netlink::RT_SCOPE_HOST : netlink::RT_SCOPE_UNIVERSE;
        copy_name(a.label, i.name());
        const IpConfig* config = i.config();
        if (config && config->lease_seconds != IpConfig::kInfiniteLease)
            a.valid_lifetime = a.preferred_lifetime = config->lease_seconds;
        return a;
    }

    static netlink::RouteInfo route_of(NetStack& stack, const ipv4::Route& r) {
        netlink::RouteInfo out;
        out.destination = r.destination.address;
        out.prefix_length = r.destination.length;
        out.gateway = r.gateway;
        out.output_index = r.interface_index;
        out.priority = r.metric;
        out.scope = r.gateway.is_any() ? netlink::RT_SCOPE_LINK : netlink::RT_SCOPE_UNIVERSE;
        switch (r.origin) {
            case ipv4::RouteOrigin::Kernel: out.protocol = netlink::RTPROT_KERNEL; break;
            case ipv4::RouteOrigin::Boot: out.protocol = netlink::RTPROT_BOOT; break;
            case ipv4::RouteOrigin::Dhcp: out.protocol = netlink::RTPROT_DHCP; break;
            case ipv4::RouteOrigin::Static: out.protocol = netlink::RTPROT_STATIC; break;
        }
        if (r.origin == ipv4::RouteOrigin::Kernel) {
            if (const Interface* i = stack.interface(r.interface_index); i && i->address())
                out.preferred_source = i->address()->address;
        }
        return out;
    }

    WaitQueue m_waiters;  // its lock guards everything below
    u32 m_port = 0;
    u32 m_groups = 0;
    IntrusiveList<Datagram, &Datagram::node> m_queue;
    usize m_queued = 0;
};

}  // namespace

Result<RefPtr<Socket>> create_route_socket(int type, int protocol, u32 status_flags) {
    if (type != SOCK_RAW && type != SOCK_DGRAM) return Error(ESOCKTNOSUPPORT);
    if (protocol != NETLINK_ROUTE) return Error(EPROTONOSUPPORT);
    if (!engine::started()) return Error(EAFNOSUPPORT);
    auto* socket = new (std::nothrow) RouteSocket(type, status_flags);
    if (!socket) return Error(ENOMEM);
    return RefPtr<Socket>::adopt(socket);
}

}  // namespace net
