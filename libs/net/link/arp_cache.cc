#include "net/link/arp_cache.h"

#include <cstring>

#include "net/link/arp_packet.h"
#include "net/link/ethernet.h"
#include "net/tail_bytes.h"

namespace net::link {

ArpCache::ArpCache(ArpLink& link, const ArpConfig& config) : m_link(link), m_config(config) {
    if (m_config.max_entries > kMaxEntries) m_config.max_entries = kMaxEntries;
    if (m_config.max_entries == 0) m_config.max_entries = 1;
}

ArpCache::~ArpCache() { flush(); }

ArpCache::Entry* ArpCache::find(Ipv4Address address) {
    for (usize i = 0; i < m_config.max_entries; i++)
        if (m_entries[i].state != NeighbourState::Free && m_entries[i].address == address) return &m_entries[i];
    return nullptr;
}

const ArpCache::Entry* ArpCache::find(Ipv4Address address) const { return const_cast<ArpCache*>(this)->find(address); }

NeighbourState ArpCache::state_of(Ipv4Address address) const {
    const Entry* e = find(address);
    return e ? e->state : NeighbourState::Free;
}

// A free slot, or the least useful entry evicted: failed ones first, then stale,
// reachable, probing, and only then one still resolving (its packets are lost).
ArpCache::Entry* ArpCache::allocate(Ipv4Address address, Nanos now) {
    auto rank = [](NeighbourState s) {
        switch (s) {
            case NeighbourState::Free: return 0;
            case NeighbourState::Failed: return 1;
            case NeighbourState::Stale: return 2;
            case NeighbourState::Reachable: return 3;
            case NeighbourState::Probe: return 4;
            case NeighbourState::Incomplete: return 5;
        }
        return 6;
    };
    Entry* victim = &m_entries[0];
    for (usize i = 1; i < m_config.max_entries; i++) {
        Entry& e = m_entries[i];
        int r = rank(e.state), rv = rank(victim->state);
        if (r < rv || (r == rv && e.last_used < victim->last_used)) victim = &e;
    }
    if (victim->state != NeighbourState::Free) {
        m_stats.evictions++;
        release(*victim);
    }
    victim->address = address;
    victim->last_used = now;
    return victim;
}

void ArpCache::release(Entry& entry) {
    while (entry.pending_head) drop_oldest(entry);
    entry = Entry{};
}

void ArpCache::drop_oldest(Entry& entry) {
    Pending* p = take_pending(entry);
    if (!p) return;
    m_stats.pending_dropped++;
    delete_with_bytes(p);
}

ArpCache::Pending* ArpCache::take_pending(Entry& entry) {
    Pending* p = entry.pending_head;
    if (!p) return nullptr;
    entry.pending_head = p->next;
    if (!entry.pending_head) entry.pending_tail = nullptr;
    entry.pending_count--;
    entry.pending_bytes -= p->length;
    m_total_pending_bytes -= p->length;
    p->next = nullptr;
    return p;
}

Result<void> ArpCache::enqueue(Entry& entry, const Gather& ip_packet, const PartialChecksum* partial) {
    usize length = ip_packet.length();
    if (length > m_config.max_pending_bytes || length > m_config.max_total_pending_bytes) {
        m_stats.pending_dropped++;
        return Error(ENOBUFS);
    }
    while (entry.pending_head && (entry.pending_count >= m_config.max_pending_packets ||
                                  entry.pending_bytes + length > m_config.max_pending_bytes ||
                                  m_total_pending_bytes + length > m_config.max_total_pending_bytes))
        drop_oldest(entry);
    if (m_total_pending_bytes + length > m_config.max_total_pending_bytes || m_config.max_pending_packets == 0) {
        // Other neighbours hold the rest of the budget.
        m_stats.pending_dropped++;
        return Error(ENOBUFS);
    }
    Pending* p = new_with_bytes<Pending>(length);
    if (!p) {
        m_stats.pending_dropped++;
        return Error(ENOBUFS);
    }
    ip_packet.copy_out(0, bytes_after(p), length);
    p->length = length;
    p->has_partial = partial != nullptr;
    if (partial) p->partial = *partial;
    if (entry.pending_tail)
        entry.pending_tail->next = p;
    else
        entry.pending_head = p;
    entry.pending_tail = p;
    entry.pending_count++;
    entry.pending_bytes += length;
    m_total_pending_bytes += length;
    return {};
}

void ArpCache::flush_pending(Entry& entry) {
    // The entry stays put while we transmit: transmit() only copies into the device.
    while (Pending* p = take_pending(entry)) {
        Gather g(bytes_after(p), p->length);
        (void)m_link.transmit(entry.mac, kEtherTypeIpv4, g, p->has_partial ? &p->partial : nullptr);
        delete_with_bytes(p);
    }
}

void ArpCache::send_request(Ipv4Address target, const MacAddress* unicast_to) {
    ArpPacket packet;
    packet.operation = kArpRequest;
    packet.sender_mac = m_link.link_address();
    packet.sender_ip = m_link.protocol_address();
    packet.target_ip = target;
    u8 bytes[kArpPacketSize];
    write_arp(bytes, packet);
    m_stats.requests_sent++;
    (void)m_link.transmit(unicast_to ? *unicast_to : kMacBroadcast, kEtherTypeArp, Gather(bytes, sizeof bytes),
                          nullptr);
}

void ArpCache::send_reply(const MacAddress& to_mac, Ipv4Address to_ip) {
    ArpPacket packet;
    packet.operation = kArpReply;
    packet.sender_mac = m_link.link_address();
    packet.sender_ip = m_link.protocol_address();
    packet.target_mac = to_mac;
    packet.target_ip = to_ip;
    u8 bytes[kArpPacketSize];
    write_arp(bytes, packet);
    m_stats.replies_sent++;
    (void)m_link.transmit(to_mac, kEtherTypeArp, Gather(bytes, sizeof bytes), nullptr);
}

Result<void> ArpCache::send(Ipv4Address next_hop, const Gather& ip_packet, const PartialChecksum* partial, Nanos now) {
    Entry* entry = find(next_hop);
    if (!entry) {
        entry = allocate(next_hop, now);
        entry->state = NeighbourState::Incomplete;
        entry->requests_sent = 1;
        entry->deadline = now + m_config.retry_interval;
        auto queued = enqueue(*entry, ip_packet, partial);
        send_request(next_hop, nullptr);
        return queued;
    }
    entry->last_used = now;
    switch (entry->state) {
        case NeighbourState::Failed: return Error(EHOSTUNREACH);
        case NeighbourState::Incomplete: return enqueue(*entry, ip_packet, partial);
        case NeighbourState::Stale:
            // Still believed, but checked again now that it is in use (RFC 1122 2.3.2.1).
            entry->state = NeighbourState::Probe;
            entry->requests_sent = 1;
            entry->deadline = now + m_config.retry_interval;
            send_request(next_hop, &entry->mac);
            break;
        case NeighbourState::Reachable:
        case NeighbourState::Probe:
        case NeighbourState::Free: break;
    }
    return m_link.transmit(entry->mac, kEtherTypeIpv4, ip_packet, partial);
}

void ArpCache::confirm(Entry& entry, const MacAddress& mac, Nanos now) {
    entry.mac = mac;
    entry.state = NeighbourState::Reachable;
    entry.requests_sent = 0;
    entry.deadline = now + m_config.reachable_time;
    flush_pending(entry);
}

void ArpCache::receive(const u8* data, usize length, Nanos now) {
    auto parsed = parse_arp(data, length);
    if (!parsed) {
        m_stats.invalid++;
        return;
    }
    const ArpPacket& p = *parsed;
    m_stats.received++;
    MacAddress ours = m_link.link_address();
    Ipv4Address our_ip = m_link.protocol_address();
    if (p.sender_mac == ours) return;  // our own broadcast, looped back by a switch
    if (p.sender_mac.is_multicast() || p.sender_mac.is_zero()) {
        m_stats.invalid++;
        return;
    }
    if (!our_ip.is_any() && p.sender_ip == our_ip) {
        m_stats.conflicts++;
        return;
    }
    bool for_us = !our_ip.is_any() && p.target_ip == our_ip;
    // Learn only plausible unicast senders (an address probe has sender 0.0.0.0).
    bool sender_ok = !p.sender_ip.is_any() && !p.sender_ip.is_limited_broadcast() && !p.sender_ip.is_multicast() &&
                     !p.sender_ip.is_loopback();
    if (sender_ok) {
        Entry* entry = find(p.sender_ip);
        if (entry) {
            // RFC 826's merge: whoever speaks tells us its current MAC.
            if (for_us || entry->state == NeighbourState::Incomplete || entry->state == NeighbourState::Probe ||
                entry->state == NeighbourState::Failed)
                confirm(*entry, p.sender_mac, now);
            else if (!(entry->mac == p.sender_mac)) {
                entry->mac = p.sender_mac;
                entry->state = NeighbourState::Stale;
                entry->deadline = now + m_config.stale_time;
            }
        } else if (for_us) {
            // It is about to talk to us: we will need its address to answer.
            entry = allocate(p.sender_ip, now);
            confirm(*entry, p.sender_mac, now);
        }
    }
    if (for_us && p.operation == kArpRequest) send_reply(p.sender_mac, p.sender_ip);
}

void ArpCache::announce(Nanos) {
    Ipv4Address ours = m_link.protocol_address();
    if (ours.is_any()) return;
    send_request(ours, nullptr);
}

void ArpCache::flush() {
    for (usize i = 0; i < m_config.max_entries; i++)
        if (m_entries[i].state != NeighbourState::Free) release(m_entries[i]);
}

void ArpCache::on_timers(Nanos now) {
    // Packets of failed resolutions are reported after the walk: the report may send.
    Pending* given_up = nullptr;
    Pending** given_up_tail = &given_up;
    for (usize i = 0; i < m_config.max_entries; i++) {
        Entry& e = m_entries[i];
        if (e.state == NeighbourState::Free || e.deadline == kNoDeadline || e.deadline > now) continue;
        switch (e.state) {
            case NeighbourState::Incomplete:
                if (e.requests_sent < m_config.max_requests) {
                    e.requests_sent++;
                    e.deadline = now + m_config.retry_interval;
                    send_request(e.address, nullptr);
                    break;
                }
                m_stats.failures++;
                while (Pending* p = take_pending(e)) {
                    *given_up_tail = p;
                    given_up_tail = &p->next;
                }
                e.state = NeighbourState::Failed;
                e.deadline = now + m_config.failed_time;
                break;
            case NeighbourState::Probe:
                if (e.requests_sent < m_config.max_requests) {
                    e.requests_sent++;
                    e.deadline = now + m_config.retry_interval;
                    send_request(e.address, &e.mac);
                    break;
                }
                m_stats.failures++;
                release(e);
                break;
            case NeighbourState::Reachable:
                e.state = NeighbourState::Stale;
                e.deadline = now + m_config.stale_time;
                break;
            case NeighbourState::Stale:
            case NeighbourState::Failed: release(e); break;
            case NeighbourState::Free: break;
        }
    }
    while (given_up) {
        Pending* p = given_up;
        given_up = p->next;
        m_link.unresolved(bytes_after(p), p->length, now);
        delete_with_bytes(p);
    }
}

Nanos ArpCache::next_deadline() const {
    Nanos next = kNoDeadline;
    for (usize i = 0; i < m_config.max_entries; i++)
        if (m_entries[i].state != NeighbourState::Free) next = earliest(next, m_entries[i].deadline);
    return next;
}

}  // namespace net::link
