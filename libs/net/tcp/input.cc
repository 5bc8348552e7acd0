// Segment arrival in the synchronized states (RFC 9293 §3.10.7.4), with RFC 5961's
// defences (exact-sequence RSTs, challenge ACKs for in-window RSTs and SYNs), PAWS
// (RFC 7323), out-of-order data kept for SACK, the delayed-ACK policy, FIN handling and
// TIME_WAIT.
#include "base/errno.h"
#include "net/tcp/listener.h"
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

namespace {
constexpr Nanos kPawsIdleLimit = 24ull * 24 * 3600 * kSecond;  // RFC 7323 §5.5: ts_recent expires
constexpr Nanos kOutOfWindowAckInterval = 500 * kMillisecond;  // Linux's tcp_invalid_ratelimit
}  // namespace

void Socket::on_segment(const Segment& seg, Nanos now) {
    m_segs_in++;
    switch (m_state) {
        case State::SynSent:
            on_syn_sent_segment(seg, now);
            break;
        case State::TimeWait:
            on_time_wait_segment(seg, now);
            break;
        case State::Closed:
        case State::Listen:
            return;
        default:
            on_synchronized_segment(seg, now);
            break;
    }
    if (!m_freeing) schedule();
}

bool Socket::acceptable(const Segment& seg) const {
    // Linux's tcp_sequence(): the segment ends at or after the last window we advertised
    // from, and starts inside the window. Overlapping data is trimmed later.
    u32 next = m_receive.next_seq();
    return seq_ge(seg.end(), m_rcv_wup) && seq_le(seg.seq, next + receive_window());
}

bool Socket::paws_rejects(const Segment& seg) const {
    if (!m_timestamps || !seg.options.has_timestamps || seg.has(flags::kRst)) return false;
    if (!seq_lt(seg.options.ts_value, m_ts_recent)) return false;
    // A ts_recent older than 24 days says nothing about the peer's clock any more.
    return m_last_received - m_ts_recent_stamp <= kPawsIdleLimit;
}

void Socket::update_ts_recent(const Segment& seg, Nanos now) {
    if (!m_timestamps || !seg.options.has_timestamps) return;
    if (seq_le(seg.seq, m_rcv_wup) && !seq_lt(seg.options.ts_value, m_ts_recent)) {
        m_ts_recent = seg.options.ts_value;
        m_ts_recent_stamp = now;
    }
}

void Socket::on_synchronized_segment(const Segment& seg, Nanos now) {
    m_last_received = now;
    // Our SYN-ACK was lost: the peer's SYN again. Answer with the SYN-ACK once more.
    if (m_state == State::SynReceived && seg.has(flags::kSyn) && !seg.has(flags::kAck) && seg.seq == m_irs) {
        if (seg.options.has_timestamps) m_ts_recent = seg.options.ts_value;
        send_syn(now);
        return;
    }
    if (paws_rejects(seg)) {
        m_tcp.m_stats.paws_drops++;
        m_ack_now = true;
        output(now);
        return;
    }
    if (!acceptable(seg)) {
        if (seg.has(flags::kRst)) return;
        // A duplicate ACK tells the peer where we are. Out-of-window pure ACKs get one at
        // most every 500 ms, so two stacks cannot ping-pong them (Linux's tcp_oow_rate_limited).
        if (seg.sequence_length() == 0) {
            if (m_challenge_ack_time && now - m_challenge_ack_time < kOutOfWindowAckInterval) return;
            m_challenge_ack_time = now;
        }
        m_ack_now = true;
        output(now);
        return;
    }
    update_ts_recent(seg, now);

    if (seg.has(flags::kRst)) {
        on_reset(seg, now);
        return;
    }
    // The peer's SYN-ACK in a simultaneous open completes it; any other SYN in a
    // synchronized state may be blind (RFC 5961 §4): challenge it, never reset.
    bool simultaneous_synack = m_state == State::SynReceived && !m_parent && seg.has(flags::kAck) &&
                               seg.seq + 1 == rcv_nxt() && seg.ack == m_snd_nxt && seg.data_length == 0;
    if (seg.has(flags::kSyn) && !simultaneous_synack) {
        if (m_tcp.allow_challenge_ack(now)) send_ack(now);
        return;
    }
    if (!seg.has(flags::kAck)) return;
    if (m_state == State::SynReceived) {
        on_syn_received_ack(seg, now);
        if (m_state == State::SynReceived || m_state == State::Closed) return;
    }
    if (!on_ack(seg, now)) return;
    if (m_state == State::Closed || m_state == State::TimeWait) return;

    if (seg.data_length) on_data(seg, now);
    if (m_state == State::Closed) return;
    if (seg.has(flags::kFin)) {
        u32 fin_seq = seg.seq + static_cast<u32>(seg.data_length);
        if (m_fin_received) {
            if (fin_seq + 1 == rcv_nxt()) m_ack_now = true;  // a retransmitted FIN
        } else if (fin_seq == m_receive.next_seq()) {
            on_fin(now);
        } else if (seq_gt(fin_seq, m_receive.next_seq())) {
            m_fin_out_of_order = true;  // comes into effect when the hole before it fills
            m_fin_seq_received = fin_seq;
            m_ack_now = true;
        }
    }
    if (m_fin_out_of_order && !m_fin_received && m_fin_seq_received == m_receive.next_seq()) on_fin(now);
    if (m_state == State::Closed || m_state == State::TimeWait) return;
    output(now);
}

