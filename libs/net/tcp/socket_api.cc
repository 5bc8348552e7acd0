// The socket calls (bind, listen, accept, connect, send, receive, shutdown, close,
// abort), readiness for poll, and the state changes every path shares (to CLOSED, to
// TIME_WAIT), with the counters Linux keeps on them.
#include <new>

#include "net/tcp/listener.h"
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

const char* state_name(State state) {
    switch (state) {
        case State::Established:
            return "ESTABLISHED";
        case State::SynSent:
            return "SYN_SENT";
        case State::SynReceived:
            return "SYN_RECV";
        case State::FinWait1:
            return "FIN_WAIT1";
        case State::FinWait2:
            return "FIN_WAIT2";
        case State::TimeWait:
            return "TIME_WAIT";
        case State::Closed:
            return "CLOSE";
        case State::CloseWait:
            return "CLOSE_WAIT";
        case State::LastAck:
            return "LAST_ACK";
        case State::Listen:
            return "LISTEN";
        case State::Closing:
            return "CLOSING";
    }
    return "UNKNOWN";
}

Socket::Socket(Tcp& tcp) : m_tcp(tcp) {
    const Config& config = tcp.m_config;
    m_options.receive_buffer = config.receive_buffer;
    m_options.send_buffer = config.send_buffer;
    m_options.keepalive_idle = static_cast<u32>(config.keepalive_time / kSecond);
    m_options.keepalive_interval = static_cast<u32>(config.keepalive_interval / kSecond);
    m_options.keepalive_count = config.keepalive_probes;
    m_rcv_capacity = m_options.receive_buffer;
    m_cc.select(config.congestion);
}

Socket::~Socket() { delete m_listen; }

// ---- State changes ----

void Socket::notify(u32 events) {
    if (m_app_owned) m_tcp.queue_event(*this, events);
}

void Socket::set_state(State state) {
    State old = m_state;
    if (old == state) return;
    Stats& stats = m_tcp.m_stats;
    if (counts_as_established(old) && !counts_as_established(state) && stats.curr_estab) stats.curr_estab--;
    if (!counts_as_established(old) && counts_as_established(state)) stats.curr_estab++;
    if (state == State::Closed) {
        if (counts_as_established(old)) stats.estab_resets++;
        if (old == State::SynSent || old == State::SynReceived) stats.attempt_fails++;
    }
    if (old == State::TimeWait && m_time_wait_counted) {
        m_time_wait_counted = false;
        m_tcp.m_time_wait_count--;
    }
    m_state = state;
}

void Socket::finish(int error, Nanos now) {
    (void)now;
    if (error) {
        m_error = error;
        notify(Events::kError);
    }
    State old = m_state;
    set_state(State::Closed);
    stop_transmit_timer();
    m_delack_deadline = m_keepalive_deadline = m_state_deadline = m_cork_deadline = 0;
    m_tcp.m_tables.remove_connection(*this);
    m_send.release();
    if (!m_app_owned) m_receive.release();
    if (!m_bind_explicit || orphaned()) m_tcp.unbind(*this);
    if (old != State::Closed) notify(Events::kClosed | Events::kReadable | Events::kWritable);
    if (m_parent && !m_in_accept_queue) {
        // An embryonic connection died: it leaves the listener's SYN queue.
        ListenQueues::unlink(*this);
        m_tcp.free_later(*this);
    } else if (orphaned()) {
        m_tcp.free_later(*this);
    }
    schedule();
}

void Socket::enter_time_wait(Nanos now) {
    if (m_tcp.m_time_wait_count >= m_tcp.m_config.max_time_wait) {
        // Linux's tcp_max_tw_buckets: beyond it, connections close without TIME_WAIT.
        m_tcp.m_stats.time_wait_overflow++;
        finish(0, now);
        return;
    }
    set_state(State::TimeWait);
    m_time_wait_counted = true;
    m_tcp.m_time_wait_count++;
    if (m_orphan_counted) {
        // TIME_WAIT has its own limit; it is no orphan still closing (as Linux counts).
        m_orphan_counted = false;
        m_tcp.m_orphan_count--;
    }
    stop_transmit_timer();
    m_delack_deadline = m_keepalive_deadline = m_cork_deadline = 0;
    m_state_deadline = now + m_tcp.m_config.time_wait;
    m_send.release();
    if (!m_app_owned) m_receive.release();
    notify(Events::kClosed | Events::kReadable | Events::kWritable);
}

// ---- Setup ----

