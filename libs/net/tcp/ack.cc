// Acknowledgements: RFC 5961's ACK checks, the send window, RTT samples (RFC 6298 with
// Karn's rule, RFC 7323 timestamps), congestion window growth, and loss recovery: fast
// retransmit on three duplicate ACKs or on SACK evidence, NewReno partial ACKs
// (RFC 6582), SACK-based recovery with a pipe estimate (RFC 6675), and the state a
// retransmission timeout leaves.
//
// Without per-segment records, the outstanding data [snd_una, snd_nxt) is described by
// ranges: SACKed (the scoreboard), lost (holes below lost_end()), and retransmitted in
// this recovery (below m_high_rxt). Without SACK, duplicate ACKs count as SACKed
// segments, as Linux's Reno emulation does, which gives NewReno's window inflation.
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

namespace {
constexpr u32 kDupThresh = 3;
}

bool Socket::on_ack(const Segment& seg, Nanos now) {
    u32 ack = seg.ack;
    if (seq_gt(ack, m_snd_nxt)) {
        // Acknowledges what we never sent: answer with an ACK and drop (RFC 5961 §5.2).
        m_ack_now = true;
        output(now);
        return false;
    }
    if (seq_lt(ack, m_snd_una - m_max_snd_wnd)) {
        // Too old to be a real ACK from this connection: challenge (RFC 5961 §5.2).
        if (m_tcp.allow_challenge_ack(now)) send_ack(now);
        return false;
    }
    m_last_ack_received = now;
    m_probes = 0;
    if (m_sack) take_sack_blocks(seg);

    u32 window_before = m_snd_wnd;
    update_send_window(seg);
    if (seq_gt(ack, m_snd_una)) {
        on_new_ack(seg, ack, now);
    } else if (ack == m_snd_una && seg.data_length == 0 && !seg.has(flags::kSyn) && !seg.has(flags::kFin) &&
               m_snd_una != m_snd_nxt && m_snd_wnd == window_before) {
        on_duplicate_ack(now);  // RFC 5681 §2's definition
    }
    if (m_sack && !in_recovery() && m_snd_una != m_snd_nxt && !seq_lt(m_snd_una, m_recover) &&
        sacked_bytes() > (kDupThresh - 1) * m_mss) {
        // RFC 6675 §5 (IsLost): more than DupThresh-1 segments' worth SACKed above
        // snd_una is loss, whatever the duplicate ACK count says.
        enter_recovery(now);
    }
    if (m_snd_wnd > window_before && m_transmit_timer == TransmitTimer::Persist) stop_transmit_timer();

    // Our FIN acknowledged?
    if (m_fin_sent && seq_gt(m_snd_una, fin_seq())) {
        switch (m_state) {
            case State::FinWait1:
                set_state(State::FinWait2);
                // An orphan waits for the peer's FIN at most tcp_fin_timeout.
                if (orphaned()) m_state_deadline = now + m_tcp.m_config.fin_timeout;
                notify(Events::kWritable);
                break;
            case State::Closing:
                enter_time_wait(now);
                return false;
            case State::LastAck:
                finish(0, now);
                return false;
            default:
                break;
        }
    }
    return true;
}

void Socket::update_send_window(const Segment& seg) {
    // RFC 9293's SND.WL1/WL2 rule (a segment no older than the last one that set the
    // window may set it again, shrinking it too), plus any ACK of new data as in Linux.
    u32 window = static_cast<u32>(seg.window) << m_snd_wscale;
    if (seq_gt(seg.ack, m_snd_una) || seq_gt(seg.seq, m_snd_wl1) ||
        (seg.seq == m_snd_wl1 && seq_ge(seg.ack, m_snd_wl2))) {
        m_snd_wnd = window;
        m_snd_wl1 = seg.seq;
        m_snd_wl2 = seg.ack;
        if (window > m_max_snd_wnd) m_max_snd_wnd = window;
    }
}

