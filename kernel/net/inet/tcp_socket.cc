// AF_INET SOCK_STREAM: libs/net's TCP socket (net/tcp/socket.h) behind the Socket
// interface. Blocking is done here, on the stack's events: connect waits for the
// handshake, accept for a connection, send for room (until every byte is queued, as
// Linux's blocking send does), receive for data.
#include <cstring>
#include <new>

#include "linux/ioctl_numbers.h"
#include "mm/user_memory.h"
#include "net/inet/inet_socket.h"
#include "net/tcp/socket.h"
#include "net/tcp/tcp.h"
#include "sched/clock.h"

namespace net {

namespace {

using linux_abi::ioctl::FIONREAD, linux_abi::ioctl::SIOCOUTQ, linux_abi::ioctl::SIOCOUTQNSD;
constexpr int TCP_NODELAY = 1, TCP_MAXSEG = 2, TCP_CORK = 3, TCP_KEEPIDLE = 4, TCP_KEEPINTVL = 5, TCP_KEEPCNT = 6,
              TCP_SYNCNT = 7, TCP_LINGER2 = 8, TCP_DEFER_ACCEPT = 9, TCP_WINDOW_CLAMP = 10, TCP_INFO = 11,
              TCP_QUICKACK = 12, TCP_CONGESTION = 13, TCP_USER_TIMEOUT = 18, TCP_NOTSENT_LOWAT = 25;
constexpr u32 POLLWRBAND = 0x200;

// struct tcp_info (include/uapi/linux/tcp.h), up to tcpi_rehash (Linux 6.2's layout; a caller gets as much as its length asks).
struct TcpInfo {
    u8 state, ca_state, retransmits, probes, backoff, options, wscale, app_limited;
    u32 rto, ato, snd_mss, rcv_mss;
    u32 unacked, sacked, lost, retrans, fackets;
    u32 last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    u32 pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    u32 rcv_rtt, rcv_space;
    u32 total_retrans;
    u64 pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    u32 segs_out, segs_in;
    u32 notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    u64 delivery_rate;
    u64 busy_time, rwnd_limited, sndbuf_limited;
    u32 delivered, delivered_ce;
    u64 bytes_sent, bytes_retrans;
    u32 dsack_dups, reord_seen;
    u32 rcv_ooopack;
    u32 snd_wnd, rcv_wnd;
    u32 rehash;
};
static_assert(sizeof(TcpInfo) == 240);

// A source or sink seen from an offset into another (the rest of a partly sent buffer).
class OffsetSource final : public ByteSource {
public:
    OffsetSource(const ByteSource& source, usize base) : m_source(source), m_base(base) {}
    Result<void> copy_in(usize offset, u8* destination, usize length) const override {
        return m_source.copy_in(m_base + offset, destination, length);
    }

private:
    const ByteSource& m_source;
    usize m_base;
};
class OffsetSink final : public ByteSink {
public:
    OffsetSink(const ByteSink& sink, usize base) : m_sink(sink), m_base(base) {}
    Result<void> copy_out(usize offset, const u8* source, usize length) const override {
        return m_sink.copy_out(m_base + offset, source, length);
    }

private:
    const ByteSink& m_sink;
    usize m_base;
};
// recv(MSG_TRUNC) on a stream: the bytes are taken and thrown away.
class DiscardSink final : public ByteSink {
public:
    Result<void> copy_out(usize, const u8*, usize) const override { return {}; }
};

usize put_int(u8* out, usize capacity, int v) {
    usize n = capacity < sizeof v ? capacity : sizeof v;
    memcpy(out, &v, n);
    return n;
}

class TcpSocket final : public InetSocket {
public:
    TcpSocket(tcp::Socket* socket, u32 flags) : InetSocket(SOCK_STREAM, IPPROTO_TCP, flags), m_tcp(socket) {
        m_tcp->user = static_cast<StackEvents*>(this);
        // What getsockopt reports before anything is set: TCP's own defaults.
        m_options.receive_buffer = static_cast<int>(socket->options().receive_buffer);
        m_options.send_buffer = static_cast<int>(socket->options().send_buffer);
    }

