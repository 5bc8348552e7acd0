// Socket options with their side effects (pushing data when Nagle or a cork is lifted,
// arming keepalive), Linux's validation ranges and value rounding, and TCP_INFO.
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

namespace {

// Linux's SOCK_MIN_RCVBUF / SOCK_MIN_SNDBUF (2048 or 4096 bytes plus an skb's overhead).
constexpr usize kMinReceiveBuffer = 2304;
constexpr usize kMinSendBuffer = 4608;
constexpr int kMaxKeepaliveSeconds = 32767;
constexpr int kMaxKeepaliveCount = 127;
constexpr int kMaxUserMss = 32767;

// TCP_DEFER_ACCEPT is kept as a count of SYN-ACK retransmissions (1 s doubling up to
// 120 s) and reported back as their total time, as Linux does.
u8 seconds_to_retransmits(int seconds) {
    if (seconds <= 0) return 0;
    int timeout = 1, period = 1;
    u8 retransmits = 1;
    while (seconds > period && retransmits < 255) {
        retransmits++;
        timeout <<= 1;
        if (timeout > 120) timeout = 120;
        period += timeout;
    }
    return retransmits;
}

int retransmits_to_seconds(u8 retransmits) {
    if (retransmits == 0) return 0;
    int timeout = 1, period = 1;
    while (--retransmits) {
        timeout <<= 1;
        if (timeout > 120) timeout = 120;
        period += timeout;
    }
    return period;
}

u32 to_micros(Nanos n) { return static_cast<u32>(n / 1000); }

}  // namespace

void Socket::set_nodelay(bool on, Nanos now) {
    Tcp::Scope scope(m_tcp);
    m_options.nodelay = on;
    if (on) {
        output(now);  // Linux pushes what Nagle held back
        schedule();
    }
}

void Socket::set_cork(bool on, Nanos now) {
    Tcp::Scope scope(m_tcp);
    m_options.cork = on;
    if (!on) {
        m_cork_deadline = 0;
        output(now);
        schedule();
    }
}

void Socket::set_keepalive(bool on, Nanos now) {
    Tcp::Scope scope(m_tcp);
    m_options.keepalive = on;
    m_probes = 0;
    arm_keepalive(now);
    schedule();
}

Result<void> Socket::set_keepalive_idle(int seconds, Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (seconds < 1 || seconds > kMaxKeepaliveSeconds) return Error(EINVAL);
    m_options.keepalive_idle = static_cast<u32>(seconds);
    arm_keepalive(now);
    schedule();
    return {};
}

Result<void> Socket::set_keepalive_interval(int seconds) {
    if (seconds < 1 || seconds > kMaxKeepaliveSeconds) return Error(EINVAL);
    m_options.keepalive_interval = static_cast<u32>(seconds);
    return {};
}

Result<void> Socket::set_keepalive_count(int count) {
    if (count < 1 || count > kMaxKeepaliveCount) return Error(EINVAL);
    m_options.keepalive_count = static_cast<u32>(count);
    return {};
}

void Socket::set_receive_buffer(u64 bytes, Nanos now) {
    Tcp::Scope scope(m_tcp);
    u64 limit = m_tcp.m_config.max_buffer_request;
    usize stored = static_cast<usize>((bytes < limit ? bytes : limit) * 2);
    if (stored < kMinReceiveBuffer) stored = kMinReceiveBuffer;
    m_options.receive_buffer = stored;
    m_options.receive_buffer_locked = true;
    // The window already promised stays honoured: the buffer never shrinks below it.
    usize promised = m_receive.ready() + receive_window();
    m_rcv_capacity = stored > promised ? stored : promised;
    if (is_synchronized(m_state)) after_read(now);
}

void Socket::set_send_buffer(u64 bytes, Nanos now) {
    Tcp::Scope scope(m_tcp);
    u64 limit = m_tcp.m_config.max_buffer_request;
    usize stored = static_cast<usize>((bytes < limit ? bytes : limit) * 2);
    if (stored < kMinSendBuffer) stored = kMinSendBuffer;
    m_options.send_buffer = stored;
    m_options.send_buffer_locked = true;
    m_send.set_capacity(stored);
    (void)now;
    if (writable_space() > 0) notify(Events::kWritable);
}