void Socket::take_sack_blocks(const Segment& seg) {
    for (unsigned i = 0; i < seg.options.sack_count; i++) {
        u32 start = seg.options.sack[i].start, end = seg.options.sack[i].end;
        // Only blocks inside what is outstanding mean anything (D-SACKs below snd_una,
        // and forged blocks beyond snd_nxt, are ignored).
        if (!seq_lt(start, end) || seq_lt(start, m_snd_una) || seq_gt(end, m_snd_nxt)) continue;
        m_scoreboard.add(start, end);
    }
}

void Socket::take_rtt_sample(const Segment& seg, u32 ack, bool retransmitted_data, Nanos now) {
    if (m_rtt_timing && seq_gt(ack, m_rtt_seq)) {
        m_rtt_timing = false;
        m_rtt.sample(now - m_rtt_start);
        return;
    }
    // Timestamps say which transmission an ACK answers, so data that was retransmitted
    // still yields a sample (RFC 7323 §4.2).
    if (retransmitted_data && m_timestamps && seg.options.has_timestamps && seg.options.ts_echo) {
        u32 elapsed_ms = ts_now(now) - seg.options.ts_echo;
        if (elapsed_ms < 0x7fffffff) m_rtt.sample(static_cast<Nanos>(elapsed_ms) * kMillisecond);
    }
}

void Socket::on_new_ack(const Segment& seg, u32 ack, Nanos now) {
    u32 flight_before = m_snd_nxt - m_snd_una;
    bool retransmitted = in_recovery() || m_retransmits > 0;

    // Data acknowledged leaves the send buffer (the SYN and FIN occupy no buffer bytes).
    u32 data_from = seq_max(m_snd_una, m_send_seq);
    u32 data_to = seq_min(ack, data_end());
    u32 data_acked = seq_gt(data_to, data_from) ? data_to - data_from : 0;
    if (data_acked) {
        m_send.consume(data_acked);
        m_send_seq += data_acked;
        m_bytes_acked += data_acked;
    }
    take_rtt_sample(seg, ack, retransmitted, now);
    m_snd_una = ack;
    m_scoreboard.remove_below(ack);
    if (seq_lt(m_high_rxt, ack)) m_high_rxt = ack;
    if (seq_lt(m_snd_sml, ack)) m_snd_sml = ack;
    m_retransmits = 0;
    m_rtt.reset_backoff();

    AckEvent event;
    event.acked = data_acked;
    event.mss = m_mss;
    // Linux's tcp_is_cwnd_limited: the window was in use (in slow start, half of it is
    // enough), otherwise it says nothing about the path.
    event.cwnd_limited = m_cwnd_limited || (m_window.cwnd < m_window.ssthresh && flight_before * 2 >= m_window.cwnd);
    event.now = now;
    event.min_rtt = m_rtt.min_rtt();

    switch (m_recovery) {
        case Recovery::Fast:
            if (!seq_lt(ack, m_recover)) {
                exit_recovery();
            } else if (!m_sack) {
                // NewReno's partial ACK (RFC 6582 §3.2): the next hole is presumed lost too;
                // retransmit it now, and count duplicate ACKs afresh.
                m_dupacks = 0;
                m_high_rxt = m_snd_una;
                send_retransmission(now, true);
            }
            break;
        case Recovery::Loss:
            if (data_acked) m_cc->on_ack(m_window, event);  // slow start back up
            if (!seq_lt(ack, m_recover)) exit_recovery();
            break;
        case Recovery::Open:
            m_dupacks = 0;
            if (data_acked) m_cc->on_ack(m_window, event);
            break;
    }

    if (m_snd_una == m_snd_nxt)
        stop_transmit_timer();
    else
        arm_retransmit(now);  // RFC 6298 §5.3: restart for the rest
    if (data_acked) after_send_space_change();
}

void Socket::on_duplicate_ack(Nanos now) {
    m_dupacks++;
    if (in_recovery()) return;  // the pipe estimate counts it; output() uses the room
    // Not twice for the same loss window (RFC 6582 §3.2 step 2: after a timeout, the
    // duplicates of go-back-N retransmissions must not start another reduction).
    if (m_dupacks >= kDupThresh && !seq_lt(m_snd_una, m_recover)) enter_recovery(now);
}

