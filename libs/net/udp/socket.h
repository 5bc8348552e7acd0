// A UDP socket as Linux behaves (udp(7)): bind (port 0 picks an ephemeral port),
// connect (a default peer, and a filter on what arrives), disconnect, send to an address
// or the peer, receive one datagram at a time with its source, a receive queue bounded by
// SO_RCVBUF, and one pending error (ECONNREFUSED after an ICMP port unreachable, on a
// connected socket only) that the next call reports and clears.
//
// The kernel glue owns a Socket from Udp::create_socket() until close(); it blocks when
// receive() says EAGAIN and is woken through Events.
#pragma once

#include <optional>

#include "base/intrusive_list.h"
#include "base/result.h"
#include "base/types.h"
#include "net/address.h"
#include "net/layers.h"

namespace net::udp {

class Socket;
class Udp;

// What the stack tells the kernel glue about a socket. Called with the stack's lock held:
// the glue wakes waiters and must not call back into the stack from here.
class Events {
public:
    static constexpr u32 kReadable = 1;  // a datagram was queued
    static constexpr u32 kError = 2;     // a pending error was set
    virtual void changed(Socket& socket, u32 what) = 0;

protected:
    ~Events() = default;
};

// IP_MTU_DISCOVER's modes.
enum class PmtuMode : u8 {
    Dont,   // IP_PMTUDISC_DONT: never set DF
    Want,   // IP_PMTUDISC_WANT (Linux's default): DF when the datagram fits the path MTU
    Do,     // IP_PMTUDISC_DO: always DF; larger datagrams fail with EMSGSIZE
    Probe,  // IP_PMTUDISC_PROBE: DF, sized by the interface MTU
};

// Linux's socket-buffer numbers (net.core.rmem_default/rmem_max and SOCK_MIN_RCVBUF).
constexpr usize kDefaultBufferSize = 212992;
constexpr usize kMaxBufferRequest = 212992;
constexpr usize kMinReceiveBuffer = 2304;
constexpr usize kMinSendBuffer = 4608;
// What SO_RCVBUF/SO_SNDBUF store (and getsockopt reports) for a requested value: Linux
// doubles it, for bookkeeping overhead, within limits.
usize socket_buffer_size(u64 requested, usize minimum);

struct Options {
    bool reuse_address = false;  // SO_REUSEADDR (as it was at bind time)
    bool reuse_port = false;     // SO_REUSEPORT
    bool broadcast = false;      // SO_BROADCAST: needed to send to a broadcast address
    u8 ttl = 64;                 // IP_TTL
    u8 tos = 0;                  // IP_TOS
    PmtuMode pmtu = PmtuMode::Want;
    usize receive_buffer = kDefaultBufferSize;  // as stored, already doubled
    usize send_buffer = kDefaultBufferSize;
};

// What receive() tells about the datagram it took (or peeked at).
struct Received {
    usize copied = 0;  // bytes copied to the sink
    usize length = 0;  // the whole datagram's payload: > copied when truncated (MSG_TRUNC)
    Endpoint source;
    Ipv4Address destination;  // for IP_PKTINFO
    unsigned interface_index = 0;
};

class Socket {
public:
    void* user = nullptr;  // the kernel glue's object

    // EINVAL when already bound, EADDRNOTAVAIL for an address not ours (broadcast and
    // multicast addresses are allowed, for receiving), EADDRINUSE on a conflict.
    Result<void> bind(Endpoint local);
    // Sets the default peer and filters what arrives; binds first if unbound. EACCES for a
    // broadcast peer without SO_BROADCAST; ENETUNREACH without a route.
    Result<void> connect(Endpoint remote);
    // connect(AF_UNSPEC): forgets the peer, and the address and port connect chose.
    void disconnect();
    // Sends one datagram of `length` bytes read from `data`, to `to` or to the peer.
    // EDESTADDRREQ without either, EINVAL for port 0, EMSGSIZE over 65507 bytes, EACCES
    // for a broadcast without SO_BROADCAST, errors of the route, or the pending error.
    Result<usize> send(const ByteSource& data, usize length, const std::optional<Endpoint>& to, Nanos now);
    // Takes the first queued datagram (or only looks, with `peek`), copying at most
    // `capacity` bytes. EAGAIN when none is queued; the pending error comes first.
    Result<Received> receive(const ByteSink& sink, usize capacity, bool peek);
    // Frees the socket; the glue must not touch it afterwards.
    void close();

    bool readable() const { return m_queue_head != nullptr; }
    bool writable() const { return true; }  // datagrams are copied out at once
    bool has_error() const { return m_error != 0; }
    int take_error();                                      // SO_ERROR: returns and clears
    usize next_datagram_length() const;                    // FIONREAD: the first datagram's size, or 0
    usize queued_bytes() const { return m_queued_bytes; }  // counted as the receive buffer counts
    u64 drops() const { return m_drops; }

    bool is_bound() const { return m_bound; }
    bool is_connected() const { return m_connected; }
    Endpoint local() const { return m_local; }
    std::optional<Endpoint> remote() const {
        if (!m_connected) return std::nullopt;
        return m_remote;
    }
    Options& options() { return m_options; }
    const Options& options() const { return m_options; }

private:
    friend class Udp;
    struct Datagram {
        Datagram* next;
        Endpoint source;
        Ipv4Address destination;
        unsigned interface_index;
        usize length;
        usize charge;
    };

    explicit Socket(Udp& udp) : m_udp(udp) {}
    ~Socket();
    void drop_queue();

    Udp& m_udp;
    ListNode m_all_node;   // in Udp's list of every socket
    ListNode m_port_node;  // in Udp's table of bound ports
    Options m_options;
    Endpoint m_local;      // the address receives match (kIpv4Any: every one)
    Ipv4Address m_source;  // the source address sends use (kIpv4Any: the route's)
    bool m_bound = false;
    bool m_address_locked = false;  // bound to a specific address on purpose
    bool m_port_locked = false;     // bound to a specific port on purpose
    u64 m_bind_sequence = 0;        // later binds win ties, as in Linux's hash chains
    bool m_connected = false;
    Endpoint m_remote;
    Datagram* m_queue_head = nullptr;
    Datagram* m_queue_tail = nullptr;
    usize m_queued_bytes = 0;
    int m_error = 0;
    u64 m_drops = 0;
};

}  // namespace net::udp
