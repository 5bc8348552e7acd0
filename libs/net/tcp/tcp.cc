#include "net/tcp/tcp.h"

#include <new>

#include "net/checksum.h"
#include "net/tcp/listener.h"

namespace net::tcp {

Result<Tcp*> Tcp::create(IpSender& ip, RandomSource& random, Events& events, const Config& config) {
    Tcp* tcp = new (std::nothrow) Tcp(ip, random, events, config);
    if (!tcp) return Error(ENOMEM);
    auto tables = tcp->m_tables.init(config.connection_buckets, config.port_buckets);
    if (tables.is_error()) {
        delete tcp;
        return Error(tables.error());
    }
    return tcp;
}

Tcp::Tcp(IpSender& ip, RandomSource& random, Events& events, const Config& config)
    : m_ip(ip), m_random(random), m_events(events), m_config(config), m_secrets(random), m_tables(m_secrets) {
    m_connect_port_hint = static_cast<u32>(random.next_u64());
}

Tcp::~Tcp() {
    while (Socket* s = m_event_queue.pop_front()) s->m_pending_events = 0;
    while (Socket* s = m_free_list.pop_front()) s->m_freeing = false;
    while (Socket* s = m_all.front()) destroy(*s);
}

Result<Socket*> Tcp::create_socket() {
    Socket* s = new (std::nothrow) Socket(*this);
    if (!s) return Error(ENOMEM);
    m_all.push_back(*s);
    return s;
}

// ---- Events and freeing ----

void Tcp::queue_event(Socket& s, u32 events) {
    if (!events || s.m_freeing || !s.m_app_owned) return;
    if (!s.m_pending_events) m_event_queue.push_back(s);
    s.m_pending_events |= events;
}

void Tcp::free_later(Socket& s) {
    if (s.m_freeing) return;
    if (s.m_pending_events) {
        m_event_queue.remove(s);
        s.m_pending_events = 0;
    }
    m_timers.remove(s);
    s.m_freeing = true;
    m_free_list.push_back(s);
    // Out of the lookup tables at once: a segment arriving before the socket is freed
    // must not find it.
    m_tables.remove_connection(s);
    m_tables.remove_listener(s);
}

void Tcp::flush() {
    m_depth++;  // the glue's callbacks must not start another flush
    while (Socket* s = m_event_queue.pop_front()) {
        u32 events = s->m_pending_events;
        s->m_pending_events = 0;
        if (events && s->m_app_owned) m_events.changed(*s, events);
    }
    while (Socket* s = m_free_list.pop_front()) {
        s->m_freeing = false;
        destroy(*s);
    }
    m_depth--;
}

void Tcp::destroy(Socket& s) {
    if (s.m_pending_events) {
        m_event_queue.remove(s);
        s.m_pending_events = 0;
    }
    if (s.m_freeing) m_free_list.remove(s);
    if (s.m_listen) s.close_listener(0, false);
    if (s.m_parent) ListenQueues::unlink(s);
    m_tables.remove_connection(s);
    m_tables.remove_listener(s);
    unbind(s);
    m_timers.remove(s);
    m_all.remove(s);
    if (s.m_orphan_counted) m_orphan_count--;
    if (s.m_time_wait_counted) m_time_wait_count--;
    if (counts_as_established(s.m_state) && m_stats.curr_estab) m_stats.curr_estab--;
    delete &s;
}

// ---- Timers ----

void Tcp::timer_changed(Socket& s) {
    if (s.m_freeing) return;
    Nanos due = s.deadline();
    bool queued = PairingHeap<Socket, &Socket::m_timer_link, ByTimerKey>::contains(s);
    if (due == kNoDeadline) {
        if (queued) m_timers.remove(s);
        return;
    }
    if (queued) {
        // A later deadline keeps the earlier key: the socket wakes early once, finds
        // nothing due and goes back with its real deadline. Saves heap work per ACK.
        if (due >= s.m_timer_key) return;
        m_timers.remove(s);
    }
    s.m_timer_key = due;
    m_timers.push(s);
}

Nanos Tcp::next_deadline() const {
    Socket* top = m_timers.top();
    return top ? top->m_timer_key : kNoDeadline;
}

void Tcp::on_timers(Nanos now) {
    Scope scope(*this);
    // Bounded, so that a timer that stays due cannot keep this loop going.
    usize budget = m_timers.size() + 16;
    while (budget-- && !m_timers.empty() && m_timers.top()->m_timer_key <= now) {
        Socket* s = m_timers.pop();
        s->run_timers(now);
        if (!s->m_freeing) timer_changed(*s);
    }
}

// ---- Segments in ----

void Tcp::receive(const IpPacketInfo& info, const u8* payload, usize length, Nanos now) {
    Scope scope(*this);
    m_stats.in_segs++;
    Segment seg;
    if (!parse_segment(payload, length, seg)) {
        m_stats.in_errs++;
        return;
    }
    if (!info.checksum_verified) {
        Checksum sum;
        sum.add_pseudo_header(info.source, info.destination, kProtoTcp, static_cast<u16>(length));
        sum.add(payload, length);
        if (!sum.verifies()) {
            m_stats.in_errs++;
            m_stats.in_csum_errors++;
            return;
        }
    }
    // TCP is unicast: nothing to or from a broadcast or multicast address, no answer.
    if (info.link_broadcast || info.destination.is_multicast() || info.destination.is_limited_broadcast() ||
        info.source.is_multicast() || info.source.is_limited_broadcast() || info.source.is_any())
        return;

    Endpoint local{info.destination, seg.destination_port};
    Endpoint remote{info.source, seg.source_port};
    if (Socket* s = m_tables.find_connection(local, remote)) {
        if (s->m_state == State::TimeWait && seg.has(flags::kSyn) && !seg.has(flags::kAck) && !seg.has(flags::kRst) &&
            s->time_wait_accepts_syn(seg)) {
            // A new incarnation of the connection (RFC 6191, Linux's TCP_TW_SYN): the
            // TIME_WAIT socket gives way to a listener, with an ISN above its sequence space.
            if (Socket* listener = m_tables.find_listener(local, remote)) {
                u32 isn = s->m_snd_nxt + 65535 + 2;
                m_stats.time_wait_recycled++;
                s->finish(0, now);  // freed unless the glue still holds it
                on_syn(*listener, info, seg, now, &isn);
                return;
            }
        }
        s->on_segment(seg, now);
        return;
    }
    if (Socket* listener = m_tables.find_listener(local, remote)) {
        on_listener_segment(*listener, info, seg, now);
        return;
    }
    send_reset_for(info, seg, now);
}

void Tcp::send_reset_for(const IpPacketInfo& info, const Segment& seg, Nanos now) {
    if (seg.has(flags::kRst)) return;  // never a reset for a reset
    HeaderFields fields;
    fields.source_port = seg.destination_port;
    fields.destination_port = seg.source_port;
    if (seg.has(flags::kAck)) {
        fields.seq = seg.ack;
        fields.flags = flags::kRst;
    } else {
        fields.seq = 0;
        fields.ack = seg.seq + seg.sequence_length();
        fields.flags = flags::kRst | flags::kAck;
    }
    u8 header[kMaxHeaderLength];
    usize length = write_header(header, fields, OutgoingOptions{});
    if (send_segment(info.destination, info.source, header, length, Gather{}, 0, 64, now).is_ok()) {
        m_stats.out_segs++;
        m_stats.out_rsts++;
    }
}

Result<void> Tcp::send_segment(Ipv4Address source, Ipv4Address destination, u8* header, usize header_length,
                               const Gather& payload, u8 tos, u8 ttl, Nanos now) {
    // Only the pseudo-header sum goes in the checksum field: the IP layer (or the
    // device) adds the segment's bytes and complements it.
    usize total = header_length + payload.length();
    Checksum sum;
    sum.add_pseudo_header(source, destination, kProtoTcp, static_cast<u16>(total));
    store_be16(header + 16, static_cast<u16>(~sum.finish()));
    Gather packet(header, header_length);
    for (unsigned i = 0; i < payload.count(); i++)
        if (!packet.append(payload.data(i), payload.length(i))) return Error(ENOBUFS);
    IpSendOptions options;
    options.ttl = ttl;
    options.tos = tos;
    options.dont_fragment = true;
    options.checksum_field = 16;
    return m_ip.send(source, destination, kProtoTcp, packet, options, now);
}

bool Tcp::allow_challenge_ack(Nanos now) {
    // Linux's tcp_challenge_ack_limit: at most 1000 per second for the whole stack, so
    // challenge ACKs cannot be used to count a blind attacker's hits.
    if (now - m_challenge_window >= kSecond || now < m_challenge_window) {
        m_challenge_window = now;
        m_challenge_count = 0;
    }
    if (m_challenge_count >= 1000) return false;
    m_challenge_count++;
    m_stats.challenge_acks++;
    return true;
}

// ---- ICMP ----

void Tcp::icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos now) {
    Scope scope(*this);
    if (length < 20) return;
    usize ihl = static_cast<usize>(quoted[0] & 0xf) * 4;
    if (ihl < 20 || length < ihl + 8 || quoted[9] != kProtoTcp) return;
    Endpoint local{Ipv4Address::load(quoted + 12), load_be16(quoted + ihl)};
    Endpoint remote{Ipv4Address::load(quoted + 16), load_be16(quoted + ihl + 2)};
    u32 seq = load_be32(quoted + ihl + 4);
    if (Socket* s = m_tables.find_connection(local, remote)) s->on_icmp_error(type, code, mtu, seq, now);
}

}  // namespace net::tcp
