// What to send, and sending it: retransmissions first during recovery, then new data as
// the peer's window, the congestion window (against the pipe estimate), Nagle (with
// Minshall's refinement, as Linux), TCP_NODELAY, TCP_CORK and MSG_MORE allow; the FIN
// after the data; pure ACKs when nothing else carries one. Segments are built here: the
// header on this stack frame, the payload one or two slices of the send ring.
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

usize Socket::send_mss() const {
    // Options come out of the segment's payload room, as Linux's tcp_current_mss does.
    usize mss = m_mss;
    if (m_timestamps) mss -= kTimestampsLength;
    if (m_sack && !m_receive.out_of_order().empty()) {
        unsigned blocks = m_receive.out_of_order().count();
        unsigned fit = sack_blocks_that_fit(m_timestamps);
        mss -= 4 + 8 * (blocks < fit ? blocks : fit);
    }
    return mss > 8 ? mss : 8;
}

usize Socket::send_capacity() const {
    if (m_options.send_buffer_locked) return m_options.send_buffer;
    // Autotuning, roughly as Linux's tcp_sndbuf_expand: room for two windows of what the
    // path and the peer take, so the buffer never starves a fast connection, bounded so a
    // peer that does not read pins little memory.
    usize capacity = m_options.send_buffer;
    if (is_synchronized(m_state)) {
        usize window = m_window.cwnd;
        usize peer = m_max_snd_wnd > 65536 ? m_max_snd_wnd : 65536;
        if (window > peer) window = peer;
        usize wanted = 2 * window;
        usize limit = m_tcp.m_config.send_buffer_auto_max;
        if (wanted > limit) wanted = limit;
        if (wanted > capacity) capacity = wanted;
    }
    return capacity;
}

void Socket::after_send_space_change() {
    usize capacity = send_capacity();
    m_send.set_capacity(capacity);
    // Wake writers once a third of the buffer is free (Linux waits for a half of what
    // is queued): fewer, larger writes.
    if (writable_space() > 0 && m_send.length() <= capacity / 3 * 2) notify(Events::kWritable);
}

u32 Socket::receive_window() const {
    u32 next = m_receive.next_seq();
    return seq_gt(m_rcv_adv, next) ? m_rcv_adv - next : 0;
}

u32 Socket::window_to_advertise() {
    usize ready = m_receive.ready();
    usize free = m_rcv_capacity > ready ? m_rcv_capacity - ready : 0;
    u32 current = receive_window();
    // Receiver-side silly window avoidance (RFC 9293 §3.8.6.2.2): the right edge moves
    // only by a full segment or half the buffer, whichever is less.
    usize step = m_rcv_capacity / 2;
    if (m_advertised_mss && m_advertised_mss < step) step = m_advertised_mss;
    usize window = current;
    if (free > current && (free - current >= step || free == m_rcv_capacity)) window = free;
    if (window > kMaxWindow) window = kMaxWindow;
    usize scaled = window >> m_rcv_wscale;
    if (scaled > 65535) scaled = 65535;
    window = scaled << m_rcv_wscale;
    // Never move the right edge back (RFC 9293 §3.8.6): round up to the scale's unit.
    if (window < current) {
        usize unit = usize{1} << m_rcv_wscale;
        window = (current + unit - 1) >> m_rcv_wscale << m_rcv_wscale;
    }
    return static_cast<u32>(window);
}

bool Socket::nagle_allows() const {
    if (m_shut_write || m_cork_expired) return true;  // the FIN pushes everything out
    if (m_options.cork || m_more) return false;
    if (m_options.nodelay) return true;
    // Minshall: a small segment waits only while an earlier small one is unacknowledged.
    return !(m_snd_una != m_snd_nxt && seq_gt(m_snd_sml, m_snd_una));
}

