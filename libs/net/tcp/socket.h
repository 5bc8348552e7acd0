// A TCP socket: the application's handle (bind, listen, accept, connect, send, receive,
// shutdown, close, options) and the connection behind it (RFC 9293's TCB), as one object,
// the way Linux has it.
//
// Ownership: the kernel glue owns a Socket from Tcp::create_socket() or accept() until it
// calls close(); it must not touch it afterwards. After close() the stack keeps the object
// while the connection finishes (FIN_WAIT, TIME_WAIT, ...) and then frees it. A socket the
// glue still owns is never freed, even when its connection is reset: it stays CLOSED with
// its pending error until close().
//
// Everything here runs under the glue's one lock and takes `now` from it; nothing blocks.
// Where a call cannot proceed it says EAGAIN, and the glue (unless the call is
// non-blocking) waits for Events::changed() with the matching bit and tries again.
//
// The member functions are spread over files by concern: socket_api.cc (the calls above),
// socket_options.cc, input.cc (segment arrival), handshake.cc (SYN_SENT, SYN_RECEIVED),
// ack.cc (acknowledgements, RTT, loss recovery), output.cc (what to send), timers.cc.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "base/types.h"
#include "net/address.h"
#include "net/layers.h"
#include "net/tcp/chain.h"
#include "net/tcp/config.h"
#include "net/tcp/congestion.h"
#include "net/tcp/range_set.h"
#include "net/tcp/receive_buffer.h"
#include "net/tcp/rtt.h"
#include "net/tcp/segment.h"
#include "net/tcp/send_buffer.h"
#include "net/tcp/state.h"
#include "sched/pairing_heap.h"

namespace net::tcp {

class Socket;
class Tcp;
struct ListenQueues;

// What the stack tells the kernel glue. Called with the glue's lock held, after the stack
// finished its work (never in the middle of it): the glue wakes waiters and must not call
// back into the stack from here.
class Events {
public:
    static constexpr u32 kReadable = 1u << 0;    // data, or the end of the stream, to read
    static constexpr u32 kWritable = 1u << 1;    // room in the send buffer
    static constexpr u32 kAcceptable = 1u << 2;  // (a listener) a connection waits in accept()
    static constexpr u32 kConnected = 1u << 3;   // connect() completed
    static constexpr u32 kError = 1u << 4;       // a pending error was set
    static constexpr u32 kPeerClosed = 1u << 5;  // the peer's FIN arrived (EPOLLRDHUP)
    static constexpr u32 kClosed = 1u << 6;      // the connection is over (CLOSED or TIME_WAIT)
    virtual void changed(Socket& socket, u32 what) = 0;

protected:
    ~Events() = default;
};

struct BindFlags {
    bool reuse_address = false;  // SO_REUSEADDR
    bool reuse_port = false;     // SO_REUSEPORT
};

// Socket options as getsockopt reports them.
struct SocketOptions {
    bool nodelay = false;                // TCP_NODELAY
    bool cork = false;                   // TCP_CORK
    bool keepalive = false;              // SO_KEEPALIVE
    u32 keepalive_idle = 7200;           // TCP_KEEPIDLE, seconds
    u32 keepalive_interval = 75;         // TCP_KEEPINTVL, seconds
    u32 keepalive_count = 9;             // TCP_KEEPCNT
    usize receive_buffer = 131072;       // SO_RCVBUF (what was set, doubled, as Linux stores it)
    usize send_buffer = 16384;           // SO_SNDBUF
    bool receive_buffer_locked = false;  // set by the application: no autotuning
    bool send_buffer_locked = false;
    bool linger = false;  // SO_LINGER
    u32 linger_seconds = 0;
    u32 defer_accept = 0;  // TCP_DEFER_ACCEPT, seconds as getsockopt rounds them
    u16 max_segment = 0;   // TCP_MAXSEG as set (0: none)
    u8 tos = 0;            // IP_TOS
    u8 ttl = 64;           // IP_TTL
    bool reuse_address = false;
    bool reuse_port = false;
};

// What TCP_INFO reports (struct tcp_info's fields; times in microseconds unless named).
struct Info {
    State state = State::Closed;
    u8 ca_state = 0;  // 0 open, 1 disorder, 3 recovery, 4 loss
    u8 retransmits = 0;
    u8 probes = 0;
    u8 backoff = 0;
    u8 options = 0;  // TCPI_OPT_TIMESTAMPS 1, TCPI_OPT_SACK 2, TCPI_OPT_WSCALE 4
    u8 snd_wscale = 0;
    u8 rcv_wscale = 0;
    u32 rto = 0;
    u32 ato = 0;
    u32 snd_mss = 0;
    u32 rcv_mss = 0;
    u32 unacked = 0;  // segments (estimated from bytes)
    u32 sacked = 0;
    u32 lost = 0;
    u32 retrans = 0;
    u32 last_data_sent_ms = 0;
    u32 last_data_recv_ms = 0;
    u32 last_ack_recv_ms = 0;
    u32 pmtu = 0;
    u32 rcv_ssthresh = 0;
    u32 rtt = 0;
    u32 rttvar = 0;
    u32 snd_ssthresh = 0;  // segments
    u32 snd_cwnd = 0;      // segments
    u32 advmss = 0;
    u32 reordering = 3;
    u32 rcv_space = 0;
    u32 total_retrans = 0;
    u64 bytes_acked = 0;
    u64 bytes_received = 0;
    u64 bytes_sent = 0;
    u64 bytes_retrans = 0;
    u32 segs_out = 0;
    u32 segs_in = 0;
    u32 data_segs_in = 0;
    u32 data_segs_out = 0;
    u32 notsent_bytes = 0;
    u32 min_rtt = 0;
    u32 snd_wnd = 0;
    u32 rcv_wnd = 0;
};

class Socket {
public:
    void* user = nullptr;  // the kernel glue's object; null on sockets accept() returns