Result<void> Socket::bind(Endpoint local, BindFlags flags) {
    Tcp::Scope scope(m_tcp);
    return m_tcp.bind(*this, local, flags);
}

Result<void> Socket::autobind() {
    u16 port = TRY(m_tcp.ephemeral_port_for_bind(*this, kIpv4Any));
    m_local = {kIpv4Any, port};
    m_bound = true;
    m_bind_explicit = false;
    m_tcp.m_tables.insert_port(*this);
    return {};
}

Result<void> Socket::listen(int backlog, Nanos now) {
    (void)now;
    Tcp::Scope scope(m_tcp);
    unsigned limit = m_tcp.m_config.somaxconn;
    unsigned clamped = backlog < 0 || static_cast<unsigned>(backlog) > limit ? limit : static_cast<unsigned>(backlog);
    if (m_state == State::Listen) {
        m_listen->backlog = clamped;
        return {};
    }
    if (m_state != State::Closed || m_ever_connected) return Error(EINVAL);
    if (!m_bound) {
        TRY(autobind());
    } else if (m_tcp.conflicts(*this, m_local.address, m_local.port)) {
        return Error(EADDRINUSE);
    }
    m_listen = new (std::nothrow) ListenQueues();
    if (!m_listen) return Error(ENOMEM);
    m_listen->backlog = clamped;
    set_state(State::Listen);
    m_tcp.m_tables.insert_listener(*this);
    return {};
}

Socket* Socket::accept() {
    Tcp::Scope scope(m_tcp);
    if (!m_listen) return nullptr;
    Socket* child = m_listen->ready.pop_front();
    if (!child) return nullptr;
    child->m_parent = nullptr;
    child->m_in_accept_queue = false;
    child->m_app_owned = true;
    child->user = nullptr;
    return child;
}

Result<void> Socket::connect(Endpoint remote, Nanos now) {
    Tcp::Scope scope(m_tcp);
    switch (m_state) {
        case State::Closed:
            break;
        case State::SynSent:
        case State::SynReceived:
            return Error(EALREADY);
        default:
            return Error(EISCONN);
    }
    if (m_ever_connected) return Error(EISCONN);
    if (remote.address.is_any()) remote.address = kIpv4Loopback;  // as Linux: 0.0.0.0 is this host
    if (remote.address.is_multicast() || remote.address.is_limited_broadcast()) return Error(ENETUNREACH);
    Ipv4Address source = m_local.address;
    if (!m_bound || source.is_any()) source = TRY(m_tcp.m_ip.source_for(remote.address));
    if (!m_bound) {
        u16 port = TRY(m_tcp.ephemeral_port_for_connect(source, remote, now));
        m_local = {source, port};
        m_bound = true;
        m_bind_explicit = false;
        m_bound_by_connect = true;
        m_tcp.m_tables.insert_port(*this);
    } else {
        if (m_tcp.m_tables.find_connection({source, m_local.port}, remote)) return Error(EADDRNOTAVAIL);
        m_local.address = source;
    }
    m_remote = remote;
    // A socket whose earlier attempt failed starts afresh.
    m_error = m_soft_error = 0;
    m_shut_read = m_shut_write = m_fin_received = m_fin_out_of_order = false;
    m_recovery = Recovery::Open;
    m_dupacks = m_retransmits = m_probes = 0;
    m_scoreboard.clear();
    m_rtt = RttEstimator{};
    m_path_limit = 0;
    init_send_side(m_tcp.m_secrets.initial_sequence(m_local, m_remote, now));
    m_ts_offset = m_tcp.m_secrets.timestamp_offset(m_local.address, m_remote.address);
    m_rcv_capacity = m_options.receive_buffer;
    m_rcv_wscale = m_tcp.m_config.window_scaling ? m_tcp.receive_window_scale() : 0;
    m_advertised_mss = mss_to_advertise();
    m_peer_mss = kDefaultMss;
    update_mss();
    m_syn_retransmits = 0;
    set_state(State::SynSent);
    m_tcp.m_tables.insert_connection(*this);
    m_tcp.m_stats.active_opens++;
    m_rtt_start = now;
    send_syn(now);
    arm_retransmit(now);
    schedule();
    return {};
}

// ---- Data ----

Result<usize> Socket::send(const ByteSource& data, usize length, bool more, Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (m_error) return Error(take_error());
    if (m_state == State::SynSent || m_state == State::SynReceived) return Error(EAGAIN);
    if (m_shut_write || !(m_state == State::Established || m_state == State::CloseWait)) return Error(EPIPE);
    if (length == 0) return usize{0};
    m_send.set_capacity(send_capacity());
    usize queued = TRY(m_send.append(data, 0, length));
    if (queued == 0) return Error(EAGAIN);
    m_more = more;
    output(now);
    schedule();
    return queued;
}

