// UDP (RFC 768) over the IP layer: the table of bound sockets, delivery of arriving
// datagrams (to the best-matching socket as Linux scores them; broadcasts to every match),
// ICMP port unreachable for datagrams nobody takes, and the counters of /proc/net/snmp's
// "Udp:" line.
//
// Bind conflicts follow Linux: two sockets on the same port conflict when their addresses
// overlap (equal, or either is the wildcard), unless both set SO_REUSEADDR or both set
// SO_REUSEPORT. A unicast datagram goes to one socket: connected beats bound-to-address
// beats wildcard; among equals, an SO_REUSEPORT group spreads flows by a hash of the
// source, otherwise the most recent bind wins.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "net/layers.h"
#include "net/udp/header.h"
#include "net/udp/socket.h"

namespace net::udp {

// Linux's ip_local_port_range default.
constexpr u16 kEphemeralFirst = 32768, kEphemeralLast = 60999;

struct UdpStats {
    u64 in_datagrams = 0;
    u64 no_ports = 0;
    u64 in_errors = 0;
    u64 out_datagrams = 0;
    u64 rcvbuf_errors = 0;
    u64 sndbuf_errors = 0;
    u64 in_csum_errors = 0;
    u64 ignored_multi = 0;  // broadcasts no socket wanted
};

// What UDP needs from the stack besides sending.
class UdpHost {
public:
    // A subnet broadcast address of one of our interfaces (or 255.255.255.255).
    virtual bool is_broadcast(Ipv4Address address) const = 0;
    // No socket takes this unicast datagram: the stack answers with ICMP port unreachable.
    // `datagram` is the UDP header and data as received.
    virtual void port_unreachable(const IpPacketInfo& info, const u8* datagram, usize length, Nanos now) = 0;

protected:
    ~UdpHost() = default;
};

class Udp final : public IpProtocolHandler {
public:
    // Bytes a queued datagram is charged besides its payload (Linux counts an skb's
    // truesize), so a flood of tiny datagrams fills the receive buffer too.
    static constexpr usize kDatagramOverhead = 512;

    Udp(IpSender& ip, UdpHost& host, RandomSource& random, Events& events);
    ~Udp();
    Udp(const Udp&) = delete;
    Udp& operator=(const Udp&) = delete;

    // ENOMEM when out of memory.
    Result<Socket*> create_socket();

    void receive(const IpPacketInfo& info, const u8* datagram, usize length, Nanos now) override;
    void icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos now) override;

    const UdpStats& stats() const { return m_stats; }
    usize socket_count() const { return m_all.size(); }
    template <typename F>
    void for_each_socket(F&& f) const {
        m_all.for_each([&](Socket& s) { f(static_cast<const Socket&>(s)); });
    }

private:
    friend class Socket;
    static constexpr usize kPortBuckets = 256;
    using PortList = IntrusiveList<Socket, &Socket::m_port_node>;

    PortList& bucket(u16 port) { return m_ports[port % kPortBuckets]; }
    const PortList& bucket(u16 port) const { return m_ports[port % kPortBuckets]; }
    bool conflicts(const Socket& socket, Ipv4Address address, u16 port) const;
    bool port_in_use(u16 port) const;
    Result<u16> pick_ephemeral_port();
    void hash_in(Socket& socket);
    void unhash(Socket& socket);
    Result<void> bind(Socket& socket, Endpoint local, bool explicit_bind);
    Result<void> autobind(Socket& socket);
    Result<void> connect(Socket& socket, Endpoint remote);
    void disconnect(Socket& socket);
    Result<usize> send(Socket& socket, const ByteSource& data, usize length, const std::optional<Endpoint>& to,
                       Nanos now);
    void destroy(Socket& socket);

    int score(const Socket& s, Ipv4Address source, u16 source_port, Ipv4Address destination, u16 port) const;
    Socket* lookup(Ipv4Address source, u16 source_port, Ipv4Address destination, u16 port) const;
    bool is_broadcast_destination(const IpPacketInfo& info) const;
    void deliver(Socket& socket, const IpPacketInfo& info, u16 source_port, const u8* data, usize length);

    IpSender& m_ip;
    UdpHost& m_host;
    RandomSource& m_random;
    Events& m_events;
    IntrusiveList<Socket, &Socket::m_all_node> m_all;
    PortList m_ports[kPortBuckets];
    u64 m_bind_sequence = 0;
    u64 m_hash_secret;
    UdpStats m_stats;
};

}  // namespace net::udp
