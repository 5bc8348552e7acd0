#include "net/netlink/route_messages.h"

namespace net::netlink {

namespace {

constexpr u16 IFLA_ADDRESS = 1, IFLA_BROADCAST = 2, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_TXQLEN = 13,
              IFLA_OPERSTATE = 16, IFLA_LINKMODE = 17, IFLA_STATS64 = 23, IFLA_CARRIER = 33;
constexpr u16 IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
constexpr u16 RTA_DST = 1, RTA_OIF = 4, RTA_GATEWAY = 5, RTA_PRIORITY = 6, RTA_PREFSRC = 7, RTA_TABLE = 15;
constexpr u32 IFA_F_PERMANENT = 0x80;
constexpr u8 AF_INET = 2;

void put16(u8* p, u16 v) {
    p[0] = static_cast<u8>(v);
    p[1] = static_cast<u8>(v >> 8);
}
void put32(u8* p, u32 v) {
    for (int i = 0; i < 4; i++) p[i] = static_cast<u8>(v >> (8 * i));
}
u16 get16(const u8* p) { return static_cast<u16>(p[0] | p[1] << 8); }
u32 get32(const u8* p) { return static_cast<u32>(p[0]) | static_cast<u32>(p[1]) << 8 | static_cast<u32>(p[2]) << 16 | static_cast<u32>(p[3]) << 24; }

usize name_length(const char* name, usize capacity) {
    usize n = 0;
    while (n < capacity && name[n]) n++;
    return n;
}

}  // namespace

Result<Request> parse_request(const u8* bytes, usize length) {
    if (length < kHeaderSize) return Error(EINVAL);
    Request r;
    r.length = get32(bytes);
    if (r.length < kHeaderSize || r.length > length) return Error(EINVAL);
    r.type = get16(bytes + 4);
    r.flags = get16(bytes + 6);
    r.sequence = get32(bytes + 8);
    r.port = get32(bytes + 12);
    usize body = r.length - kHeaderSize;
    const u8* p = bytes + kHeaderSize;
    if (body >= 1) r.family = p[0];
    // RTM_GETLINK for one interface: struct ifinfomsg (16 bytes), then attributes.
    if (r.type == RTM_GETLINK && body >= 16) {
        r.index = static_cast<i32>(get32(p + 4));
        usize offset = 16;
        while (offset <= body && body - offset >= 4) {
            u16 attr_length = get16(p + offset);
            u16 attr_type = get16(p + offset + 2);
            if (attr_length < 4 || attr_length > body - offset) break;
            if (attr_type == IFLA_IFNAME) {
                usize n = attr_length - 4;
                if (n > sizeof r.name - 1) n = sizeof r.name - 1;
                for (usize i = 0; i < n; i++) r.name[i] = static_cast<char>(p[offset + 4 + i]);
            }
            if (align4(attr_length) > body - offset) break;  // the last one, unpadded
            offset += align4(attr_length);
        }
    }
    return r;
}

u8* Writer::begin(usize fixed) {
    m_start = m_length;
    m_overflow = false;
    usize need = kHeaderSize + align4(fixed);
    if (m_capacity - m_length < need) {
        m_overflow = true;
        return nullptr;
    }
    for (usize i = 0; i < need; i++) m_buffer[m_length + i] = 0;
    m_length += need;
    return m_buffer + m_start + kHeaderSize;
}

bool Writer::attribute(u16 type, const void* data, usize length) {
    if (m_overflow) return false;
    usize need = align4(4 + length);
    if (m_capacity - m_length < need) {
        m_overflow = true;
        return false;
    }
    u8* p = m_buffer + m_length;
    put16(p, static_cast<u16>(4 + length));
    put16(p + 2, type);
    const u8* src = static_cast<const u8*>(data);
    for (usize i = 0; i < length; i++) p[4 + i] = src[i];
    for (usize i = 4 + length; i < need; i++) p[i] = 0;
    m_length += need;
    return true;
}

bool Writer::finish(u16 type, u16 flags, const Request& request) {
    if (m_overflow) {
        m_length = m_start;  // undo the partial message
        return false;
    }
    u8* h = m_buffer + m_start;
    put32(h, static_cast<u32>(m_length - m_start));
    put16(h + 4, type);
    put16(h + 6, flags);
    put32(h + 8, request.sequence);
    put32(h + 12, request.port);
    return true;
}

bool Writer::add_link(const LinkInfo& link, const Request& request, u16 flags) {
    u8* body = begin(16);
    if (!body) return false;
    body[0] = 0;  // AF_UNSPEC
    put16(body + 2, link.type);
    put32(body + 4, link.index);
    put32(body + 8, link.flags);
    put32(body + 12, 0);
    char name[16] = {};
    usize n = name_length(link.name, sizeof link.name - 1);
    for (usize i = 0; i < n; i++) name[i] = link.name[i];
    attribute(IFLA_IFNAME, name, n + 1);
    u32 txqlen = link.tx_queue_length, mtu = link.mtu;
    attribute(IFLA_TXQLEN, &txqlen, 4);
    attribute(IFLA_OPERSTATE, &link.operstate, 1);
    u8 linkmode = 0;
    attribute(IFLA_LINKMODE, &linkmode, 1);
    attribute(IFLA_MTU, &mtu, 4);
    u8 carrier = (link.flags & IFF_LOWER_UP) ? 1 : 0;
    attribute(IFLA_CARRIER, &carrier, 1);
    attribute(IFLA_ADDRESS, link.address.bytes, 6);
    attribute(IFLA_BROADCAST, link.broadcast.bytes, 6);
    // struct rtnl_link_stats64: 24 u64 counters, the first eight are these.
    u64 stats[24] = {link.counters.rx_packets, link.counters.tx_packets, link.counters.rx_bytes, link.counters.tx_bytes,
                     link.counters.rx_errors,  link.counters.tx_errors,  link.counters.rx_dropped, link.counters.tx_dropped,
                     link.counters.multicast};
    attribute(IFLA_STATS64, stats, sizeof stats);
    return finish(RTM_NEWLINK, flags, request);
}

bool Writer::add_address(const AddressInfo& address, const Request& request, u16 flags) {
    u8* body = begin(8);
    if (!body) return false;
    body[0] = AF_INET;
    body[1] = address.prefix_length;
    body[2] = static_cast<u8>(IFA_F_PERMANENT);
    body[3] = address.scope;
    put32(body + 4, address.index);
    u8 a[4];
    address.address.store(a);
    attribute(IFA_ADDRESS, a, 4);
    attribute(IFA_LOCAL, a, 4);
    if (!address.broadcast.is_any()) {
        u8 b[4];
        address.broadcast.store(b);
        attribute(IFA_BROADCAST, b, 4);
    }
    char label[16] = {};
    usize n = name_length(address.label, sizeof address.label - 1);
    for (usize i = 0; i < n; i++) label[i] = address.label[i];
    attribute(IFA_LABEL, label, n + 1);
    u32 f = IFA_F_PERMANENT;
    attribute(IFA_FLAGS, &f, 4);
    // struct ifa_cacheinfo: preferred, valid, created and updated times (centiseconds).
    u32 cacheinfo[4] = {address.preferred_lifetime, address.valid_lifetime, 0, 0};
    attribute(IFA_CACHEINFO, cacheinfo, sizeof cacheinfo);
    return finish(RTM_NEWADDR, flags, request);
}

bool Writer::add_route(const RouteInfo& route, const Request& request, u16 flags) {
    u8* body = begin(12);
    if (!body) return false;
    body[0] = AF_INET;
    body[1] = route.prefix_length;
    body[2] = 0;  // src_len
    body[3] = 0;  // tos
    body[4] = route.table;
    body[5] = route.protocol;
    body[6] = route.scope;
    body[7] = route.type;
    put32(body + 8, 0);
    u32 table = route.table;
    attribute(RTA_TABLE, &table, 4);
    u8 a[4];
    if (route.prefix_length) {
        route.destination.store(a);
        attribute(RTA_DST, a, 4);
    }
    if (route.priority) attribute(RTA_PRIORITY, &route.priority, 4);
    if (!route.preferred_source.is_any()) {
        route.preferred_source.store(a);
        attribute(RTA_PREFSRC, a, 4);
    }
    if (!route.gateway.is_any()) {
        route.gateway.store(a);
        attribute(RTA_GATEWAY, a, 4);
    }
    attribute(RTA_OIF, &route.output_index, 4);
    return finish(RTM_NEWROUTE, flags, request);
}

bool Writer::add_done(const Request& request) {
    u8* body = begin(4);
    if (!body) return false;
    put32(body, 0);
    return finish(NLMSG_DONE, NLM_F_MULTI, request);
}

bool Writer::add_error(int error_number, const Request& request) {
    // struct nlmsgerr: int error, then the request's header.
    u8* body = begin(4 + kHeaderSize);
    if (!body) return false;
    put32(body, static_cast<u32>(-error_number));
    put32(body + 4, static_cast<u32>(request.length));
    put16(body + 8, request.type);
    put16(body + 10, request.flags);
    put32(body + 12, request.sequence);
    put32(body + 16, request.port);
    return finish(NLMSG_ERROR, 0, request);
}

}  // namespace net::netlink