Result<usize> Socket::receive(const ByteSink& data, usize length, bool peek, Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (m_state == State::Listen) return Error(ENOTCONN);
    if (m_receive.ready() > 0 && length > 0) {
        usize copied = TRY(m_receive.read(data, length, peek));
        if (!peek && copied) after_read(now);
        return copied;
    }
    if (m_error) return Error(take_error());
    if (m_fin_received || m_shut_read) return usize{0};
    if (m_state == State::Closed) {
        if (m_ever_connected) return usize{0};
        return Error(ENOTCONN);
    }
    if (length == 0) return usize{0};
    return Error(EAGAIN);
}

void Socket::after_read(Nanos now) {
    if (!is_synchronized(m_state) || m_state == State::TimeWait || m_fin_received) return;
    // Receive buffer autotuning, simpler than Linux's but to the same end: when the
    // window left to the peer was too small for another segment and the application has
    // taken everything, the window is what limits the transfer: double it.
    usize limit = m_tcp.m_config.receive_buffer_auto_max;
    usize stateable = static_cast<usize>(65535) << m_rcv_wscale;
    if (!m_options.receive_buffer_locked && m_rcv_capacity < limit && m_rcv_capacity < stateable &&
        receive_window() < m_rcv_mss && m_receive.ready() == 0) {
        usize grown = 2 * m_rcv_capacity;
        if (grown > limit) grown = limit;
        m_rcv_capacity = grown;
        m_options.receive_buffer = grown;  // SO_RCVBUF reports it, as Linux's does
    }
    // Linux's tcp_cleanup_rbuf: announce the opened window when the peer knows of less
    // than half the buffer and the window at least doubled...
    u32 current = receive_window();
    bool update = false;
    usize clamp = static_cast<usize>(65535) << m_rcv_wscale;  // the largest window we can state
    if (clamp > m_rcv_capacity) clamp = m_rcv_capacity;
    if (2 * static_cast<usize>(current) <= clamp) {
        usize ready = m_receive.ready();
        usize free = m_rcv_capacity > ready ? m_rcv_capacity - ready : 0;
        if (free > clamp) free = clamp;
        if (free >= 2 * static_cast<usize>(current) && free >= m_rcv_mss) update = true;
    }
    // ...and answer a pushed request at once once it is read, unless our reply will
    // carry the ACK (an interactive exchange).
    if (m_delack_deadline && m_pushed && m_receive.ready() == 0 && !m_pingpong) update = true;
    if (update) {
        m_ack_now = true;
        output(now);
        schedule();
    }
}

Result<void> Socket::shutdown(bool read, bool write, Nanos now) {
    Tcp::Scope scope(m_tcp);
    switch (m_state) {
        case State::Listen:
            if (read) {
                // Linux: shutdown(SHUT_RD) of a listener stops it listening.
                close_listener(now, true);
                m_tcp.unbind(*this);
            }
            return {};
        case State::Closed:
            if (!m_ever_connected) return Error(ENOTCONN);
            break;
        case State::SynSent:
            if (write) finish(0, now);
            return {};
        default:
            break;
    }
    if (read && !m_shut_read) {
        m_shut_read = true;
        notify(Events::kReadable);
    }
    if (write && !m_shut_write && m_state != State::Closed) queue_fin(now);
    schedule();
    return {};
}

void Socket::queue_fin(Nanos now) {
    m_shut_write = true;
    switch (m_state) {
        case State::Established:
            set_state(State::FinWait1);
            break;
        case State::CloseWait:
            set_state(State::LastAck);
            break;
        default:
            break;  // SYN_RECEIVED: the FIN follows once established
    }
    notify(Events::kWritable);
    output(now);
}

void Socket::close_listener(Nanos now, bool send_resets) {
    if (!m_listen) return;
    m_tcp.m_tables.remove_listener(*this);
    // Children nobody accepted: embryonic ones vanish, established ones are reset.
    auto drop = [&](ListenQueues::Queue& queue) {
        while (Socket* child = queue.pop_front()) {
            child->m_parent = nullptr;
            child->m_in_accept_queue = false;
            if (send_resets && is_synchronized(child->m_state) && child->m_state != State::SynReceived &&
                child->m_state != State::TimeWait)
                child->send_reset(now);
            if (send_resets) {
                child->finish(0, now);
            } else {
                m_tcp.destroy(*child);
            }
        }
    };
    drop(m_listen->pending);
    drop(m_listen->ready);
    delete m_listen;
    m_listen = nullptr;
    set_state(State::Closed);
}

