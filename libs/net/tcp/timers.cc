// A connection's timers: retransmission (with the SYN and SYN-ACK ones), the persist
// timer's zero-window probes, keepalive, the delayed ACK, TCP_CORK's ceiling, and the
// state timer (TIME_WAIT, an orphan's FIN_WAIT_2, TCP_DEFER_ACCEPT). Each is a deadline
// in the socket; the stack's heap holds each socket once, at its earliest.
#include "net/tcp/listener.h"
#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

Nanos Socket::deadline() const {
    Nanos due = kNoDeadline;
    due = earliest(due, m_transmit_deadline);
    due = earliest(due, m_delack_deadline);
    due = earliest(due, m_keepalive_deadline);
    due = earliest(due, m_state_deadline);
    due = earliest(due, m_cork_deadline);
    return due;
}

void Socket::schedule() { m_tcp.timer_changed(*this); }

void Socket::arm_retransmit(Nanos now) {
    m_transmit_timer = TransmitTimer::Retransmit;
    m_transmit_deadline = now + m_rtt.rto();
}

void Socket::arm_persist(Nanos now) {
    m_transmit_timer = TransmitTimer::Persist;
    m_transmit_deadline = now + m_rtt.rto();
}

void Socket::stop_transmit_timer() {
    m_transmit_timer = TransmitTimer::None;
    m_transmit_deadline = 0;
}

void Socket::arm_keepalive(Nanos now) {
    if (!m_options.keepalive || !(m_state == State::Established || m_state == State::CloseWait)) {
        m_keepalive_deadline = 0;
        return;
    }
    Nanos idle = static_cast<Nanos>(m_options.keepalive_idle) * kSecond;
    Nanos base = m_last_received ? m_last_received : now;
    m_keepalive_deadline = base + idle > now ? base + idle : now + idle;
}

void Socket::run_timers(Nanos now) {
    if (m_state_deadline && m_state_deadline <= now) {
        m_state_deadline = 0;
        on_state_timer(now);
    }
    if (m_transmit_deadline && m_transmit_deadline <= now) {
        TransmitTimer kind = m_transmit_timer;
        stop_transmit_timer();
        if (kind == TransmitTimer::Retransmit)
            on_retransmit_timer(now);
        else if (kind == TransmitTimer::Persist)
            on_persist_timer(now);
    }
    if (m_delack_deadline && m_delack_deadline <= now) {
        m_delack_deadline = 0;
        on_delayed_ack_timer(now);
    }
    if (m_keepalive_deadline && m_keepalive_deadline <= now) {
        m_keepalive_deadline = 0;
        on_keepalive_timer(now);
    }
    if (m_cork_deadline && m_cork_deadline <= now) {
        m_cork_deadline = 0;
        on_cork_timer(now);
    }
}

void Socket::on_retransmit_timer(Nanos now) {
    const Config& config = m_tcp.m_config;
    if (m_state == State::SynSent || m_state == State::SynReceived) {
        unsigned limit = m_state == State::SynReceived && m_parent ? config.synack_retries : config.syn_retries;
        if (m_syn_retransmits >= limit) {
            m_tcp.m_stats.abort_on_timeout++;
            finish(m_soft_error ? m_soft_error : ETIMEDOUT, now);
            return;
        }
        m_syn_retransmits++;
        m_total_retrans++;
        m_tcp.m_stats.retrans_segs++;
        m_rtt.back_off();
        send_syn(now);
        arm_retransmit(now);
        return;
    }
    if (m_snd_una == m_snd_nxt) return;  // everything was acknowledged meanwhile
    unsigned limit = orphaned() ? config.orphan_retries : config.retries2;
    if (m_retransmits >= limit) {
        m_tcp.m_stats.abort_on_timeout++;
        finish(m_soft_error ? m_soft_error : ETIMEDOUT, now);
        return;
    }
    m_tcp.m_stats.timeouts++;
    enter_loss(true, now);
    m_retransmits++;
    m_rtt.back_off();
    send_retransmission(now, true);
    arm_retransmit(now);
}

void Socket::on_persist_timer(Nanos now) {
    bool pending = seq_lt(m_snd_nxt, data_end()) || (m_shut_write && !m_fin_sent);
    if (!pending || m_snd_una != m_snd_nxt) {
        output(now);
        return;
    }
    u32 window_end = m_snd_una + m_snd_wnd;
    if (seq_lt(m_snd_nxt, window_end) && seq_lt(m_snd_nxt, data_end())) {
        // Some window is open, too little for silly window avoidance to use it: the
        // override timeout (RFC 9293 §3.8.6.2.1) sends what fits, as Linux's probe does.
        usize room = window_end - m_snd_nxt;
        usize unsent = data_end() - m_snd_nxt;
        usize length = room < unsent ? room : unsent;
        if (length > send_mss()) length = send_mss();
        if (send_data(m_snd_nxt, length, false, now).is_ok()) return;
    }
    // The probes count only while unanswered (any ACK resets them): a live peer with a
    // closed window is probed forever, as Linux does; an orphan gives up after
    // tcp_orphan_retries back-offs.
    const Config& config = m_tcp.m_config;
    if ((orphaned() && m_rtt.backoff() >= config.orphan_retries) || m_probes >= config.retries2) {
        m_tcp.m_stats.abort_on_timeout++;
        finish(ETIMEDOUT, now);
        return;
    }
    send_probe(now);
    m_probes++;
    m_tcp.m_stats.window_probes++;
    m_rtt.back_off();
    arm_persist(now);
}

void Socket::on_keepalive_timer(Nanos now) {
    if (!m_options.keepalive || !(m_state == State::Established || m_state == State::CloseWait)) return;
    Nanos idle = static_cast<Nanos>(m_options.keepalive_idle) * kSecond;
    Nanos interval = static_cast<Nanos>(m_options.keepalive_interval) * kSecond;
    if (m_snd_una != m_snd_nxt || seq_lt(m_snd_nxt, data_end())) {
        // Data outstanding: the retransmission timer watches the peer.
        m_keepalive_deadline = now + idle;
        return;
    }
    Nanos silent = now - m_last_received;
    if (silent < idle) {
        m_probes = 0;
        m_keepalive_deadline = m_last_received + idle;
        return;
    }
    if (m_probes >= m_options.keepalive_count) {
        send_reset(now);
        finish(m_soft_error ? m_soft_error : ETIMEDOUT, now);
        return;
    }
    send_probe(now);
    m_probes++;
    m_tcp.m_stats.keepalive_probes++;
    m_keepalive_deadline = now + interval;
}

void Socket::on_delayed_ack_timer(Nanos now) {
    if (!is_synchronized(m_state) || m_state == State::TimeWait) return;
    m_tcp.m_stats.delayed_acks++;
    // The timer fired in an exchange we took for interactive: it is not (Linux leaves
    // pingpong mode the same way).
    m_pingpong = false;
    send_ack(now);
}

void Socket::on_cork_timer(Nanos now) {
    // TCP_CORK's 200 ms ceiling (tcp(7)): what waited goes out, corked or not.
    m_more = false;
    m_cork_expired = true;
    output(now);
    m_cork_expired = false;
}

void Socket::on_state_timer(Nanos now) {
    switch (m_state) {
        case State::TimeWait:
        case State::FinWait2:
            finish(0, now);
            break;
        case State::Established:
        case State::CloseWait:
            if (m_deferred && m_parent) m_tcp.make_acceptable(*this);  // TCP_DEFER_ACCEPT ran out
            break;
        default:
            break;
    }
}

}  // namespace net::tcp