void Socket::output(Nanos now) {
    switch (m_state) {
        case State::Established:
        case State::CloseWait:
        case State::FinWait1:
        case State::Closing:
        case State::LastAck:
            break;
        case State::FinWait2:
            if (m_ack_now) send_ack(now);
            return;
        default:
            return;
    }
    bool sent = false;
    const Config& config = m_tcp.m_config;
    if (config.slow_start_after_idle && m_snd_una == m_snd_nxt && m_last_data_sent &&
        now - m_last_data_sent > m_rtt.rto() && seq_lt(m_snd_nxt, data_end())) {
        // After an idle period the old window says nothing about the path now
        // (RFC 5681 §4.1): restart from the initial window.
        u32 initial = kInitialWindowSegments * m_mss;
        if (m_window.cwnd > initial) m_window.cwnd = initial;
        m_cc->on_idle_restart();
    }

    while (in_recovery() && send_retransmission(now, false)) sent = true;

    usize mss = send_mss();
    bool window_blocked = false;
    bool send_failed = false;
    m_cwnd_limited = false;
    for (;;) {
        u32 end = data_end();
        if (!seq_lt(m_snd_nxt, end)) break;
        usize unsent = end - m_snd_nxt;
        u32 window_end = m_snd_una + m_snd_wnd;
        usize window_room = seq_gt(window_end, m_snd_nxt) ? window_end - m_snd_nxt : 0;
        if (pipe() >= m_window.cwnd) {
            m_cwnd_limited = true;
            break;
        }
        usize length = unsent < mss ? unsent : mss;
        if (length > window_room) {
            // Sender-side silly window avoidance (RFC 9293 §3.8.6.2.1): less than a
            // segment goes only if it is a fair share of the largest window seen; a
            // closed window is probed by the persist timer.
            if (window_room == 0 || window_room < m_max_snd_wnd / 2) {
                window_blocked = true;
                break;
            }
            length = window_room;
        } else if (length < mss && !nagle_allows()) {
            if ((m_options.cork || m_more) && !m_cork_deadline) m_cork_deadline = now + kCorkTimeout;
            break;
        }
        auto result = send_data(m_snd_nxt, length, false, now);
        if (result.is_error()) {
            // The IP layer learnt a smaller path MTU than our segments assume: shrink
            // them (transmit() took the new size) and go on.
            if (result.error() == EMSGSIZE && send_mss() < mss) {
                mss = send_mss();
                continue;
            }
            send_failed = true;
            break;
        }
        sent = true;
    }
    if (m_shut_write && !m_fin_sent && m_snd_nxt == data_end()) {
        // The FIN alone: it needs one sequence number's room in the window.
        if (seq_lt(m_snd_nxt, m_snd_una + m_snd_wnd)) {
            if (send_data(m_snd_nxt, 0, false, now).is_ok())
                sent = true;
            else
                send_failed = true;
        } else {
            window_blocked = true;
        }
    }
    if (m_snd_una != m_snd_nxt) {
        if (m_transmit_timer != TransmitTimer::Retransmit) arm_retransmit(now);
    } else if (window_blocked || send_failed) {
        // A closed window is probed; a send the IP layer refused (a full queue, no
        // route yet) is tried again by the same timer, which pushes what fits.
        if (m_transmit_timer != TransmitTimer::Persist) arm_persist(now);
    }
    if (!sent && m_ack_now) send_ack(now);
}

bool Socket::send_retransmission(Nanos now, bool forced) {
    u32 lost_to = lost_end();
    u32 seq = seq_max(m_high_rxt, m_snd_una);
    while (seq_lt(seq, lost_to)) {  // skip what the peer SACKed
        const auto* range = m_scoreboard.find(seq);
        if (!range) break;
        seq = range->end;
    }
    if (!seq_lt(seq, lost_to)) return false;
    u32 end = lost_to;
    if (const auto* next = m_scoreboard.next_after(seq)) end = seq_min(end, next->start);
    u32 data_stop = data_end();
    usize length = 0;
    if (seq_lt(seq, data_stop)) {
        u32 stop = seq_min(end, data_stop);
        length = stop - seq;
        usize mss = send_mss();
        if (length > mss) length = mss;
    } else if (!(m_fin_sent && seq == data_stop)) {
        return false;
    }
    if (!forced && pipe() >= m_window.cwnd) return false;
    if (send_data(seq, length, true, now).is_error()) return false;
    u32 after = seq + static_cast<u32>(length);
    if (m_fin_sent && after == data_stop && seq_gt(m_snd_nxt, data_stop)) after++;  // the FIN went too
    if (seq_gt(after, m_high_rxt)) m_high_rxt = after;
    return true;
}