void Socket::on_reset(const Segment& seg, Nanos now) {
    if (seg.seq != m_receive.next_seq() && seg.seq != rcv_nxt()) {
        // RFC 5961 §3.2: in the window but not exact: maybe blind. A real peer answers
        // the challenge ACK with an exact RST.
        if (m_tcp.allow_challenge_ack(now)) send_ack(now);
        return;
    }
    switch (m_state) {
        case State::SynReceived:
            finish(m_parent ? 0 : ECONNREFUSED, now);
            break;
        case State::CloseWait:
            finish(EPIPE, now);
            break;
        case State::Closing:
        case State::LastAck:
            finish(0, now);
            break;
        default:
            finish(ECONNRESET, now);
            break;
    }
}

void Socket::on_data(const Segment& seg, Nanos now) {
    if (m_state != State::Established && m_state != State::FinWait1 && m_state != State::FinWait2) return;
    u32 next_before = m_receive.next_seq();
    if ((m_state == State::FinWait1 || m_state == State::FinWait2) && (m_shut_read || !m_app_owned) &&
        seq_gt(seg.seq + static_cast<u32>(seg.data_length), next_before)) {
        // Nobody will read it: the application closed. Linux resets (TCPAbortOnData).
        m_tcp.m_stats.abort_on_data++;
        send_reset(now);
        finish(0, now);
        return;
    }
    m_data_segs_in++;
    bool had_out_of_order = !m_receive.out_of_order().empty();
    bool idle = m_last_data_received == 0 || now - m_last_data_received > m_rtt.rto();
    auto stored = m_receive.store(seg.seq, seg.data, seg.data_length, m_rcv_adv);
    m_last_data_received = now;
    if (stored.dropped) {
        if (seq_gt(seg.seq, next_before))
            m_tcp.m_stats.ofo_drops++;
        else
            m_tcp.m_stats.rcvq_drops++;
    }
    if (seg.data_length > m_rcv_mss) {
        usize cap = m_advertised_mss ? m_advertised_mss : seg.data_length;
        m_rcv_mss = static_cast<u16>(seg.data_length < cap ? seg.data_length : cap);
    }
    if (stored.out_of_order) {
        m_tcp.m_stats.ofo_queue++;
        m_ack_now = true;  // duplicate ACK with SACK blocks: the sender's loss signal
        return;
    }
    if (stored.advanced == 0) {
        m_ack_now = true;  // a duplicate, or beyond the window: say where we are
        return;
    }
    m_bytes_received += stored.advanced;
    notify(Events::kReadable);
    if (m_deferred && m_parent) m_tcp.make_acceptable(*this);  // TCP_DEFER_ACCEPT: data came
    if (had_out_of_order) {
        m_ack_now = true;  // a hole filled: tell the sender at once (RFC 5681 §4.2)
        return;
    }
    if (idle) {
        // Quick-ACK the first data of a connection and data after a silence longer than
        // the RTO (Linux's tcp_incr_quickack): the sender may be waiting on our ACK to
        // send more (Nagle, a small window).
        u32 quick = static_cast<u32>(m_rcv_capacity / (2 * (m_rcv_mss ? m_rcv_mss : 1)));
        if (quick > kMaxQuickAcks) quick = kMaxQuickAcks;
        if (quick < 2) quick = 2;
        if (m_quickacks < quick) m_quickacks = static_cast<u8>(quick);
    }
    schedule_ack(seg.has(flags::kPsh) || seg.data_length < m_rcv_mss, static_cast<u32>(seg.data_length), now);
}

void Socket::schedule_ack(bool pushed, u32 length, Nanos now) {
    (void)length;
    if (pushed) m_pushed = true;
    // ACK every second full-sized segment (more than one MSS since our last ACK), and
    // everything while in quick-ACK mode; otherwise wait for the delayed-ACK timer, for
    // data of our own to carry the ACK, or for the application to read.
    bool full = m_receive.next_seq() - m_rcv_wup > m_rcv_mss;
    if (full || (m_quickacks && !m_pingpong)) {
        m_ack_now = true;
        return;
    }
    if (!m_delack_deadline) m_delack_deadline = now + kDelayedAckTimeout;
}

