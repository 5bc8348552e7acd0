// Opening a connection: the SYN_SENT state (RFC 9293 §3.10.7.3), the final ACK in
// SYN_RECEIVED, option negotiation (MSS, window scale, SACK-permitted, timestamps) and
// the step into ESTABLISHED.
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

void Socket::init_send_side(u32 iss) {
    m_iss = iss;
    m_snd_una = iss;
    m_snd_nxt = iss;
    m_send_seq = iss + 1;
    m_snd_sml = iss;
    m_recover = iss;
    m_high_rxt = iss;
    m_lost_to = iss;
    m_fin_sent = false;
}

void Socket::init_receive_side(u32 irs) {
    m_irs = irs;
    m_receive.reset(irs + 1);
    m_rcv_wup = irs + 1;
    m_rcv_adv = irs + 1;
    m_rcv_capacity = m_options.receive_buffer;
}

u16 Socket::mss_to_advertise() const {
    // The route's MTU less the IP and TCP headers (RFC 9293 §3.7.1; 1460 on Ethernet,
    // 65475 on loopback), lowered by TCP_MAXSEG.
    usize payload = m_tcp.m_ip.max_payload(m_remote.address);
    usize mss = payload > kHeaderLength ? payload - kHeaderLength : kDefaultMss;
    if (mss > 65535) mss = 65535;
    if (m_options.max_segment && mss > m_options.max_segment) mss = m_options.max_segment;
    if (mss < kMinMss) mss = kMinMss;
    return static_cast<u16>(mss);
}

void Socket::update_mss() {
    usize path = m_tcp.m_ip.max_payload(m_remote.address);
    if (m_path_limit && path > m_path_limit) path = m_path_limit;
    path = path > kHeaderLength ? path - kHeaderLength : kMinMss;
    usize mss = m_peer_mss < path ? m_peer_mss : path;
    if (m_options.max_segment && mss > m_options.max_segment) mss = m_options.max_segment;
    if (mss < kMinMss) mss = kMinMss;
    m_mss = static_cast<u16>(mss);
}

void Socket::negotiate(const SegmentOptions& peer, bool our_timestamps, bool our_sack, bool our_scaling, Nanos now) {
    m_peer_syn_mss = peer.has_mss ? peer.mss : 0;
    // No MSS option means 536 (RFC 9293 §3.7.1); absurdly small ones are raised to
    // Linux's floor, so a peer cannot make us send a flood of tiny segments.
    u16 peer_mss = peer.has_mss ? peer.mss : kDefaultMss;
    m_peer_mss = peer_mss < kMinMss ? kMinMss : peer_mss;
    m_timestamps = our_timestamps && peer.has_timestamps;
    m_sack = our_sack && peer.sack_permitted;
    // Window scaling only when both SYNs carried the option (RFC 7323 §2.2).
    m_scaling = our_scaling && peer.has_window_scale;
    m_snd_wscale = m_scaling ? peer.window_scale : 0;
    m_rcv_wscale = m_scaling ? m_tcp.receive_window_scale() : 0;
    if (m_timestamps) {
        m_ts_recent = peer.ts_value;
        m_ts_recent_stamp = now;
    }
    update_mss();
}

void Socket::set_established(Nanos now) {
    set_state(State::Established);
    m_ever_connected = true;
    if (m_shut_write) set_state(State::FinWait1);  // closed while the handshake ran
    // RFC 6928's initial window; one segment when the SYN had to be sent again more than
    // once (RFC 6298 §5.7, as Linux applies it).
    m_window.cwnd = m_syn_retransmits > 1 ? m_mss : kInitialWindowSegments * m_mss;
    m_window.ssthresh = kInfiniteSsthresh;
    m_retransmits = 0;
    m_rtt.reset_backoff();
    stop_transmit_timer();
    u16 rcv_mss = m_advertised_mss < kDefaultMss ? m_advertised_mss : kDefaultMss;
    m_rcv_mss = rcv_mss ? rcv_mss : kDefaultMss;
    m_last_received = now;
    arm_keepalive(now);
}

void Socket::on_syn_sent_segment(const Segment& seg, Nanos now) {
    bool has_ack = seg.has(flags::kAck);
    if (has_ack && (seq_le(seg.ack, m_iss) || seq_gt(seg.ack, m_snd_nxt))) {
        if (!seg.has(flags::kRst)) {
            (void)transmit(seg.ack, flags::kRst, 0, 0, now);
            m_tcp.m_stats.out_rsts++;
        }
        return;
    }
    if (seg.has(flags::kRst)) {
        if (has_ack) finish(ECONNREFUSED, now);  // without an acceptable ACK: maybe forged
        return;
    }
    if (!seg.has(flags::kSyn)) return;
    const Config& config = m_tcp.m_config;
    m_last_received = now;
    init_receive_side(seg.seq);
    negotiate(seg.options, config.timestamps, config.sack, config.window_scaling, now);
    if (!has_ack) {
        // Simultaneous open (RFC 9293 §3.5): both sent SYNs; answer with a SYN-ACK.
        set_state(State::SynReceived);
        send_syn(now);
        arm_retransmit(now);
        return;
    }
    // Karn: the handshake's RTT counts only if the SYN went once (or timestamps tell).
    if (m_syn_retransmits == 0)
        m_rtt.sample(now - m_rtt_start);
    else if (m_timestamps && seg.options.ts_echo)
        m_rtt.sample(static_cast<Nanos>(ts_now(now) - seg.options.ts_echo) * kMillisecond);
    m_snd_una = seg.ack;
    m_snd_wnd = seg.window;  // never scaled in a SYN
    m_max_snd_wnd = m_snd_wnd;
    m_snd_wl1 = seg.seq;
    m_snd_wl2 = seg.ack;
    m_high_rxt = m_snd_una;
    m_recover = m_snd_una;
    set_established(now);
    notify(Events::kConnected | Events::kWritable);
    m_ack_now = true;
    output(now);
}

void Socket::on_syn_received_ack(const Segment& seg, Nanos now) {
    if (!(seq_gt(seg.ack, m_snd_una) && seq_le(seg.ack, m_snd_nxt))) {
        (void)transmit(seg.ack, flags::kRst, 0, 0, now);
        m_tcp.m_stats.out_rsts++;
        return;
    }
    if (m_syn_retransmits == 0)
        m_rtt.sample(now - m_rtt_start);
    else if (m_timestamps && seg.options.has_timestamps && seg.options.ts_echo)
        m_rtt.sample(static_cast<Nanos>(ts_now(now) - seg.options.ts_echo) * kMillisecond);
    if (m_parent) {
        // A listener's child: into the accept queue, unless it is full (then the ACK is
        // dropped, as Linux does, and our SYN-ACK retransmission asks for it again).
        bool has_data = seg.data_length > 0 || seg.has(flags::kFin);
        if (!m_tcp.child_established(*this, has_data, now)) return;
    } else {
        set_established(now);
        notify(Events::kConnected | Events::kWritable);
    }
    m_snd_wnd = static_cast<u32>(seg.window) << m_snd_wscale;
    m_max_snd_wnd = m_snd_wnd;
    m_snd_wl1 = seg.seq;
    m_snd_wl2 = seg.ack;
}

void Socket::send_syn(Nanos now) {
    if (m_snd_nxt == m_iss) m_snd_nxt = m_iss + 1;
    u8 syn_flags = m_state == State::SynReceived ? (flags::kSyn | flags::kAck) : flags::kSyn;
    (void)transmit(m_iss, syn_flags, 0, 0, now, m_syn_retransmits > 0);
}

}  // namespace net::tcp