Result<void> Socket::send_data(u32 seq, usize length, bool retransmission, Nanos now) {
    u32 fin = fin_seq();
    bool with_fin = seq + static_cast<u32>(length) == fin && (retransmission ? m_fin_sent : m_shut_write);
    u8 segment_flags = flags::kAck;
    if (length && seq + static_cast<u32>(length) == data_end()) segment_flags |= flags::kPsh;
    if (with_fin) segment_flags |= flags::kFin;
    TRY(transmit(seq, segment_flags, seq - m_send_seq, length, now, retransmission));
    if (retransmission) {
        m_tcp.m_stats.retrans_segs++;
        m_total_retrans++;
        m_bytes_retrans += length;
        m_rtt_timing = false;  // Karn: the timed segment may be among those sent again
    } else {
        u32 end = seq + static_cast<u32>(length) + (with_fin ? 1 : 0);
        if (seq_gt(end, m_snd_nxt)) m_snd_nxt = end;
        if (with_fin) m_fin_sent = true;
        if (length) {
            m_bytes_sent += length;
            m_data_segs_out++;
            m_last_data_sent = now;
            if (!m_rtt_timing) {
                m_rtt_timing = true;
                m_rtt_seq = seq;
                m_rtt_start = now;
            }
            if (length < send_mss()) m_snd_sml = seq + static_cast<u32>(length);
            // Data following closely on data received: an interactive exchange, whose
            // ACKs ride on the answers (Linux's pingpong mode).
            if (m_last_data_received && now - m_last_data_received < kDelayedAckTimeout) m_pingpong = true;
        }
    }
    if (m_transmit_timer != TransmitTimer::Retransmit) arm_retransmit(now);
    return {};
}

Result<void> Socket::transmit(u32 seq, u8 segment_flags, usize data_offset, usize data_length, Nanos now,
                              bool retransmission) {
    bool has_ack = segment_flags & flags::kAck;
    bool syn = segment_flags & flags::kSyn;
    bool rst = segment_flags & flags::kRst;
    HeaderFields fields;
    fields.source_port = m_local.port;
    fields.destination_port = m_remote.port;
    fields.seq = seq;
    fields.ack = has_ack ? rcv_nxt() : 0;
    fields.flags = segment_flags;
    u32 window = 0;
    if (syn) {
        window = static_cast<u32>(m_rcv_capacity < 65535 ? m_rcv_capacity : 65535);  // never scaled
        fields.window = static_cast<u16>(window);
    } else if (!rst) {
        window = window_to_advertise();
        fields.window = static_cast<u16>(window >> m_rcv_wscale);
    }

    OutgoingOptions options;
    SackBlock blocks[kMaxSackBlocks];
    if (syn) {
        // Our SYN offers what is configured; a SYN-ACK answers what the peer offered.
        const Config& config = m_tcp.m_config;
        bool offer = m_state == State::SynSent;
        options.mss = m_advertised_mss;
        if (offer ? config.window_scaling : m_scaling) options.window_scale = static_cast<i8>(m_rcv_wscale);
        options.sack_permitted = offer ? config.sack : m_sack;
        if (offer ? config.timestamps : m_timestamps) {
            options.timestamps = true;
            options.ts_value = ts_now(now);
            options.ts_echo = has_ack ? m_ts_recent : 0;
        }
    } else {
        if (m_timestamps) {
            options.timestamps = true;
            options.ts_value = ts_now(now);
            options.ts_echo = m_ts_recent;
        }
        if (m_sack && has_ack && !rst && !m_receive.out_of_order().empty()) {
            options.sack_count =
                static_cast<u8>(m_receive.out_of_order().newest_first(blocks, sack_blocks_that_fit(m_timestamps)));
            options.sack = blocks;
        }
    }

    u8 header[kMaxHeaderLength];
    usize header_length = write_header(header, fields, options);
    Gather payload;
    if (data_length && !m_send.slices(data_offset, data_length, payload)) return Error(ENOBUFS);
    auto sent = m_tcp.send_segment(m_local.address, m_remote.address, header, header_length, payload, m_options.tos,
                                   m_options.ttl, now);
    if (sent.is_error()) {
        if (sent.error() == EMSGSIZE) update_mss();  // the path MTU shrank under us
        return sent;
    }
    m_segs_out++;
    m_last_send = now;
    if (!retransmission) m_tcp.m_stats.out_segs++;
    if (has_ack && !rst) {
        u32 next = m_receive.next_seq();
        if (m_quickacks && seq_gt(next, m_rcv_wup)) m_quickacks--;
        m_rcv_wup = next;
        u32 edge = next + window;
        if (seq_gt(edge, m_rcv_adv)) m_rcv_adv = edge;
        m_ack_now = false;
        m_delack_deadline = 0;
        m_pushed = false;
    }
    return {};
}

void Socket::send_ack(Nanos now) { (void)transmit(m_snd_nxt, flags::kAck, 0, 0, now); }

void Socket::send_reset(Nanos now) {
    if (transmit(m_snd_nxt, flags::kRst | flags::kAck, 0, 0, now).is_ok()) m_tcp.m_stats.out_rsts++;
}

void Socket::send_probe(Nanos now) {
    // Linux's probe: an old sequence number with no data, which the peer must answer
    // with an ACK carrying its current window (zero-window probes and keepalives alike).
    (void)transmit(m_snd_una - 1, flags::kAck, 0, 0, now);
}

}  // namespace net::tcp