    // ---- Connection setup ----
    // Port 0 picks an ephemeral port. EINVAL when already bound, EADDRNOTAVAIL for an
    // address not ours, EADDRINUSE on a conflict (SO_REUSEADDR binds over TIME_WAIT and
    // over sockets that do not listen; SO_REUSEPORT shares with others that set it).
    Result<void> bind(Endpoint local, BindFlags flags);
    // Starts listening (binding an ephemeral port first if unbound). The backlog bounds
    // the accept queue (and the SYN queue); it may be changed by listening again.
    // EADDRINUSE when another socket listens on an overlapping address; EINVAL when
    // connected.
    Result<void> listen(int backlog, Nanos now);
    // A connection that completed its handshake, or null when none is ready.
    Socket* accept();
    // Sends the SYN; completion (Events::kConnected) or failure (kError, with
    // take_error(): ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH) comes later.
    // At once: EISCONN (connected, or listening), EALREADY, EADDRNOTAVAIL when no port is
    // free, ENETUNREACH for a broadcast or multicast peer, and the route's errors.
    Result<void> connect(Endpoint remote, Nanos now);

    // ---- Data ----
    // Queues up to `length` bytes from `data`; how many fit is returned. EAGAIN when the
    // send buffer is full (or the handshake still runs), EPIPE after shutdown(write) or
    // once the connection is over, the pending error first. `more` (MSG_MORE) holds a
    // partial segment back as TCP_CORK does.
    Result<usize> send(const ByteSource& data, usize length, bool more, Nanos now);
    // Takes (or with `peek`, copies) up to `length` received bytes. 0 is the end of the
    // stream (the peer's FIN, shutdown(read), a closed connection); EAGAIN when nothing
    // is there yet; queued data comes before a pending error; ENOTCONN when never
    // connected.
    Result<usize> receive(const ByteSink& data, usize length, bool peek, Nanos now);
    // shutdown(2): `write` sends a FIN once queued data is out, `read` ends reading.
    // ENOTCONN when not connected.
    Result<void> shutdown(bool read, bool write, Nanos now);
    // The application lets go: a graceful close (FIN), or a reset when received data was
    // left unread or SO_LINGER is on with 0 seconds. The stack owns the socket afterwards.
    // SO_LINGER with a timeout: the glue calls shutdown(false, true) first, waits (still
    // owning the socket) until fin_acknowledged() or the timeout, then calls close().
    void close(Nanos now);
    // Resets the connection (RST if synchronized) and leaves the socket CLOSED, owned by
    // the glue; a listener stops listening.
    void abort(Nanos now);