void Socket::set_linger(bool on, int seconds) {
    m_options.linger = on;
    m_options.linger_seconds = seconds > 0 ? static_cast<u32>(seconds) : 0;
}

void Socket::set_defer_accept(int seconds) {
    m_options.defer_accept = static_cast<u32>(retransmits_to_seconds(seconds_to_retransmits(seconds)));
}

Result<void> Socket::set_max_segment(int bytes) {
    if (bytes != 0 && (bytes < kMinUserMss || bytes > kMaxUserMss)) return Error(EINVAL);
    m_options.max_segment = static_cast<u16>(bytes);
    if (is_synchronized(m_state)) update_mss();
    return {};
}

void Socket::set_quickack(bool on, Nanos now) {
    Tcp::Scope scope(m_tcp);
    if (on) {
        // Linux: leave interactive mode, and acknowledge what is pending now.
        m_pingpong = false;
        m_quickacks = kMaxQuickAcks;
        if (m_delack_deadline && is_synchronized(m_state)) {
            m_ack_now = true;
            output(now);
        }
    } else {
        m_pingpong = true;
    }
    schedule();
}

bool Socket::quickack() const { return !m_pingpong; }

Result<void> Socket::set_congestion_algorithm(CongestionAlgorithm algorithm) {
    m_cc.select(algorithm);
    return {};
}

Info Socket::info(Nanos now) const {
    Info i;
    i.state = m_state;
    i.ca_state = m_recovery == Recovery::Fast ? 3 : m_recovery == Recovery::Loss ? 4 : (m_dupacks ? 1 : 0);
    i.retransmits = static_cast<u8>(m_retransmits > 255 ? 255 : m_retransmits);
    i.probes = static_cast<u8>(m_probes > 255 ? 255 : m_probes);
    i.backoff = static_cast<u8>(m_rtt.backoff());
    i.options = (m_timestamps ? 1 : 0) | (m_sack ? 2 : 0) | (m_scaling ? 4 : 0);
    i.snd_wscale = m_snd_wscale;
    i.rcv_wscale = m_rcv_wscale;
    i.rto = to_micros(m_rtt.rto());
    i.ato = to_micros(kDelayedAckTimeout);
    i.snd_mss = static_cast<u32>(send_mss());
    i.rcv_mss = m_rcv_mss;
    u32 mss = m_mss ? m_mss : 1;
    u32 outstanding = is_synchronized(m_state) ? m_snd_nxt - m_snd_una : 0;
    i.unacked = (outstanding + mss - 1) / mss;
    i.sacked = (sacked_bytes() + mss - 1) / mss;
    if (in_recovery()) i.lost = (lost_end() - m_snd_una + mss - 1) / mss;
    i.retrans = m_retransmits;
    auto ago = [&](Nanos t) { return t && now >= t ? static_cast<u32>((now - t) / kMillisecond) : 0; };
    i.last_data_sent_ms = ago(m_last_data_sent);
    i.last_data_recv_ms = ago(m_last_data_received);
    i.last_ack_recv_ms = ago(m_last_ack_received);
    i.pmtu = static_cast<u32>(m_tcp.m_ip.max_payload(m_remote.address) + 20);
    i.rcv_ssthresh = static_cast<u32>(m_rcv_capacity);
    i.rtt = to_micros(m_rtt.srtt());
    i.rttvar = to_micros(m_rtt.rttvar());
    i.snd_ssthresh = m_window.ssthresh >= kInfiniteSsthresh ? 0x7fffffff : m_window.ssthresh / mss;
    i.snd_cwnd = m_window.cwnd / mss;
    i.advmss = m_advertised_mss;
    i.rcv_space = static_cast<u32>(m_rcv_capacity);
    i.total_retrans = m_total_retrans;
    i.bytes_acked = m_bytes_acked;
    i.bytes_received = m_bytes_received;
    i.bytes_sent = m_bytes_sent;
    i.bytes_retrans = m_bytes_retrans;
    i.segs_out = m_segs_out;
    i.segs_in = m_segs_in;
    i.data_segs_in = m_data_segs_in;
    i.data_segs_out = m_data_segs_out;
    i.notsent_bytes = static_cast<u32>(unsent_bytes());
    i.min_rtt = to_micros(m_rtt.min_rtt());
    i.snd_wnd = m_snd_wnd;
    i.rcv_wnd = receive_window();
    return i;
}

}  // namespace net::tcp
