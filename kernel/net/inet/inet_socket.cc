#include "net/inet/inet_socket.h"

#include <cstring>

namespace net {

namespace {
constexpr int IP_TOS = 1, IP_TTL = 2;
}  // namespace

Result<Endpoint> endpoint_from(const SocketAddress& address, bool allow_unspec) {
    if (address.length < sizeof(SockaddrIn)) return Error(EINVAL);
    SockaddrIn in;
    memcpy(&in, address.bytes, sizeof in);
    if (in.family != AF_INET && !(allow_unspec && in.family == AF_UNSPEC)) return Error(EAFNOSUPPORT);
    return Endpoint{Ipv4Address::from_network_u32(in.address_be), __builtin_bswap16(in.port_be)};
}

void endpoint_to(const Endpoint& endpoint, SocketAddress& out) {
    out = {};
    SockaddrIn in{};
    in.family = AF_INET;
    in.port_be = __builtin_bswap16(endpoint.port);
    in.address_be = endpoint.address.to_network_u32();
    memcpy(out.bytes, &in, sizeof in);
    out.length = sizeof in;
}

void InetSocket::refresh_events() {
    u32 now = compute_events();
    if (m_events.exchange(now, kstd::acq_rel) != now) notify_observers(now);
}

void InetSocket::stack_changed(u32) {
    m_waiters.locked([&] { m_generation++; });
    m_waiters.wake_all();
    u32 now = compute_events();
    m_events.store(now, kstd::release);
    // Edge-triggered epoll wants a notification for every new event, even when the word
    // did not change (more data arrived on a socket already readable).
    notify_observers(now);
}

Result<void> InetSocket::set_ip_option(int name, const u8* value, usize length, u8& ttl, u8& tos) {
    if (length < 1) return Error(EINVAL);
    int v = value[0];
    if (length >= sizeof(int)) memcpy(&v, value, sizeof v);
    switch (name) {
        case IP_TTL:
            if (v == -1) v = 64;  // the default
            if (v < 1 || v > 255) return Error(EINVAL);
            ttl = static_cast<u8>(v);
            return {};
        case IP_TOS:
            tos = static_cast<u8>(v & ~3);  // the ECN bits are the stack's (Linux masks them)
            return {};
        default: return Error(ENOPROTOOPT);
    }
}

Result<usize> InetSocket::get_ip_option(int name, u8* out, usize capacity, u8 ttl, u8 tos) {
    int v;
    switch (name) {
        case IP_TTL: v = ttl; break;
        case IP_TOS: v = tos; break;
        default: return Error(ENOPROTOOPT);
    }
    usize n = capacity < sizeof v ? capacity : sizeof v;
    memcpy(out, &v, n);
    return n;
}

}  // namespace net
