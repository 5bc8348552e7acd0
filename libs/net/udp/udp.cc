#include "net/udp/udp.h"

#include <new>

#include "net/checksum.h"
#include "net/ipv4/icmp.h"
#include "net/mix.h"
#include "net/tail_bytes.h"

namespace net::udp {

namespace {

// A ByteSource's bytes in a kernel buffer: small datagrams on the stack, others on the heap.
class PayloadCopy {
public:
    Result<void> fill(const ByteSource& data, usize length) {
        if (length > sizeof m_small) {
            m_heap = new (std::nothrow) u8[length];
            if (!m_heap) return Error(ENOBUFS);
        }
        if (length) TRY(data.copy_in(0, bytes(), length));
        return {};
    }
    ~PayloadCopy() { delete[] m_heap; }
    u8* bytes() { return m_heap ? m_heap : m_small; }

private:
    u8 m_small[512];
    u8* m_heap = nullptr;
};

}  // namespace

Udp::Udp(IpSender& ip, UdpHost& host, RandomSource& random, Events& events)
    : m_ip(ip), m_host(host), m_random(random), m_events(events), m_hash_secret(random.next_u64()) {}

Udp::~Udp() {
    while (Socket* s = m_all.front()) destroy(*s);
}

Result<Socket*> Udp::create_socket() {
    Socket* s = new (std::nothrow) Socket(*this);
    if (!s) return Error(ENOMEM);
    m_all.push_back(*s);
    return s;
}

void Udp::destroy(Socket& socket) {
    unhash(socket);
    m_all.remove(socket);
    delete &socket;
}

// ---- Ports ----

bool Udp::conflicts(const Socket& socket, Ipv4Address address, u16 port) const {
    bool conflict = false;
    bucket(port).for_each([&](Socket& other) {
        if (&other == &socket || other.m_local.port != port) return;
        bool overlap = address.is_any() || other.m_local.address.is_any() || address == other.m_local.address;
        if (!overlap) return;
        if (socket.m_options.reuse_address && other.m_options.reuse_address) return;
        if (socket.m_options.reuse_port && other.m_options.reuse_port) return;
        conflict = true;
    });
    return conflict;
}

bool Udp::port_in_use(u16 port) const {
    bool used = false;
    bucket(port).for_each([&](Socket& other) { used |= other.m_local.port == port; });
    return used;
}

Result<u16> Udp::pick_ephemeral_port() {
    constexpr u32 range = kEphemeralLast - kEphemeralFirst + 1;
    u32 start = static_cast<u32>(m_random.next_u64() % range);
    for (u32 i = 0; i < range; i++) {
        u16 port = static_cast<u16>(kEphemeralFirst + (start + i) % range);
        if (!port_in_use(port)) return port;
    }
    return Error(EADDRINUSE);
}

void Udp::hash_in(Socket& socket) {
    socket.m_bound = true;
    socket.m_bind_sequence = ++m_bind_sequence;
    bucket(socket.m_local.port).push_back(socket);
}

void Udp::unhash(Socket& socket) {
    if (!socket.m_bound) return;
    bucket(socket.m_local.port).remove(socket);
    socket.m_bound = false;
}

Result<void> Udp::bind(Socket& socket, Endpoint local, bool explicit_bind) {
    Ipv4Address a = local.address;
    bool broadcast = a.is_limited_broadcast() || m_host.is_broadcast(a);
    if (!a.is_any() && !broadcast && !a.is_multicast() && !m_ip.is_local(a)) return Error(EADDRNOTAVAIL);
    u16 port = local.port;
    if (port == 0) {
        port = TRY(pick_ephemeral_port());
    } else if (conflicts(socket, a, port)) {
        return Error(EADDRINUSE);
    }
    socket.m_local = {a, port};
    // Sends from a socket bound to a broadcast or multicast address use the route's source.
    socket.m_source = (broadcast || a.is_multicast()) ? kIpv4Any : a;
    socket.m_address_locked = explicit_bind && !a.is_any();
    socket.m_port_locked = explicit_bind && local.port != 0;
    hash_in(socket);
    return {};
}

Result<void> Udp::autobind(Socket& socket) {
    if (socket.m_bound) return {};
    // An address bound on purpose stays through a disconnect that gave the port up.
    if (socket.m_address_locked) {
        TRY(bind(socket, {socket.m_local.address, 0}, false));
        socket.m_address_locked = true;
        return {};
    }
    return bind(socket, {kIpv4Any, 0}, false);
}

// ---- Connect ----

static Ipv4Address resolve_any(Ipv4Address destination, Ipv4Address source) {
    // Linux sends to 0.0.0.0 as to this host.
    if (!destination.is_any()) return destination;
    return source.is_any() ? kIpv4Loopback : source;
}

Result<void> Udp::connect(Socket& socket, Endpoint remote) {
    remote.address = resolve_any(remote.address, socket.m_source);
    bool broadcast = remote.address.is_limited_broadcast() || m_host.is_broadcast(remote.address);
    if (broadcast && !socket.m_options.broadcast) return Error(EACCES);
    Ipv4Address source = socket.m_source;
    if (source.is_any()) source = TRY(m_ip.source_for(remote.address));
    TRY(autobind(socket));
    if (socket.m_local.address.is_any()) {
        // The socket now receives only on the address it sends from (as Linux rehashes).
        Socket& s = socket;
        unhash(s);
        s.m_local.address = source;
        s.m_source = source;
        hash_in(s);
    }
    socket.m_remote = remote;
    socket.m_connected = true;
    return {};
}

void Udp::disconnect(Socket& socket) {
    socket.m_connected = false;
    socket.m_remote = {};
    if (!socket.m_bound) return;
    if (!socket.m_port_locked) {
        // The port the kernel chose is given up; an address bound on purpose stays (as
        // Linux's __udp_disconnect keeps a SOCK_BINDADDR_LOCK address).
        unhash(socket);
        socket.m_local.port = 0;
        if (!socket.m_address_locked) {
            socket.m_local.address = kIpv4Any;
            socket.m_source = kIpv4Any;
        }
        return;
    }
    if (!socket.m_address_locked && !socket.m_local.address.is_any()) {
        unhash(socket);
        socket.m_local.address = kIpv4Any;
        socket.m_source = kIpv4Any;
        hash_in(socket);
    }
}

// ---- Send ----

Result<usize> Udp::send(Socket& socket, const ByteSource& data, usize length, const std::optional<Endpoint>& to,
                        Nanos now) {
    if (socket.m_error) return Error(socket.take_error());
    Endpoint destination;
    if (to) {
        destination = *to;
        if (destination.port == 0) return Error(EINVAL);
    } else if (socket.m_connected) {
        destination = socket.m_remote;
    } else {
        return Error(EDESTADDRREQ);
    }
    if (length > kMaxPayload) return Error(EMSGSIZE);
    destination.address = resolve_any(destination.address, socket.m_source);
    bool broadcast = destination.address.is_limited_broadcast() || m_host.is_broadcast(destination.address);
    if (broadcast && !socket.m_options.broadcast) return Error(EACCES);

    Ipv4Address source = socket.m_source;
    if (source.is_any()) source = TRY(m_ip.source_for(destination.address));
    TRY(autobind(socket));

    PayloadCopy payload;
    TRY(payload.fill(data, length));
    u16 udp_length = static_cast<u16>(kHeaderSize + length);
    Checksum pseudo;
    pseudo.add_pseudo_header(source, destination.address, kProtoUdp, udp_length);
    u8 header[kHeaderSize];
    // The field holds the pseudo-header sum; the IP layer (or the device) finishes it.
    store_header(header, {socket.m_local.port, destination.port, udp_length, static_cast<u16>(~pseudo.finish())});

    IpSendOptions options;
    options.ttl = socket.m_options.ttl;
    options.tos = socket.m_options.tos;
    options.checksum_field = static_cast<int>(kChecksumOffset);
    switch (socket.m_options.pmtu) {
        case PmtuMode::Dont: options.dont_fragment = false; break;
        case PmtuMode::Want: options.dont_fragment = udp_length <= m_ip.max_payload(destination.address); break;
        case PmtuMode::Do:
        case PmtuMode::Probe: options.dont_fragment = true; break;
    }
    Gather packet(header, sizeof header);
    packet.append(payload.bytes(), length);
    auto sent = m_ip.send(source, destination.address, kProtoUdp, packet, options, now);
    if (sent.is_error()) {
        if (sent.error() == ENOBUFS) m_stats.sndbuf_errors++;
        return Error(sent.error());
    }
    m_stats.out_datagrams++;
    return length;
}

// ---- Receive ----

int Udp::score(const Socket& s, Ipv4Address source, u16 source_port, Ipv4Address destination, u16 port) const {
    if (s.m_local.port != port) return -1;
    int score = 0;
    if (!s.m_local.address.is_any()) {
        if (s.m_local.address != destination) return -1;
        score += 4;
    }
    if (s.m_connected) {
        if (s.m_remote.address != source || s.m_remote.port != source_port) return -1;
        score += 8;
    }
    return score;
}

Socket* Udp::lookup(Ipv4Address source, u16 source_port, Ipv4Address destination, u16 port) const {
    Socket* best = nullptr;
    int best_score = -1;
    usize group = 0;  // sockets of best's SO_REUSEPORT group seen so far
    u64 flow = mix64(m_hash_secret ^ (static_cast<u64>(source.value) << 16 | source_port));
    bucket(port).for_each([&](Socket& s) {
        int sc = score(s, source, source_port, destination, port);
        if (sc < 0) return;
        if (sc > best_score) {
            best = &s;
            best_score = sc;
            group = 1;
            return;
        }
        if (sc < best_score) return;
        if (best->m_options.reuse_port && s.m_options.reuse_port) {
            // Reservoir choice keyed by the flow: one socket of the group, the same one for
            // every datagram of a flow while the group is unchanged.
            group++;
            if (mix64(flow + group) % group == 0) best = &s;
            return;
        }
        if (s.m_bind_sequence > best->m_bind_sequence) best = &s;
    });
    return best;
}

bool Udp::is_broadcast_destination(const IpPacketInfo& info) const {
    return info.link_broadcast || info.destination.is_limited_broadcast() || info.destination.is_multicast() ||
           m_host.is_broadcast(info.destination);
}

void Udp::deliver(Socket& socket, const IpPacketInfo& info, u16 source_port, const u8* data, usize length) {
    // As Linux: admitted while the queue is within the buffer, so one datagram may overshoot it.
    if (socket.m_queued_bytes > socket.m_options.receive_buffer) {
        m_stats.rcvbuf_errors++;
        m_stats.in_errors++;
        socket.m_drops++;
        return;
    }
    auto* d = new_with_bytes<Socket::Datagram>(length);
    if (!d) {
        m_stats.rcvbuf_errors++;
        m_stats.in_errors++;
        socket.m_drops++;
        return;
    }
    d->source = {info.source, source_port};
    d->destination = info.destination;
    d->interface_index = info.interface_index;
    d->length = length;
    d->charge = length + kDatagramOverhead;
    for (usize i = 0; i < length; i++) bytes_after(d)[i] = data[i];
    if (socket.m_queue_tail)
        socket.m_queue_tail->next = d;
    else
        socket.m_queue_head = d;
    socket.m_queue_tail = d;
    socket.m_queued_bytes += d->charge;
    m_stats.in_datagrams++;
    m_events.changed(socket, Events::kReadable);
}

void Udp::receive(const IpPacketInfo& info, const u8* datagram, usize length, Nanos now) {
    if (length < kHeaderSize) {
        m_stats.in_errors++;
        return;
    }
    Header h = load_header(datagram);
    if (h.length < kHeaderSize || h.length > length) {
        m_stats.in_errors++;
        return;
    }
    length = h.length;  // anything after the UDP length is padding
    if (!info.checksum_verified && !checksum_ok(info.source, info.destination, datagram, length)) {
        m_stats.in_csum_errors++;
        m_stats.in_errors++;
        return;
    }
    const u8* data = datagram + kHeaderSize;
    usize data_length = length - kHeaderSize;

    if (is_broadcast_destination(info)) {
        // Every matching socket gets its own copy (Events may not close sockets, so the
        // walk is safe).
        bool any = false;
        bucket(h.destination_port).for_each([&](Socket& s) {
            if (s.m_local.port != h.destination_port) return;
            if (!s.m_local.address.is_any() && s.m_local.address != info.destination) return;
            if (s.m_connected && (s.m_remote.address != info.source || s.m_remote.port != h.source_port)) return;
            any = true;
            deliver(s, info, h.source_port, data, data_length);
        });
        if (!any) m_stats.ignored_multi++;
        return;
    }
    Socket* s = lookup(info.source, h.source_port, info.destination, h.destination_port);
    if (!s) {
        m_stats.no_ports++;
        m_host.port_unreachable(info, datagram, length, now);
        return;
    }
    deliver(*s, info, h.source_port, data, data_length);
}

void Udp::icmp_error(u8 type, u8 code, u16, const u8* quoted, usize length, Nanos) {
    usize ihl = static_cast<usize>(quoted[0] & 0x0f) * 4;
    if (length < ihl + kHeaderSize) return;
    Ipv4Address our_address = Ipv4Address::load(quoted + 12);
    Ipv4Address their_address = Ipv4Address::load(quoted + 16);
    Header h = load_header(quoted + ihl);
    // The socket that sent it, found as a reply from the peer would find it.
    Socket* s = lookup(their_address, h.destination_port, our_address, h.source_port);
    if (!s) return;
    auto e = ipv4::icmp_errno(type, code);
    // Without IP_RECVERR, Linux reports only hard errors, and only to connected sockets.
    if (!e.error || !e.fatal || !s->m_connected) return;
    s->m_error = e.error;
    m_events.changed(*s, Events::kError);
}

}  // namespace net::udp