    // ---- Readiness (poll, epoll, blocking) ----
    usize readable_bytes() const;                        // FIONREAD
    bool readable() const;                               // readable_bytes() > 0, end of stream, or an error
    bool peer_closed() const { return m_fin_received; }  // EPOLLRDHUP
    usize writable_space() const;                        // 0 when sending is not possible now
    bool writable() const;                               // EPOLLOUT: room, or an error that send() reports
    bool hung_up() const;  // EPOLLHUP: both directions are shut, or the connection is over
    bool has_error() const { return m_error != 0; }
    // Everything sent, our FIN included, was acknowledged (or the connection is over):
    // what a lingering close waits for. Events::kWritable or kClosed announce it.
    bool fin_acknowledged() const;
    int take_error();             // SO_ERROR: the pending error, cleared
    usize unsent_bytes() const;   // SIOCOUTQNSD
    usize unacked_bytes() const;  // SIOCOUTQ (TIOCOUTQ): queued, sent or not
    // Memory the send and receive rings hold now (they grow with data and are freed
    // when empty), for /proc/net/sockstat-style accounting.
    usize buffer_memory() const { return m_send.allocated() + m_receive.allocated(); }
    bool connected() const {
        return counts_as_established(m_state) || m_state == State::FinWait1 || m_state == State::FinWait2 ||
               m_state == State::Closing || m_state == State::LastAck;
    }
    State state() const { return m_state; }
    bool is_listening() const { return m_state == State::Listen; }
    bool accept_queue_empty() const;
    unsigned accept_queue_length() const;  // for /proc/net/tcp's rx_queue of a listener
    unsigned backlog() const;
    Endpoint local() const { return m_local; }
    Endpoint remote() const { return m_remote; }
    bool is_bound() const { return m_bound; }
    u32 retransmissions() const { return m_total_retrans; }
    // For /proc/net/tcp: the timer now pending (0 none, 1 retransmit, 2 keepalive,
    // 3 TIME_WAIT, 4 zero-window probe) and when it expires.
    struct TimerInfo {
        u8 kind = 0;
        Nanos expires = 0;
    };
    TimerInfo timer_info() const;

    // ---- Options ----
    const SocketOptions& options() const { return m_options; }
    void set_nodelay(bool on, Nanos now);
    void set_cork(bool on, Nanos now);
    void set_keepalive(bool on, Nanos now);
    Result<void> set_keepalive_idle(int seconds, Nanos now);  // 1..32767
    Result<void> set_keepalive_interval(int seconds);         // 1..32767
    Result<void> set_keepalive_count(int count);              // 1..127
    void set_receive_buffer(u64 bytes, Nanos now);            // stores min(bytes, rmem_max) * 2, as Linux
    void set_send_buffer(u64 bytes, Nanos now);
    void set_linger(bool on, int seconds);
    void set_defer_accept(int seconds);
    Result<void> set_max_segment(int bytes);  // 0, or 88..32767: EINVAL otherwise
    void set_quickack(bool on, Nanos now);    // on: acknowledge at once, now and for a while
    bool quickack() const;
    void set_tos(u8 tos) { m_options.tos = tos; }
    void set_ttl(u8 ttl) { m_options.ttl = ttl; }
    // SO_REUSEADDR / SO_REUSEPORT as getsockopt reports them; bind() takes the values
    // that count from its BindFlags.
    void set_reuse_address(bool on) { m_options.reuse_address = on; }
    void set_reuse_port(bool on) { m_options.reuse_port = on; }
    CongestionAlgorithm congestion_algorithm() const { return m_cc.algorithm(); }
    const char* congestion_name() const { return m_cc->name(); }
    Result<void> set_congestion_algorithm(CongestionAlgorithm algorithm);  // TCP_CONGESTION
    Info info(Nanos now) const;

private:
    friend class Tcp;
    friend class SocketTables;
    friend struct ListenQueues;

    explicit Socket(Tcp& tcp);
    ~Socket();
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    enum class Recovery : u8 { Open, Fast, Loss };
    enum class TransmitTimer : u8 { None, Retransmit, Persist };

    // ---- socket_api.cc ----
    Result<void> autobind();
    void close_listener(Nanos now, bool send_resets);
    void queue_fin(Nanos now);
    void after_read(Nanos now);

    // ---- input.cc ----
    void on_segment(const Segment& seg, Nanos now);
    void on_icmp_error(u8 type, u8 code, u16 mtu, u32 seq, Nanos now);
    bool time_wait_accepts_syn(const Segment& seg) const;
    void on_synchronized_segment(const Segment& seg, Nanos now);
    bool acceptable(const Segment& seg) const;
    bool paws_rejects(const Segment& seg) const;
    void on_reset(const Segment& seg, Nanos now);
    void on_data(const Segment& seg, Nanos now);
    void on_fin(Nanos now);
    void schedule_ack(bool pushed, u32 length, Nanos now);
    void update_ts_recent(const Segment& seg, Nanos now);
    void on_time_wait_segment(const Segment& seg, Nanos now);