    ~TcpSocket() override {
        // SO_LINGER with a time: close waits (up to it) for the data to be acknowledged.
        if (m_options.linger && m_options.linger_seconds > 0) {
            u64 deadline = ktime::deadline_after_ns(static_cast<u64>(m_options.linger_seconds) * 1000000000ull);
            (void)blocking(true, deadline, [&](StackAccess& stack) -> Result<int> {
                if (m_tcp->connected() && !m_tcp->hung_up()) {
                    if (!m_linger_fin_sent) {
                        (void)m_tcp->shutdown(false, true, stack.now());
                        m_linger_fin_sent = true;
                    }
                    if (!m_tcp->fin_acknowledged()) return Error(EAGAIN);
                }
                return 0;
            });
        }
        StackAccess stack;
        m_tcp->user = nullptr;
        m_tcp->close(stack.now());
    }

    Result<void> bind(const SocketAddress& address) override {
        Endpoint local = TRY(endpoint_from(address, true));
        if (address.family() == AF_UNSPEC && !local.address.is_any()) return Error(EAFNOSUPPORT);
        StackAccess stack;
        return m_tcp->bind(local, {m_options.reuse_address, m_options.reuse_port});
    }

    Result<void> listen(int backlog) override {
        StackAccess stack;
        m_tcp->set_reuse_address(m_options.reuse_address);
        m_tcp->set_reuse_port(m_options.reuse_port);
        auto listened = m_tcp->listen(backlog, stack.now());
        refresh_events();
        return listened;
    }

    Result<RefPtr<Socket>> accept(u32 flags, SocketAddress* peer) override {
        tcp::Socket* child = TRY(blocking(may_block(0), receive_deadline(), [&](StackAccess&) -> Result<tcp::Socket*> {
            if (!m_tcp->is_listening()) return Error(EINVAL);
            tcp::Socket* c = m_tcp->accept();
            if (!c) return Error(EAGAIN);
            return c;
        }));
        StackAccess stack;
        auto* socket = new (std::nothrow) TcpSocket(child, flags & SOCK_NONBLOCK ? fs::O_NONBLOCK : 0);
        if (!socket) {
            child->abort(stack.now());
            child->close(stack.now());
            return Error(ENOMEM);
        }
        // The options a listener passes on to its connections, as on Linux.
        socket->m_options = m_options;
        socket->m_connect = ConnectState::Connected;
        socket->refresh_events();
        if (peer) endpoint_to(child->remote(), *peer);
        return RefPtr<Socket>::adopt(socket);
    }

    Result<void> connect(const SocketAddress& address) override {
        if (address.length >= 2 && address.family() == AF_UNSPEC) {
            // connect(AF_UNSPEC) disconnects (tcp_disconnect): the connection is reset.
            StackAccess stack;
            m_tcp->abort(stack.now());
            m_connect = ConnectState::Idle;
            refresh_events();
            return {};
        }
        Endpoint remote = TRY(endpoint_from(address, false));
        if (remote.address.is_any()) remote.address = kIpv4Loopback;  // Linux: 0.0.0.0 is this host
        // The socket-level connect state, as Linux keeps it (inet_stream_connect): once
        // connecting, later calls report on that attempt instead of starting another.
        if (m_connect == ConnectState::Connected) return Error(EISCONN);
        if (m_connect == ConnectState::Idle) {
            StackAccess stack;
            m_tcp->set_reuse_address(m_options.reuse_address);
            m_tcp->set_reuse_port(m_options.reuse_port);
            auto started = m_tcp->connect(remote, stack.now());
            refresh_events();
            if (started.is_error()) return started;
            m_connect = ConnectState::Connecting;
            if (nonblocking()) return Error(EINPROGRESS);
        }
        auto done = blocking(!nonblocking(), send_deadline(), [&](StackAccess&) -> Result<int> {
            if (m_tcp->connected() || m_tcp->state() == tcp::State::CloseWait) return 0;
            if (m_tcp->state() == tcp::State::SynSent || m_tcp->state() == tcp::State::SynReceived)
                return Error(EAGAIN);
            // It failed (refused, timed out, reset): the error once, then ECONNABORTED.
            int error = m_tcp->take_error();
            return Error(error ? error : ECONNABORTED);
        });
        if (done.is_ok()) {
            m_connect = ConnectState::Connected;
            return {};
        }
        if (done.error() == EAGAIN) return Error(nonblocking() ? EALREADY : EINPROGRESS);  // SO_SNDTIMEO passed
        if (done.error() != ERESTARTSYS && done.error() != EINTR) m_connect = ConnectState::Idle;
        return Error(done.error());
    }

    Result<void> local_address(SocketAddress& out) override {
        StackAccess stack;
        endpoint_to(m_tcp->local(), out);
        return {};
    }

    Result<void> peer_address(SocketAddress& out) override {
        StackAccess stack;
        if (!m_tcp->connected() && m_tcp->state() != tcp::State::CloseWait) return Error(ENOTCONN);
        endpoint_to(m_tcp->remote(), out);
        return {};
    }

