// The lookup tables of a TCP instance, all intrusive chains of fixed bucket arrays sized
// at creation (no allocation afterwards, O(1) with thousands of connections):
//   - connections by 4-tuple (keyed hash, so a peer cannot aim collisions);
//   - listeners by local port;
//   - every socket holding a local port, by port (bind conflicts, ephemeral ports).
#pragma once

#include "base/result.h"
#include "net/tcp/chain.h"
#include "net/tcp/secrets.h"
#include "net/tcp/socket.h"

namespace net::tcp {

class SocketTables {
public:
    explicit SocketTables(const Secrets& secrets) : m_secrets(secrets) {}
    ~SocketTables();
    SocketTables(const SocketTables&) = delete;
    SocketTables& operator=(const SocketTables&) = delete;

    // ENOMEM. Bucket counts are rounded up to powers of two.
    Result<void> init(usize connection_buckets, usize port_buckets);

    Socket* find_connection(Endpoint local, Endpoint remote) const;
    void insert_connection(Socket& socket);
    void remove_connection(Socket& socket);
    usize connection_count() const { return m_connection_count; }

    // The listener for a SYN to `local` from `remote`: one bound to the exact address
    // before one bound to the wildcard; within an SO_REUSEPORT group, one chosen by a
    // hash of the 4-tuple (so a flow always lands on the same one).
    Socket* find_listener(Endpoint local, Endpoint remote) const;
    void insert_listener(Socket& socket);
    void remove_listener(Socket& socket);

    void insert_port(Socket& socket);
    void remove_port(Socket& socket);
    template <typename F>
    void for_each_on_port(u16 port, F&& f) const {
        for (ChainNode* n = m_ports[port & m_port_mask]; n;) {
            ChainNode* next = n->next;
            Socket* s = chain_owner<Socket, &Socket::m_port_link>(n);
            if (s->m_local.port == port) f(*s);
            n = next;
        }
    }
    bool port_used(u16 port) const;

private:
    const Secrets& m_secrets;
    ChainNode** m_connections = nullptr;
    usize m_connection_mask = 0;
    usize m_connection_count = 0;
    ChainNode** m_ports = nullptr;
    usize m_port_mask = 0;
    ChainNode** m_listeners = nullptr;
    usize m_listener_mask = 0;
};

}  // namespace net::tcp
