#include "net/tcp/tables.h"

#include <new>

namespace net::tcp {

namespace {

usize round_up_power_of_two(usize n) {
    usize p = 1;
    while (p < n) p <<= 1;
    return p;
}

ChainNode** allocate_buckets(usize count) {
    ChainNode** buckets = new (std::nothrow) ChainNode*[count];
    if (!buckets) return nullptr;
    for (usize i = 0; i < count; i++) buckets[i] = nullptr;
    return buckets;
}

}  // namespace

SocketTables::~SocketTables() {
    delete[] m_connections;
    delete[] m_ports;
    delete[] m_listeners;
}

Result<void> SocketTables::init(usize connection_buckets, usize port_buckets) {
    usize connections = round_up_power_of_two(connection_buckets ? connection_buckets : 1);
    usize ports = round_up_power_of_two(port_buckets ? port_buckets : 1);
    usize listeners = ports / 4 ? ports / 4 : 1;
    m_connections = allocate_buckets(connections);
    m_ports = allocate_buckets(ports);
    m_listeners = allocate_buckets(listeners);
    if (!m_connections || !m_ports || !m_listeners) return Error(ENOMEM);
    m_connection_mask = connections - 1;
    m_port_mask = ports - 1;
    m_listener_mask = listeners - 1;
    return {};
}

Socket* SocketTables::find_connection(Endpoint local, Endpoint remote) const {
    u32 hash = m_secrets.tuple_hash(local, remote);
    for (ChainNode* n = m_connections[hash & m_connection_mask]; n; n = n->next) {
        Socket* s = chain_owner<Socket, &Socket::m_connection_link>(n);
        if (s->m_local == local && s->m_remote == remote) return s;
    }
    return nullptr;
}

void SocketTables::insert_connection(Socket& socket) {
    if (socket.m_connection_link.linked()) return;
    u32 hash = m_secrets.tuple_hash(socket.m_local, socket.m_remote);
    chain_insert(m_connections[hash & m_connection_mask], socket.m_connection_link);
    m_connection_count++;
}

void SocketTables::remove_connection(Socket& socket) {
    if (!socket.m_connection_link.linked()) return;
    chain_remove(socket.m_connection_link);
    m_connection_count--;
}

Socket* SocketTables::find_listener(Endpoint local, Endpoint remote) const {
    ChainNode* head = m_listeners[local.port & m_listener_mask];
    // Pass 1: the best match class (2 = exact address, 1 = wildcard) and its group size.
    int best = 0;
    unsigned group = 0;
    for (ChainNode* n = head; n; n = n->next) {
        Socket* s = chain_owner<Socket, &Socket::m_listener_link>(n);
        if (s->m_local.port != local.port) continue;
        int score = s->m_local.address == local.address ? 2 : s->m_local.address.is_any() ? 1 : 0;
        if (score > best) {
            best = score;
            group = 0;
        }
        if (score == best && score) group++;
    }
    if (!best) return nullptr;
    unsigned pick = group > 1 ? m_secrets.tuple_hash(local, remote) % group : 0;
    for (ChainNode* n = head; n; n = n->next) {
        Socket* s = chain_owner<Socket, &Socket::m_listener_link>(n);
        if (s->m_local.port != local.port) continue;
        int score = s->m_local.address == local.address ? 2 : s->m_local.address.is_any() ? 1 : 0;
        if (score != best) continue;
        if (pick-- == 0) return s;
    }
    return nullptr;
}

void SocketTables::insert_listener(Socket& socket) {
    if (socket.m_listener_link.linked()) return;
    chain_insert(m_listeners[socket.m_local.port & m_listener_mask], socket.m_listener_link);
}

void SocketTables::remove_listener(Socket& socket) { chain_remove(socket.m_listener_link); }

void SocketTables::insert_port(Socket& socket) {
    if (socket.m_port_link.linked()) return;
    chain_insert(m_ports[socket.m_local.port & m_port_mask], socket.m_port_link);
}

void SocketTables::remove_port(Socket& socket) { chain_remove(socket.m_port_link); }

bool SocketTables::port_used(u16 port) const {
    for (ChainNode* n = m_ports[port & m_port_mask]; n; n = n->next)
        if (chain_owner<Socket, &Socket::m_port_link>(n)->m_local.port == port) return true;
    return false;
}

}  // namespace net::tcp