    Result<usize> send(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EOPNOTSUPP);  // FIXME: urgent data
        if (message.ancillary && (message.ancillary->file_count || message.ancillary->has_credentials))
            return Error(EINVAL);
        if (message.length == 0) {
            StackAccess stack;
            if (int error = m_tcp->take_error()) return Error(error);
            return 0;
        }
        bool more = message.flags & MSG_MORE;
        bool may_wait = may_block(message.flags);
        u64 deadline = send_deadline();
        usize done = 0;
        while (done < message.length) {
            OffsetSource rest(*message.source, done);
            auto sent = blocking(may_wait, deadline, [&](StackAccess& stack) -> Result<usize> {
                usize n = TRY(m_tcp->send(rest, message.length - done, more, stack.now()));
                if (n == 0) return Error(EAGAIN);
                return n;
            });
            if (sent.is_error()) {
                if (done) return done;  // a partial send reports what went
                return sent;
            }
            done += sent.value();
            if (!may_wait) break;  // non-blocking: what fitted
        }
        return done;
    }

    Result<usize> receive(Message& message) override {
        if (message.flags & MSG_OOB) return Error(EINVAL);  // no urgent data is ever kept
        if (message.flags & MSG_ERRQUEUE) return Error(EAGAIN);
        bool peek = message.flags & MSG_PEEK;
        bool wait_all = (message.flags & MSG_WAITALL) && !peek;
        bool may_wait = may_block(message.flags);
        DiscardSink discard;
        const ByteSink& sink = (message.flags & MSG_TRUNC) ? static_cast<const ByteSink&>(discard) : *message.sink;
        u64 deadline = receive_deadline();
        usize done = 0;
        for (;;) {
            OffsetSink rest(sink, done);
            auto got = blocking(may_wait, deadline, [&](StackAccess& stack) -> Result<usize> {
                return m_tcp->receive(rest, message.length - done, peek, stack.now());
            });
            if (got.is_error()) return done ? Result<usize>(done) : got;
            done += got.value();
            if (got.value() == 0 || !wait_all || done >= message.length) break;
        }
        // A stream socket leaves msg_name alone: recvfrom reports an address length of 0.
        if (message.address) *message.address = {};
        return done;
    }

    Result<void> shutdown(int how) override {
        StackAccess stack;
        if (m_tcp->is_listening()) {
            // A listener shut for reading stops listening (Linux closes its queue).
            if (how != SHUT_WR) m_tcp->abort(stack.now());
            refresh_events();
            return {};
        }
        auto shut = m_tcp->shutdown(how != SHUT_WR, how != SHUT_RD, stack.now());
        if (shut.is_ok()) {
            m_shut_read = m_shut_read || how != SHUT_WR;
            m_shut_write = m_shut_write || how != SHUT_RD;
        }
        refresh_events();
        return shut;
    }

protected:
    // As Linux's tcp_poll: a connection that ended (reset, refused, closed) counts as shut
    // both ways; a socket never connected is CLOSE and so "hung up" yet writable.
    u32 compute_events() override {
        if (m_tcp->is_listening()) return m_tcp->accept_queue_empty() ? 0 : fs::POLLIN | fs::POLLRDNORM;
        tcp::State state = m_tcp->state();
        bool closed = state == tcp::State::Closed || state == tcp::State::TimeWait;
        bool ended = closed && m_connect != ConnectState::Idle;
        bool read_shut = m_shut_read || m_tcp->peer_closed() || ended;
        bool write_shut = m_shut_write || ended;
        u32 events = 0;
        if ((read_shut && write_shut) || closed) events |= fs::POLLHUP;
        if (read_shut) events |= fs::POLLIN | fs::POLLRDNORM | fs::POLLRDHUP;
        if (state != tcp::State::SynSent && state != tcp::State::SynReceived) {
            if (m_tcp->readable()) events |= fs::POLLIN | fs::POLLRDNORM;
            if (write_shut || closed || m_tcp->writable()) events |= fs::POLLOUT | fs::POLLWRNORM | POLLWRBAND;
        }
        if (m_tcp->has_error()) events |= fs::POLLERR;
        return events;
    }

    bool listening() const override { return m_tcp->is_listening(); }

    int take_error() override {
        StackAccess stack;
        int error = m_tcp->take_error();
        refresh_events();
        return error;
    }

