// Passive opens: SYNs arriving at a listener, the SYN queue and its SYN cookies, the
// final ACK moving a child to the accept queue (or not, when it is full: Linux drops
// that ACK without a reset), and TCP_DEFER_ACCEPT.
#include "net/tcp/listener.h"

#include "net/tcp/seq.h"
#include "net/tcp/tcp.h"

namespace net::tcp {

void ListenQueues::unlink(Socket& child) {
    Socket* parent = child.m_parent;
    if (!parent) return;
    if (parent->m_listen) (child.m_in_accept_queue ? parent->m_listen->ready : parent->m_listen->pending).remove(child);
    child.m_parent = nullptr;
    child.m_in_accept_queue = false;
}

u8 Tcp::receive_window_scale() const {
    // Enough for the largest buffer a connection may get, as Linux sizes it from
    // tcp_rmem[2] (7 for its 6 MiB).
    usize largest = m_config.receive_buffer_max;
    if (largest < m_config.receive_buffer) largest = m_config.receive_buffer;
    if (largest < 2 * m_config.max_buffer_request) largest = 2 * m_config.max_buffer_request;
    u8 scale = 0;
    while (scale < kMaxWindowScale && (largest >> scale) > 65535) scale++;
    return scale;
}

bool Tcp::accept_queue_full(const Socket& listener) const {
    return listener.m_listen->ready.size() > listener.m_listen->backlog;  // Linux's sk_acceptq_is_full
}

void Tcp::on_listener_segment(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now) {
    if (seg.has(flags::kRst)) return;
    if (seg.has(flags::kAck)) {
        // No connection: a SYN cookie's ACK, or something to reset.
        if (!seg.has(flags::kSyn) && m_config.syn_cookies) {
            on_cookie_ack(listener, info, seg, now);
            return;
        }
        send_reset_for(info, seg, now);
        return;
    }
    if (seg.has(flags::kSyn)) on_syn(listener, info, seg, now, nullptr);
}

Socket* Tcp::new_child(Socket& listener, const IpPacketInfo& info, const Segment& seg) {
    Socket* child = new (std::nothrow) Socket(*this);
    if (!child) return nullptr;
    m_all.push_back(*child);
    child->m_app_owned = false;
    child->m_parent = &listener;
    child->m_options = listener.m_options;
    child->m_cc.select(listener.m_cc.algorithm());
    child->m_local = {info.destination, seg.destination_port};
    child->m_remote = {info.source, seg.source_port};
    child->m_bound = true;  // it shares the listener's port
    m_tables.insert_port(*child);
    child->m_rcv_capacity = child->m_options.receive_buffer;
    child->m_ts_offset = m_secrets.timestamp_offset(info.destination, info.source);
    child->m_advertised_mss = child->mss_to_advertise();
    return child;
}

void Tcp::on_syn(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now, const u32* isn) {
    if (seg.has(flags::kFin)) return;  // SYN+FIN is a scan, not a connection
    ListenQueues& queues = *listener.m_listen;
    if (accept_queue_full(listener)) {
        // Nobody accepts: a new connection would only wait (Linux drops the SYN).
        m_stats.listen_overflows++;
        m_stats.listen_drops++;
        return;
    }
    unsigned syn_limit = queues.backlog ? queues.backlog : 1;
    if (syn_limit > m_config.max_syn_backlog) syn_limit = m_config.max_syn_backlog;
    if (queues.pending.size() >= syn_limit) {
        // A full SYN queue (a flood, or a slow accept): answer statelessly.
        if (m_config.syn_cookies) {
            send_cookie_syn_ack(listener, info, seg, now);
            return;
        }
        m_stats.listen_drops++;
        return;
    }
    Socket* child = new_child(listener, info, seg);
    if (!child) {
        m_stats.listen_drops++;
        return;
    }
    child->init_send_side(isn ? *isn : m_secrets.initial_sequence(child->m_local, child->m_remote, now));
    child->init_receive_side(seg.seq);
    child->m_last_received = now;
    child->negotiate(seg.options, m_config.timestamps, m_config.sack, m_config.window_scaling, now);
    child->set_state(State::SynReceived);
    m_tables.insert_connection(*child);
    queues.pending.push_back(*child);
    m_stats.passive_opens++;
    child->m_rtt_start = now;
    child->send_syn(now);
    child->arm_retransmit(now);
    child->schedule();
}

namespace {
// What a cookie's SYN-ACK timestamp carries in its low 6 bits (Linux's encoding): the
// peer's window scale (15 for none) and whether it offered SACK.
constexpr u32 kCookieOptionBits = 0x3f;
constexpr u32 kCookieNoScale = 0xf;
constexpr u32 kCookieSack = 0x10;
}  // namespace

void Tcp::send_cookie_syn_ack(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now) {
    Endpoint local{info.destination, seg.destination_port};
    Endpoint remote{info.source, seg.source_port};
    u16 peer_mss = seg.options.has_mss ? seg.options.mss : kDefaultMss;
    unsigned mss_index = Secrets::cookie_mss_index(peer_mss);
    HeaderFields fields;
    fields.source_port = local.port;
    fields.destination_port = remote.port;
    fields.seq = m_secrets.syn_cookie(local, remote, seg.seq, mss_index, now);
    fields.ack = seg.seq + 1;
    fields.flags = flags::kSyn | flags::kAck;
    usize buffer = listener.m_options.receive_buffer;
    fields.window = static_cast<u16>(buffer < 65535 ? buffer : 65535);
    OutgoingOptions options;
    usize payload = m_ip.max_payload(remote.address);
    usize mss = payload > kHeaderLength ? payload - kHeaderLength : kDefaultMss;
    if (mss > 65535) mss = 65535;
    if (listener.m_options.max_segment && mss > listener.m_options.max_segment) mss = listener.m_options.max_segment;
    options.mss = static_cast<u16>(mss);
    // Without timestamps a cookie has no room for window scaling or SACK (as in Linux).
    if (seg.options.has_timestamps && m_config.timestamps) {
        bool sack = seg.options.sack_permitted && m_config.sack;
        bool scaling = seg.options.has_window_scale && m_config.window_scaling;
        u32 encoded = (scaling ? seg.options.window_scale : kCookieNoScale) | (sack ? kCookieSack : 0);
        u32 clock = static_cast<u32>(now / kMillisecond) + m_secrets.timestamp_offset(local.address, remote.address);
        u32 value = (clock & ~kCookieOptionBits) | encoded;
        if (seq_gt(value, clock)) value -= kCookieOptionBits + 1;
        options.timestamps = true;
        options.ts_value = value;
        options.ts_echo = seg.options.ts_value;
        options.sack_permitted = sack;
        if (scaling) options.window_scale = static_cast<i8>(receive_window_scale());
    }
    u8 header[kMaxHeaderLength];
    usize length = write_header(header, fields, options);
    if (send_segment(local.address, remote.address, header, length, Gather{}, listener.m_options.tos,
                     listener.m_options.ttl, now)
            .is_ok()) {
        m_stats.out_segs++;
        m_stats.syncookies_sent++;
    }
}

void Tcp::on_cookie_ack(Socket& listener, const IpPacketInfo& info, const Segment& seg, Nanos now) {
    Endpoint local{info.destination, seg.destination_port};
    Endpoint remote{info.source, seg.source_port};
    u32 cookie = seg.ack - 1;
    u32 peer_isn = seg.seq - 1;
    int mss_index = m_secrets.check_syn_cookie(local, remote, peer_isn, cookie, now);
    if (mss_index < 0) {
        m_stats.syncookies_failed++;
        send_reset_for(info, seg, now);
        return;
    }
    if (accept_queue_full(listener)) {
        m_stats.listen_overflows++;
        m_stats.listen_drops++;
        return;
    }
    Socket* child = new_child(listener, info, seg);
    if (!child) {
        m_stats.listen_drops++;
        return;
    }
    child->init_send_side(cookie);
    child->m_snd_nxt = cookie + 1;
    child->init_receive_side(peer_isn);
    // What our cookie SYN-ACK advertised: the window, and the options the peer's SYN
    // offered as far as the cookie kept them.
    usize buffer = child->m_options.receive_buffer;
    child->m_rcv_adv = peer_isn + 1 + static_cast<u32>(buffer < 65535 ? buffer : 65535);
    SegmentOptions peer;
    peer.has_mss = true;
    peer.mss = kCookieMss[mss_index];
    if (seg.options.has_timestamps) {
        u32 bits = seg.options.ts_echo & kCookieOptionBits;
        peer.has_timestamps = true;
        peer.ts_value = seg.options.ts_value;
        peer.sack_permitted = bits & kCookieSack;
        if ((bits & 0xf) != kCookieNoScale) {
            peer.has_window_scale = true;
            peer.window_scale = static_cast<u8>((bits & 0xf) > kMaxWindowScale ? kMaxWindowScale : bits & 0xf);
        }
    }
    child->m_last_received = now;
    child->negotiate(peer, m_config.timestamps, m_config.sack, m_config.window_scaling, now);
    child->m_syn_retransmits = 1;  // no RTT sample: we kept no time for the SYN-ACK
    child->m_from_cookie = true;
    child->set_state(State::SynReceived);
    m_tables.insert_connection(*child);
    listener.m_listen->pending.push_back(*child);
    m_stats.syncookies_recv++;
    m_stats.passive_opens++;
    child->on_segment(seg, now);
}

bool Tcp::child_established(Socket& child, bool has_data, Nanos now) {
    Socket& listener = *child.m_parent;
    if (accept_queue_full(listener)) {
        m_stats.listen_overflows++;
        m_stats.listen_drops++;
        return false;
    }
    child.set_established(now);
    if (child.m_options.defer_accept && !has_data) {
        // TCP_DEFER_ACCEPT: wake the server only when the client has said something, or
        // when the time runs out.
        child.m_deferred = true;
        child.m_state_deadline = now + static_cast<Nanos>(child.m_options.defer_accept) * kSecond;
        return true;
    }
    make_acceptable(child);
    return true;
}

void Tcp::make_acceptable(Socket& child) {
    Socket* listener = child.m_parent;
    if (!listener || !listener->m_listen || child.m_in_accept_queue) return;
    listener->m_listen->pending.remove(child);
    listener->m_listen->ready.push_back(child);
    child.m_in_accept_queue = true;
    child.m_deferred = false;
    if (child.m_state == State::Established || child.m_state == State::CloseWait) child.m_state_deadline = 0;
    queue_event(*listener, Events::kAcceptable | Events::kReadable);
}

}  // namespace net::tcp