void Socket::close(Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (!m_app_owned) return;
    m_app_owned = false;
    user = nullptr;
    switch (m_state) {
        case State::Listen:
            close_listener(now, true);
            m_tcp.free_later(*this);
            return;
        case State::Closed:
            m_tcp.free_later(*this);
            return;
        case State::SynSent:
            finish(0, now);
            return;
        case State::TimeWait:
            m_receive.release();
            return;  // freed when TIME_WAIT ends
        default:
            break;
    }
    bool unread = m_receive.ready() > 0;
    bool linger_zero = m_options.linger && m_options.linger_seconds == 0;
    bool too_many = m_tcp.m_orphan_count >= m_tcp.m_config.max_orphans;
    if (unread || linger_zero || too_many) {
        // Data the application never read is lost: the peer must know (RFC 9293
        // §3.10.4, Linux's TCPAbortOnClose); SO_LINGER 0 asks for the same abort.
        Stats& stats = m_tcp.m_stats;
        if (unread)
            stats.abort_on_close++;
        else if (linger_zero)
            stats.abort_on_linger++;
        else
            stats.abort_on_memory++;
        if (m_state != State::SynReceived) send_reset(now);
        finish(0, now);
        return;
    }
    m_orphan_counted = true;
    m_tcp.m_orphan_count++;
    m_shut_read = true;
    m_receive.release();
    if (!m_shut_write) queue_fin(now);
    if (m_state == State::FinWait2) m_state_deadline = now + m_tcp.m_config.fin_timeout;
    schedule();
}

void Socket::abort(Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (m_state == State::Listen) {
        close_listener(now, true);
        return;
    }
    if (m_state == State::Closed) return;
    if (is_synchronized(m_state) && m_state != State::TimeWait) send_reset(now);
    finish(0, now);
}

// ---- Readiness ----

usize Socket::readable_bytes() const { return m_receive.ready(); }

bool Socket::readable() const {
    if (m_state == State::Listen) return !accept_queue_empty();
    return m_receive.ready() > 0 || m_fin_received || m_shut_read || m_error ||
           (m_state == State::Closed && m_ever_connected);
}

usize Socket::writable_space() const {
    if (m_shut_write || !(m_state == State::Established || m_state == State::CloseWait)) return 0;
    usize capacity = send_capacity();
    return m_send.length() < capacity ? capacity - m_send.length() : 0;
}

bool Socket::writable() const {
    if (m_error) return true;
    if (m_state == State::SynSent || m_state == State::SynReceived || m_state == State::Listen) return false;
    if ((m_state == State::Established || m_state == State::CloseWait) && !m_shut_write) return writable_space() > 0;
    return true;  // send() answers at once (EPIPE)
}

bool Socket::hung_up() const {
    if (m_state == State::Listen || m_state == State::SynSent || m_state == State::SynReceived) return false;
    if (m_state == State::Closed || m_state == State::TimeWait) return true;
    return (m_fin_received || m_shut_read) && m_shut_write;
}

bool Socket::fin_acknowledged() const {
    if (m_state == State::Closed || m_state == State::TimeWait || m_state == State::FinWait2) return true;
    return m_fin_sent && seq_gt(m_snd_una, fin_seq());
}

int Socket::take_error() {
    int error = m_error;
    m_error = 0;
    return error;
}

usize Socket::unsent_bytes() const {
    if (!is_synchronized(m_state)) return m_send.length();
    u32 end = data_end();
    return seq_gt(end, m_snd_nxt) ? end - m_snd_nxt : 0;
}

usize Socket::unacked_bytes() const { return m_send.length(); }

bool Socket::accept_queue_empty() const { return !m_listen || m_listen->ready.empty(); }

unsigned Socket::accept_queue_length() const { return m_listen ? static_cast<unsigned>(m_listen->ready.size()) : 0; }

unsigned Socket::backlog() const { return m_listen ? m_listen->backlog : 0; }

Socket::TimerInfo Socket::timer_info() const {
    TimerInfo info;
    if (m_state == State::TimeWait) return {3, m_state_deadline};
    if (m_transmit_timer == TransmitTimer::Retransmit) return {1, m_transmit_deadline};
    if (m_transmit_timer == TransmitTimer::Persist) return {4, m_transmit_deadline};
    if (m_keepalive_deadline) return {2, m_keepalive_deadline};
    return info;
}

}  // namespace net::tcp