    void common_option_changed(int name) override {
        StackAccess stack;
        switch (name) {
            case SO_REUSEADDR: m_tcp->set_reuse_address(m_options.reuse_address); break;
            case SO_REUSEPORT: m_tcp->set_reuse_port(m_options.reuse_port); break;
            case SO_KEEPALIVE: m_tcp->set_keepalive(m_options.keepalive, stack.now()); break;
            case SO_LINGER: m_tcp->set_linger(m_options.linger, m_options.linger_seconds); break;
            // The common layer stored the doubled value; TCP doubles what it is given.
            case SO_RCVBUF: case SO_RCVBUFFORCE:
                m_tcp->set_receive_buffer(static_cast<u64>(m_options.receive_buffer) / 2, stack.now());
                m_options.receive_buffer = static_cast<int>(m_tcp->options().receive_buffer);
                break;
            case SO_SNDBUF: case SO_SNDBUFFORCE:
                m_tcp->set_send_buffer(static_cast<u64>(m_options.send_buffer) / 2, stack.now());
                m_options.send_buffer = static_cast<int>(m_tcp->options().send_buffer);
                break;
            default: break;
        }
        refresh_events();
    }

    Result<void> set_family_option(int level, int name, const u8* value, usize length) override {
        StackAccess stack;
        if (level == SOL_IP) {
            u8 ttl = m_tcp->options().ttl, tos = m_tcp->options().tos;
            TRY(set_ip_option(name, value, length, ttl, tos));
            m_tcp->set_ttl(ttl);
            m_tcp->set_tos(tos);
            return {};
        }
        if (level != SOL_TCP) return Error(ENOPROTOOPT);
        if (name == TCP_CONGESTION) {
            char algorithm[16] = {};
            for (usize i = 0; i < length && i < sizeof algorithm - 1 && value[i]; i++) algorithm[i] = static_cast<char>(value[i]);
            if (!strcmp(algorithm, "cubic")) return m_tcp->set_congestion_algorithm(tcp::CongestionAlgorithm::Cubic);
            if (!strcmp(algorithm, "reno")) return m_tcp->set_congestion_algorithm(tcp::CongestionAlgorithm::NewReno);
            return Error(ENOENT);  // as Linux says for an algorithm it does not have
        }
        int v = TRY(read_int(value, length));
        Nanos now = stack.now();
        switch (name) {
            case TCP_NODELAY: m_tcp->set_nodelay(v != 0, now); break;
            case TCP_CORK: m_tcp->set_cork(v != 0, now); break;
            case TCP_KEEPIDLE: TRY(m_tcp->set_keepalive_idle(v, now)); break;
            case TCP_KEEPINTVL: TRY(m_tcp->set_keepalive_interval(v)); break;
            case TCP_KEEPCNT: TRY(m_tcp->set_keepalive_count(v)); break;
            case TCP_DEFER_ACCEPT: m_tcp->set_defer_accept(v); break;
            case TCP_MAXSEG: TRY(m_tcp->set_max_segment(v)); break;
            case TCP_QUICKACK: m_tcp->set_quickack(v != 0, now); break;
            default: return Error(ENOPROTOOPT);
        }
        refresh_events();
        return {};
    }

    Result<usize> get_family_option(int level, int name, u8* out, usize capacity) override {
        StackAccess stack;
        const tcp::SocketOptions& o = m_tcp->options();
        if (level == SOL_IP) return get_ip_option(name, out, capacity, o.ttl, o.tos);
        if (level != SOL_TCP) return Error(ENOPROTOOPT);
        switch (name) {
            case TCP_NODELAY: return put_int(out, capacity, o.nodelay);
            case TCP_CORK: return put_int(out, capacity, o.cork);
            case TCP_KEEPIDLE: return put_int(out, capacity, static_cast<int>(o.keepalive_idle));
            case TCP_KEEPINTVL: return put_int(out, capacity, static_cast<int>(o.keepalive_interval));
            case TCP_KEEPCNT: return put_int(out, capacity, static_cast<int>(o.keepalive_count));
            case TCP_DEFER_ACCEPT: return put_int(out, capacity, static_cast<int>(o.defer_accept));
            case TCP_QUICKACK: return put_int(out, capacity, m_tcp->quickack());
            case TCP_MAXSEG: {
                auto info = m_tcp->info(stack.now());
                int mss = info.snd_mss ? static_cast<int>(info.snd_mss) : (o.max_segment ? o.max_segment : 536);
                return put_int(out, capacity, mss);
            }
            case TCP_CONGESTION: {
                const char* name_text = m_tcp->congestion_name();
                char buffer[16] = {};
                for (usize i = 0; i < sizeof buffer - 1 && name_text[i]; i++) buffer[i] = name_text[i];
                usize n = capacity < sizeof buffer ? capacity : sizeof buffer;
                memcpy(out, buffer, n);
                return n;
            }
            case TCP_INFO: {
                TcpInfo t = tcp_info(m_tcp->info(stack.now()));
                usize n = capacity < sizeof t ? capacity : sizeof t;
                memcpy(out, &t, n);
                return n;
            }
            default: return Error(ENOPROTOOPT);
        }
    }