    // ---- handshake.cc ----
    void on_syn_sent_segment(const Segment& seg, Nanos now);
    void on_syn_received_ack(const Segment& seg, Nanos now);
    void negotiate(const SegmentOptions& peer, bool our_timestamps, bool our_sack, bool our_scaling, Nanos now);
    void set_established(Nanos now);
    void init_send_side(u32 iss);
    void init_receive_side(u32 irs);
    u16 mss_to_advertise() const;
    void update_mss();

    // ---- ack.cc ----
    bool on_ack(const Segment& seg, Nanos now);
    void update_send_window(const Segment& seg);
    void on_new_ack(const Segment& seg, u32 ack, Nanos now);
    void on_duplicate_ack(Nanos now);
    void take_sack_blocks(const Segment& seg);
    void take_rtt_sample(const Segment& seg, u32 ack, bool retransmitted_data, Nanos now);
    void enter_recovery(Nanos now);
    void enter_loss(bool reduce_window, Nanos now);
    void exit_recovery();
    u32 pipe() const;
    u32 sacked_bytes() const;
    u32 lost_end() const;
    bool in_recovery() const { return m_recovery != Recovery::Open; }

    // ---- output.cc ----
    void output(Nanos now);
    bool send_retransmission(Nanos now, bool forced);
    Result<void> send_data(u32 seq, usize length, bool retransmission, Nanos now);
    void send_ack(Nanos now);
    void send_syn(Nanos now);
    void send_reset(Nanos now);
    void send_probe(Nanos now);
    // Sends one segment: `data_length` bytes from the send buffer at `data_offset`, the
    // options the connection uses (those of a SYN when `flags` has SYN).
    Result<void> transmit(u32 seq, u8 flags, usize data_offset, usize data_length, Nanos now,
                          bool retransmission = false);
    u32 window_to_advertise();
    u32 receive_window() const;  // what the peer may still send
    bool nagle_allows() const;
    usize send_mss() const;  // data bytes per segment, after the options we send
    u32 fin_seq() const { return m_send_seq + static_cast<u32>(m_send.length()); }
    u32 data_end() const { return fin_seq(); }
    usize send_capacity() const;
    void after_send_space_change();
    u32 rcv_nxt() const { return m_receive.next_seq() + (m_fin_received ? 1 : 0); }
    u32 ts_now(Nanos now) const { return static_cast<u32>(now / kMillisecond) + m_ts_offset; }

    // ---- timers.cc ----
    void run_timers(Nanos now);
    void on_retransmit_timer(Nanos now);
    void on_persist_timer(Nanos now);
    void on_keepalive_timer(Nanos now);
    void on_delayed_ack_timer(Nanos now);
    void on_state_timer(Nanos now);
    void on_cork_timer(Nanos now);
    void arm_retransmit(Nanos now);
    void arm_persist(Nanos now);
    void stop_transmit_timer();
    void arm_keepalive(Nanos now);
    void restart_transmit_timer(Nanos now);
    Nanos deadline() const;
    void schedule();

    // ---- State changes (socket_api.cc) ----
    void set_state(State state);
    void enter_time_wait(Nanos now);
    void finish(int error, Nanos now);  // to CLOSED; error 0 for a normal end
    void notify(u32 events);
    bool orphaned() const { return !m_app_owned && !m_parent; }

    Tcp& m_tcp;
    State m_state = State::Closed;
    Endpoint m_local;
    Endpoint m_remote;
    SocketOptions m_options;

    // Tables and lists the stack keeps the socket in (tcp.cc, tables.cc).
    ChainNode m_connection_link;  // 4-tuple table (synchronized states and SYN_SENT)
    ChainNode m_port_link;        // sockets holding a local port
    ChainNode m_listener_link;    // listeners by port
    ListNode m_all_link;          // every socket (for_each_socket)
    ListNode m_event_link;        // events waiting for delivery, then the free list
    ListNode m_queue_link;        // a listener's SYN or accept queue
    HeapNode m_timer_link;
    Nanos m_timer_key = 0;  // where the socket sits in the timer heap (may be early)
    u32 m_pending_events = 0;

    bool m_app_owned = true;        // the glue holds it (until close)
    bool m_ever_connected = false;  // connect() again is EISCONN
    bool m_freeing = false;         // on the free list
    bool m_bound = false;           // holds its local port
    bool m_bind_explicit = false;   // bound by bind() (the port survives a reset)
    bool m_bound_by_connect = false;
    bool m_orphan_counted = false;
    bool m_time_wait_counted = false;
    Socket* m_parent = nullptr;  // the listener, while in its queues
    bool m_in_accept_queue = false;
    bool m_deferred = false;  // established, waiting for data (TCP_DEFER_ACCEPT)
    bool m_from_cookie = false;
    ListenQueues* m_listen = nullptr;

