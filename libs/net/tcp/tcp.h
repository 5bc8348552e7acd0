// TCP (RFC 9293) for one network stack: the IpProtocolHandler the IP layer hands protocol
// 6 to, the sockets, the tables that find a segment's connection, and the one timer heap
// of all connections.
//
// Pure and single-threaded, like the rest of libs/net: the kernel glue holds one lock
// around every call into it (Tcp's and Socket's alike), passes `now`, arms one timer at
// next_deadline() and calls on_timers() when it fires. Sends go through the IpSender;
// nothing blocks, and memory comes from new (std::nothrow), bounded per connection (its
// buffers) and per instance (SYN queues, TIME_WAIT and orphan limits).
//
//   auto tcp = Tcp::create(ip, random, events, Config{}).value();
//   stack.register_protocol(kProtoTcp, *tcp);
//   Socket* s = tcp->create_socket().value();
//   s->bind({kIpv4Any, 80}, {.reuse_address = true});
//   s->listen(128, now);
//   ... Socket* c = s->accept();   // null: wait for Events::kAcceptable
//   ... c->receive(sink, n, false, now); c->send(source, n, false, now); c->close(now);
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "net/layers.h"
#include "net/tcp/config.h"
#include "net/tcp/secrets.h"
#include "net/tcp/socket.h"
#include "net/tcp/stats.h"
#include "net/tcp/tables.h"
#include "sched/pairing_heap.h"

namespace net::tcp {

class Tcp final : public IpProtocolHandler {
public:
    // ENOMEM when the tables cannot be allocated.
    static Result<Tcp*> create(IpSender& ip, RandomSource& random, Events& events, const Config& config = {});
    // Frees every socket, the glue's included: only when the stack goes away.
    ~Tcp();
    Tcp(const Tcp&) = delete;
    Tcp& operator=(const Tcp&) = delete;

    // A new socket, unbound and CLOSED, owned by the caller until Socket::close().
    // ENOMEM.
    Result<Socket*> create_socket();

    // The earliest time on_timers() has work (kNoDeadline: none). Any call into the stack
    // may move it, so the glue re-arms its timer after each. It may be early; a call then
    // finds nothing due and the deadline moves on.
    Nanos next_deadline() const;
    void on_timers(Nanos now);

    const Stats& stats() const { return m_stats; }
    const Config& config() const { return m_config; }
    usize socket_count() const { return m_all.size(); }
    usize time_wait_count() const { return m_time_wait_count; }
    usize orphan_count() const { return m_orphan_count; }
    // Every socket: listeners, connections, TIME_WAIT (for /proc/net/tcp).
    template <typename F>
    void for_each_socket(F&& f) const {
        m_all.for_each([&](Socket& s) { f(static_cast<const Socket&>(s)); });
    }

    // IpProtocolHandler
    void receive(const IpPacketInfo& info, const u8* payload, usize length, Nanos now) override;
    void icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos now) override;

private:
    friend class Socket;
    friend struct ListenQueues;

    Tcp(IpSender& ip, RandomSource& random, Events& events, const Config& config);

    // Every public entry point holds one: events are delivered, and sockets freed, when
    // the outermost one ends, so the glue never sees a half-updated socket.
    class Scope {
    public:
        explicit Scope(Tcp& tcp) : m_tcp(tcp) { m_tcp.m_depth++; }
        ~Scope() {
            if (--m_tcp.m_depth == 0) m_tcp.flush();
        }

    private:
        Tcp& m_tcp;
    };
    void flush();

    // ---- tcp.cc ----
    void send_reset_for(const IpPacketInfo& info, const Segment& seg, Nanos now);
    bool allow_challenge_ack(Nanos now);
    void queue_event(Socket& socket, u32 events);
    void free_later(Socket& socket);
    void destroy(Socket& socket);
    void timer_changed(Socket& socket);
    Result<void> send_segment(Ipv4Address source, Ipv4Address destination, u8* header, usize header_length,
                              const Gather& payload, u8 tos, u8 ttl, Nanos now);

    // ---- ports.cc ----
    Result<void> bind(Socket& socket, Endpoint local, BindFlags flags);
    bool conflicts(const Socket& socket, Ipv4Address address, u16 port) const;
    Result<u16> ephemeral_port_for_bind(const Socket& socket, Ipv4Address address);
    Result<u16> ephemeral_port_for_connect(Ipv4Address local, Endpoint remote, Nanos now);
    void unbind(Socket& socket);

    // ---- listener.cc ----
    void on_listener_segment(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now);
    // `isn`: the ISN to use (a connection reopened from TIME_WAIT), or null.
    void on_syn(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now, const u32* isn);
    Socket* new_child(Socket& listener, const IpPacketInfo& info, const Segment& seg);
    void on_cookie_ack(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now);
    void send_cookie_syn_ack(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now);
    bool child_established(Socket& child, bool has_data, Nanos now);  // false: the accept queue is full
    u8 receive_window_scale() const;
    void make_acceptable(Socket& child);
    bool accept_queue_full(const Socket& listener) const;

    IpSender& m_ip;
    RandomSource& m_random;
    Events& m_events;
    Config m_config;
    Secrets m_secrets;
    SocketTables m_tables;
    Stats m_stats;

    struct ByTimerKey {
        bool operator()(const Socket& a, const Socket& b) const { return a.m_timer_key < b.m_timer_key; }
    };
    IntrusiveList<Socket, &Socket::m_all_link> m_all;
    PairingHeap<Socket, &Socket::m_timer_link, ByTimerKey> m_timers;
    IntrusiveList<Socket, &Socket::m_event_link> m_event_queue;
    IntrusiveList<Socket, &Socket::m_event_link> m_free_list;
    unsigned m_depth = 0;

    usize m_time_wait_count = 0;
    usize m_orphan_count = 0;
    Nanos m_challenge_window = 0;  // start of the current second
    u32 m_challenge_count = 0;
    u32 m_connect_port_hint = 0;  // perturbs the ephemeral port search between calls
};

}  // namespace net::tcp