    Result<u64> family_ioctl(u32 request, u64 argument) override {
        int value;
        {
            StackAccess stack;
            switch (request) {
                case FIONREAD:
                    if (m_tcp->is_listening()) return Error(EINVAL);
                    value = static_cast<int>(m_tcp->readable_bytes());
                    break;
                case SIOCOUTQ: value = static_cast<int>(m_tcp->unacked_bytes()); break;
                case SIOCOUTQNSD: value = static_cast<int>(m_tcp->unsent_bytes()); break;
                default: return Error(ENOTTY);
            }
        }
        TRY(UserPtr<int>(argument).write(value));
        return 0;
    }

private:
    static TcpInfo tcp_info(const tcp::Info& i) {
        TcpInfo t{};
        // A connection in TIME_WAIT has left the socket the application holds (Linux hands
        // it to a mini-socket): that one reads CLOSE.
        t.state = static_cast<u8>(i.state == tcp::State::TimeWait ? tcp::State::Closed : i.state);
        t.ca_state = i.ca_state;
        t.retransmits = i.retransmits;
        t.probes = i.probes;
        t.backoff = i.backoff;
        t.options = i.options;
        t.wscale = static_cast<u8>((i.snd_wscale & 0xf) | (i.rcv_wscale << 4));
        t.rto = i.rto;
        t.ato = i.ato;
        t.snd_mss = i.snd_mss;
        t.rcv_mss = i.rcv_mss;
        t.unacked = i.unacked;
        t.sacked = i.sacked;
        t.lost = i.lost;
        t.retrans = i.retrans;
        t.last_data_sent = i.last_data_sent_ms;
        t.last_data_recv = i.last_data_recv_ms;
        t.last_ack_recv = i.last_ack_recv_ms;
        t.pmtu = i.pmtu;
        t.rcv_ssthresh = i.rcv_ssthresh;
        t.rtt = i.rtt;
        t.rttvar = i.rttvar;
        t.snd_ssthresh = i.snd_ssthresh;
        t.snd_cwnd = i.snd_cwnd;
        t.advmss = i.advmss;
        t.reordering = i.reordering;
        t.rcv_space = i.rcv_space;
        t.total_retrans = i.total_retrans;
        t.pacing_rate = t.max_pacing_rate = ~0ull;
        t.bytes_acked = i.bytes_acked;
        t.bytes_received = i.bytes_received;
        t.segs_out = i.segs_out;
        t.segs_in = i.segs_in;
        t.notsent_bytes = i.notsent_bytes;
        t.min_rtt = i.min_rtt;
        t.data_segs_in = i.data_segs_in;
        t.data_segs_out = i.data_segs_out;
        t.bytes_sent = i.bytes_sent;
        t.bytes_retrans = i.bytes_retrans;
        t.snd_wnd = i.snd_wnd;
        t.rcv_wnd = i.rcv_wnd;
        return t;
    }

    enum class ConnectState : u8 { Idle, Connecting, Connected };

    tcp::Socket* m_tcp;  // owned until the destructor closes it; used under the stack lock
    bool m_linger_fin_sent = false;
    ConnectState m_connect = ConnectState::Idle;  // touched only by connect() (and accept)
    bool m_shut_read = false, m_shut_write = false;  // shutdown(2) asked; guarded by the stack lock
};

}  // namespace

Result<RefPtr<Socket>> create_tcp_socket(int protocol, u32 status_flags) {
    if (protocol != IPPROTO_IP && protocol != IPPROTO_TCP) return Error(EPROTONOSUPPORT);
    if (!engine::started()) return Error(EAFNOSUPPORT);
    StackAccess stack;
    tcp::Socket* raw = TRY(stack.tcp().create_socket());
    auto* socket = new (std::nothrow) TcpSocket(raw, status_flags);
    if (!socket) {
        raw->close(stack.now());
        return Error(ENOMEM);
    }
    static_cast<StackEvents*>(socket)->stack_changed(0);
    return RefPtr<Socket>::adopt(socket);
}

}  // namespace net