    int m_error = 0;       // pending (SO_ERROR)
    int m_soft_error = 0;  // reported if the connection times out (ICMP)
    bool m_shut_read = false;
    bool m_shut_write = false;  // the application asked; the FIN follows the data
    bool m_fin_received = false;
    bool m_fin_out_of_order = false;
    u32 m_fin_seq_received = 0;

    // Send side (RFC 9293 §3.3.1).
    u32 m_iss = 0;
    u32 m_snd_una = 0;
    u32 m_snd_nxt = 0;
    u32 m_snd_wnd = 0;  // scaled
    u32 m_snd_wl1 = 0;
    u32 m_snd_wl2 = 0;
    u32 m_max_snd_wnd = 0;
    u8 m_snd_wscale = 0;
    SendBuffer m_send;
    u32 m_send_seq = 0;  // sequence number of the send buffer's first byte
    bool m_fin_sent = false;
    u32 m_snd_sml = 0;            // end of the last small segment sent (Nagle, Minshall's variant)
    bool m_more = false;          // MSG_MORE: the last write said more follows
    bool m_cork_expired = false;  // TCP_CORK's 200 ms ceiling passed: push partial data
    Nanos m_cork_deadline = 0;
    u16 m_peer_mss = kDefaultMss;
    u16 m_mss = kDefaultMss;  // the largest segment we send (without options)
    u16 m_advertised_mss = 0;
    usize m_path_limit = 0;  // from ICMP fragmentation-needed (0: none)

    // Loss recovery and congestion control.
    Recovery m_recovery = Recovery::Open;
    u32 m_recover = 0;   // snd_nxt when recovery began (RFC 6582)
    u32 m_high_rxt = 0;  // retransmitted up to here in this recovery
    u32 m_lost_to = 0;   // Loss: what the timeout marked lost
    u32 m_dupacks = 0;
    LazySeqRangeSet<32> m_scoreboard;  // SACKed by the peer, above snd_una
    CongestionWindow m_window;
    CongestionSlot m_cc;
    bool m_cwnd_limited = false;
    RttEstimator m_rtt;
    bool m_rtt_timing = false;
    u32 m_rtt_seq = 0;
    Nanos m_rtt_start = 0;
    u32 m_retransmits = 0;  // consecutive timeouts
    u32 m_probes = 0;       // unanswered window or keepalive probes
    u32 m_total_retrans = 0;
    u32 m_syn_retransmits = 0;
    Nanos m_last_send = 0;
    Nanos m_last_data_sent = 0;
    Nanos m_last_ack_received = 0;

    // Receive side.
    u32 m_irs = 0;
    ReceiveBuffer m_receive;
    usize m_rcv_capacity = 0;
    u32 m_rcv_adv = 0;  // right edge of the window we advertised
    u32 m_rcv_wup = 0;  // rcv_nxt when we last sent a window (Linux's rcv_wup)
    u8 m_rcv_wscale = 0;
    u16 m_rcv_mss = kDefaultMss;  // the peer's segment size, as seen
    Nanos m_last_data_received = 0;
    Nanos m_last_received = 0;

    // Acknowledgement policy.
    Nanos m_delack_deadline = 0;
    bool m_ack_now = false;
    bool m_pushed = false;    // a small segment arrived (Linux's ICSK_ACK_PUSHED)
    bool m_pingpong = false;  // interactive: our data carries the ACKs
    u8 m_quickacks = 0;

    // Options agreed in the handshake.
    bool m_timestamps = false;
    bool m_sack = false;
    bool m_scaling = false;
    u32 m_ts_recent = 0;
    Nanos m_ts_recent_stamp = 0;
    u32 m_ts_offset = 0;
    u16 m_peer_syn_mss = 0;  // the MSS option in the peer's SYN (0: none)

    // Timers (0: not armed).
    TransmitTimer m_transmit_timer = TransmitTimer::None;
    Nanos m_transmit_deadline = 0;
    Nanos m_keepalive_deadline = 0;
    Nanos m_state_deadline = 0;  // TIME_WAIT, orphaned FIN_WAIT_2, TCP_DEFER_ACCEPT
    Nanos m_challenge_ack_time = 0;

    // Counters for TCP_INFO.
    u64 m_bytes_acked = 0;
    u64 m_bytes_received = 0;
    u64 m_bytes_sent = 0;
    u64 m_bytes_retrans = 0;
    u32 m_segs_in = 0;
    u32 m_segs_out = 0;
    u32 m_data_segs_in = 0;
    u32 m_data_segs_out = 0;
};

}  // namespace net::tcp
