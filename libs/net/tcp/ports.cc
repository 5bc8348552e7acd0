// Local ports: bind() and its conflicts, ephemeral ports for bind(port 0) and connect().
#include "net/tcp/tcp.h"

namespace net::tcp {

bool Tcp::conflicts(const Socket& socket, Ipv4Address address, u16 port) const {
    bool conflict = false;
    m_tables.for_each_on_port(port, [&](Socket& other) {
        if (&other == &socket || conflict) return;
        Ipv4Address theirs = other.m_local.address;
        if (!(address.is_any() || theirs.is_any() || theirs == address)) return;
        const SocketOptions& a = socket.m_options;
        const SocketOptions& b = other.m_options;
        if (a.reuse_port && b.reuse_port) return;
        // SO_REUSEADDR binds over TIME_WAIT, and (set on both) over sockets that do not
        // listen; the same rule runs again at listen(), where two such sockets meet.
        if (a.reuse_address && other.m_state == State::TimeWait) return;
        if (a.reuse_address && b.reuse_address && other.m_state != State::Listen && socket.m_state != State::Listen)
            return;
        conflict = true;
    });
    return conflict;
}

Result<void> Tcp::bind(Socket& s, Endpoint local, BindFlags flags) {
    if (s.m_bound || s.m_state != State::Closed) return Error(EINVAL);
    if (!local.address.is_any() && !m_ip.is_local(local.address)) return Error(EADDRNOTAVAIL);
    s.m_options.reuse_address = flags.reuse_address;
    s.m_options.reuse_port = flags.reuse_port;
    u16 port = local.port;
    if (port == 0)
        port = TRY(ephemeral_port_for_bind(s, local.address));
    else if (conflicts(s, local.address, port))
        return Error(EADDRINUSE);
    s.m_local = {local.address, port};
    s.m_bound = true;
    s.m_bind_explicit = local.port != 0;
    s.m_bound_by_connect = false;
    m_tables.insert_port(s);
    return {};
}

Result<u16> Tcp::ephemeral_port_for_bind(const Socket& s, Ipv4Address address) {
    u32 count = static_cast<u32>(m_config.ephemeral_last - m_config.ephemeral_first) + 1;
    u32 start = static_cast<u32>(m_random.next_u64() % count);
    // A port nobody holds first; failing that, one this socket may share.
    for (u32 i = 0; i < count; i++) {
        u16 port = static_cast<u16>(m_config.ephemeral_first + (start + i) % count);
        if (!m_tables.port_used(port)) return port;
    }
    for (u32 i = 0; i < count; i++) {
        u16 port = static_cast<u16>(m_config.ephemeral_first + (start + i) % count);
        if (!conflicts(s, address, port)) return port;
    }
    return Error(EADDRINUSE);
}

Result<u16> Tcp::ephemeral_port_for_connect(Ipv4Address local, Endpoint remote, Nanos now) {
    u32 count = static_cast<u32>(m_config.ephemeral_last - m_config.ephemeral_first) + 1;
    u32 offset = m_secrets.port_offset(local, remote) + m_connect_port_hint;
    for (u32 i = 0; i < count; i++) {
        u16 port = static_cast<u16>(m_config.ephemeral_first + (offset + i) % count);
        // Ports bound by bind() or listen() are theirs; ports other connect()s took may be
        // shared as long as the 4-tuple differs.
        bool shared_ok = true;
        m_tables.for_each_on_port(port, [&](Socket& other) {
            if (!other.m_bound_by_connect) shared_ok = false;
        });
        if (!shared_ok) continue;
        Socket* existing = m_tables.find_connection({local, port}, remote);
        if (existing) {
            // Linux's tcp_tw_reuse for loopback: a TIME_WAIT connection whose peer sent
            // timestamps more than a second ago may be reopened, PAWS keeping the
            // incarnations apart.
            if (!(existing->m_state == State::TimeWait && remote.address.is_loopback() && existing->m_timestamps &&
                  now - existing->m_ts_recent_stamp > kSecond))
                continue;
            m_stats.time_wait_recycled++;
            existing->finish(0, now);  // freed unless the glue still holds it
            unbind(*existing);
        }
        m_connect_port_hint += i + 1;
        return port;
    }
    return Error(EADDRNOTAVAIL);
}

void Tcp::unbind(Socket& s) {
    if (!s.m_bound) return;
    m_tables.remove_port(s);
    s.m_bound = false;
}

}  // namespace net::tcp