void Socket::on_fin(Nanos now) {
    m_fin_received = true;
    m_fin_out_of_order = false;
    notify(Events::kReadable | Events::kPeerClosed);
    switch (m_state) {
        case State::Established:
            set_state(State::CloseWait);
            // Delayed: the application's close() will likely send its FIN with this ACK.
            if (!m_delack_deadline) m_delack_deadline = now + kDelayedAckTimeout;
            m_pingpong = true;
            break;
        case State::FinWait1:
            // Our FIN is not acked yet (or on_ack would have moved us to FIN_WAIT_2).
            set_state(State::Closing);
            m_ack_now = true;
            break;
        case State::FinWait2:
            m_ack_now = true;
            output(now);
            enter_time_wait(now);
            break;
        default:
            m_ack_now = true;
            break;
    }
}

bool Socket::time_wait_accepts_syn(const Segment& seg) const {
    // A SYN may reopen the connection when it cannot be an old duplicate: its timestamp
    // is newer than the last one seen, or (without timestamps) its sequence number lies
    // beyond the old connection's (RFC 6191; Linux's tcp_timewait_state_process).
    if (m_timestamps && seg.options.has_timestamps) return seq_gt(seg.options.ts_value, m_ts_recent);
    return seq_gt(seg.seq, rcv_nxt());
}

void Socket::on_time_wait_segment(const Segment& seg, Nanos now) {
    if (seg.has(flags::kRst)) {
        if (seg.seq == rcv_nxt()) finish(0, now);  // RFC 1337's hazard, accepted as Linux does
        return;
    }
    if (paws_rejects(seg)) {
        m_tcp.m_stats.paws_drops++;
        send_ack(now);
        return;
    }
    if (seg.has(flags::kFin) && seg.end() == rcv_nxt()) {
        // The peer did not get our last ACK: send it again and wait the full time again.
        m_state_deadline = now + m_tcp.m_config.time_wait;
        send_ack(now);
        return;
    }
    if (seg.sequence_length() != 0 || seg.seq != rcv_nxt() || seg.has(flags::kSyn)) send_ack(now);
}

void Socket::on_icmp_error(u8 type, u8 code, u16 mtu, u32 seq, Nanos now) {
    // RFC 5927 §4.1: only an error quoting a sequence number we have in flight is real.
    if (m_state == State::Listen || m_state == State::Closed || m_state == State::TimeWait) return;
    if (!seq_in(seq, m_snd_una, m_snd_nxt) && seq != m_snd_una) return;
    constexpr u8 kUnreachable = 3, kTimeExceeded = 11, kParameterProblem = 12;
    constexpr u8 kFragmentationNeeded = 4;
    int error = 0;
    bool fatal = false;
    if (type == kUnreachable) {
        if (code == kFragmentationNeeded) {
            // Path MTU discovery (RFC 1191): segments must shrink to fit; resend what is
            // outstanding at the new size without taking it as congestion.
            if (mtu < 68) return;
            usize limit = static_cast<usize>(mtu) - 20;
            if (m_path_limit && limit >= m_path_limit) return;
            m_path_limit = limit;
            u16 before = m_mss;
            update_mss();
            if (m_mss < before && is_synchronized(m_state) && m_state != State::SynReceived && m_snd_una != m_snd_nxt) {
                enter_loss(false, now);
                output(now);
                schedule();
            }
            return;
        }
        // Linux's icmp_err_convert table.
        switch (code) {
            case 0:
                error = ENETUNREACH;
                break;
            case 1:
                error = EHOSTUNREACH;
                break;
            case 2:
                error = ENOPROTOOPT;
                fatal = true;
                break;
            case 3:
                error = ECONNREFUSED;
                fatal = true;
                break;
            case 5:
                error = EOPNOTSUPP;
                break;
            case 6:
                error = ENETUNREACH;
                fatal = true;
                break;
            case 7:
                error = EHOSTDOWN;
                fatal = true;
                break;
            case 8:
                error = ENONET;
                fatal = true;
                break;
            case 9:
                error = ENETUNREACH;
                fatal = true;
                break;
            case 10:
                error = EHOSTUNREACH;
                fatal = true;
                break;
            case 11:
                error = ENETUNREACH;
                break;
            case 12:
                error = EHOSTUNREACH;
                break;
            case 13:
            case 14:
            case 15:
                error = EHOSTUNREACH;
                fatal = true;
                break;
            default:
                return;
        }
    } else if (type == kTimeExceeded) {
        error = EHOSTUNREACH;
    } else if (type == kParameterProblem) {
        error = EPROTO;
        fatal = true;
    } else {
        return;
    }
    if (m_state == State::SynSent) {
        finish(error, now);  // Linux aborts a connection attempt on any of these
        return;
    }
    if (m_state == State::SynReceived && m_parent) {
        if (fatal) finish(0, now);
        return;
    }
    // An established connection keeps trying; the error is reported if it times out.
    m_soft_error = error;
}

}  // namespace net::tcp