void Socket::enter_recovery(Nanos now) {
    m_tcp.m_stats.fast_retrans++;
    u32 flight = m_snd_nxt - m_snd_una;
    m_window.ssthresh = m_cc->on_loss(m_window, flight, m_mss, now);
    m_window.cwnd = m_window.ssthresh;  // RFC 6675 §5 (4.2); the pipe estimate does the rest
    m_recovery = Recovery::Fast;
    m_recover = m_snd_nxt;
    m_high_rxt = m_snd_una;
    m_rtt_timing = false;
    // The first lost segment goes at once, whatever the pipe says (RFC 6675 (4.3)).
    send_retransmission(now, true);
}

void Socket::enter_loss(bool reduce_window, Nanos now) {
    if (reduce_window) {
        // A second timeout in a row does not halve again (Linux's tcp_enter_loss).
        if (m_recovery != Recovery::Loss || m_retransmits == 0)
            m_window.ssthresh = m_cc->on_loss(m_window, m_snd_nxt - m_snd_una, m_mss, now);
        m_window.cwnd = m_mss;  // the loss window (RFC 5681 §3.1)
        m_cc->on_timeout();
        // RFC 2018 §8: after a timeout, SACKed data is sent again too, in case the
        // receiver dropped what it had SACKed (reneging).
        m_scoreboard.clear();
    } else if (m_recovery == Recovery::Open) {
        m_window.ssthresh = m_window.cwnd;  // a shrunk path MTU is no congestion
    }
    m_recovery = Recovery::Loss;
    m_recover = m_snd_nxt;
    m_lost_to = m_snd_nxt;
    m_high_rxt = m_snd_una;
    m_dupacks = 0;
    m_rtt_timing = false;
}

void Socket::exit_recovery() {
    // RFC 6582 §3.2 step 3, full ACK: the window deflates to ssthresh (Linux ends its
    // reduction the same way).
    if (m_recovery == Recovery::Fast) m_window.cwnd = m_window.ssthresh;
    m_recovery = Recovery::Open;
    m_dupacks = 0;
}

u32 Socket::sacked_bytes() const {
    u32 flight = m_snd_nxt - m_snd_una;
    u32 sacked = m_sack ? m_scoreboard.bytes() : m_dupacks * m_mss;
    // Leave at least a segment unaccounted: something must be missing for the duplicates.
    u32 cap = flight > m_mss ? flight - m_mss : 0;
    if (!m_sack && sacked > cap) sacked = cap;
    return sacked <= flight ? sacked : flight;
}

u32 Socket::lost_end() const {
    if (m_recovery == Recovery::Loss) return seq_min(m_lost_to, m_snd_nxt);
    if (m_recovery == Recovery::Open) return m_snd_una;
    u32 first_segment = m_snd_una + seq_min(m_snd_nxt - m_snd_una, m_mss);
    if (!m_sack) return first_segment;
    // RFC 6675's IsLost: a hole is lost when more than (DupThresh-1) segments' worth of
    // SACKed data lies above it. Walk the ranges from the top until that much is seen.
    u32 above = 0;
    for (unsigned i = m_scoreboard.count(); i > 0; i--) {
        const auto& r = m_scoreboard.at(i - 1);
        above += r.end - r.start;
        if (above > (kDupThresh - 1) * m_mss) return seq_max(r.start, first_segment);
    }
    return first_segment;
}

u32 Socket::pipe() const {
    u32 flight = m_snd_nxt - m_snd_una;
    u32 sacked = sacked_bytes();
    i64 pipe = static_cast<i64>(flight) - sacked;
    if (in_recovery()) {
        u32 lost_to = lost_end();
        u32 sacked_below = m_sack ? m_scoreboard.bytes_in(m_snd_una, lost_to) : 0;
        u32 lost = (lost_to - m_snd_una) - sacked_below;
        u32 rtx_to = seq_min(seq_max(m_high_rxt, m_snd_una), lost_to);
        u32 sacked_rtx = m_sack ? m_scoreboard.bytes_in(m_snd_una, rtx_to) : 0;
        u32 retransmitted = (rtx_to - m_snd_una) - sacked_rtx;
        pipe = pipe - lost + retransmitted;
    }
    return pipe > 0 ? static_cast<u32>(pipe) : 0;
}

}  // namespace net::tcp
