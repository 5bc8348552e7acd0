// NetStack's receive path: Ethernet frames in, ARP to the neighbour cache, IPv4 checked,
// filtered by destination, reassembled, and delivered to its transport (or answered with
// ICMP protocol unreachable). Loopback packets join the same path from run_pending.
#include "net/link/ethernet.h"
#include "net/stack.h"
#include "net/udp/header.h"

namespace net {

void NetStack::receive_frame(unsigned index, const u8* frame, usize length, bool checksum_verified, Nanos now) {
    Interface* iface = find(index);
    if (!iface || iface->is_loopback()) return;
    iface->m_counters.rx_packets++;
    iface->m_counters.rx_bytes += length;
    if (!iface->m_up) {
        iface->m_counters.rx_dropped++;
        return;
    }
    if (length < link::kEthernetHeaderSize) {
        iface->m_counters.rx_errors++;
        return;
    }
    auto eth = link::parse_ethernet(frame, length);
    if (!eth) {
        iface->m_counters.rx_dropped++;  // 802.3/LLC or tagged for a VLAN
        return;
    }
    bool broadcast = eth->destination.is_broadcast();
    // We join no multicast group yet; frames for other stations (a promiscuous device)
    // are not ours either.
    if (!broadcast && !(eth->destination == iface->m_mac)) return;
    switch (eth->ether_type) {
        case link::kEtherTypeArp: iface->m_arp->receive(eth->payload, eth->payload_length, now); return;
        case link::kEtherTypeIpv4:
            receive_ipv4(*iface, eth->payload, eth->payload_length, broadcast, checksum_verified, now);
            return;
        default: iface->m_counters.rx_nohandler++; return;
    }
}

void NetStack::run_pending(Nanos now) {
    // Only what is queued now: replies queued while delivering wait for the next round,
    // so two programs answering each other over loopback cannot keep this loop going.
    usize pending = m_loopback_queue.count();
    for (usize i = 0; i < pending; i++) {
        LoopbackQueue::Packet* p = m_loopback_queue.pop();
        if (!p) break;
        m_loopback.m_counters.rx_packets++;
        m_loopback.m_counters.rx_bytes += p->length;
        if (m_loopback_tap) m_loopback_tap->delivering(LoopbackQueue::bytes(p), p->length);
        receive_ipv4(m_loopback, LoopbackQueue::bytes(p), p->length, false, true, now);
        LoopbackQueue::release(p);
    }
}

void NetStack::receive_ipv4(Interface& iface, const u8* packet, usize length, bool link_broadcast,
                            bool checksum_verified, Nanos now) {
    m_ip_stats.in_receives++;
    ipv4::Header h;
    switch (ipv4::parse_header(packet, length, h)) {
        case ipv4::HeaderError::None: break;
        case ipv4::HeaderError::Truncated: m_ip_stats.in_truncated_pkts++; return;
        default: m_ip_stats.in_hdr_errors++; return;
    }
    bool from_outside = !iface.is_loopback();
    // Martian sources: nobody outside may claim to be a broadcast, a group, this host or
    // its loopback network.
    if (h.source.is_limited_broadcast() || h.source.is_multicast() ||
        (from_outside &&
         (h.source.is_loopback() || is_our_address(h.source) || is_subnet_broadcast(iface, h.source)))) {
        m_ip_stats.in_addr_errors++;
        return;
    }
    bool ours = is_our_address(h.destination) || (!from_outside && h.destination.is_loopback());
    // Our own broadcasts come back through loopback, to whichever subnet they went.
    bool broadcast = h.destination.is_limited_broadcast() || is_subnet_broadcast(iface, h.destination) ||
                     (!from_outside && is_broadcast(h.destination));
    // Before it has an address, an interface running DHCP takes what a server sends to
    // the address it offers (servers that ignore the broadcast flag); only DHCP sees it.
    bool for_dhcp = !ours && !broadcast && from_outside && !iface.has_address() && iface.dhcp_active() &&
                    h.protocol == kProtoUdp && !h.destination.is_multicast() && !h.destination.is_loopback();
    if (h.destination.is_multicast()) return;  // no group joined
    if (!ours && !broadcast && !for_dhcp) {
        m_ip_stats.in_addr_errors++;  // a host does not forward
        return;
    }
    if (h.is_fragment()) {
        PacketBuffer whole = m_reassembler.add(h, packet, now);
        if (!whole) return;
        ipv4::Header wh;
        if (ipv4::parse_header(whole.data(), whole.length(), wh) != ipv4::HeaderError::None) {
            m_ip_stats.reasm_fails++;
            return;
        }
        // The device's verdict was about a fragment, not about the transport checksum.
        deliver(iface, wh, whole.data(), link_broadcast || broadcast, false, for_dhcp, now);
        return;
    }
    deliver(iface, h, packet, link_broadcast || broadcast, checksum_verified, for_dhcp, now);
}

void NetStack::deliver(Interface& iface, const ipv4::Header& h, const u8* packet, bool broadcast,
                       bool checksum_verified, bool accepted_for_dhcp, Nanos now) {
    const u8* payload = packet + h.header_length;
    usize length = h.payload_length();
    IpPacketInfo info;
    info.source = h.source;
    info.destination = h.destination;
    info.protocol = h.protocol;
    info.ttl = h.ttl;
    info.tos = h.tos;
    info.interface_index = iface.m_index;
    info.link_broadcast = broadcast;
    info.checksum_verified = checksum_verified;

    // DHCP replies go to the interface's client, not to sockets.
    if (h.protocol == kProtoUdp && iface.dhcp_active() && length >= udp::kHeaderSize) {
        udp::Header uh = udp::load_header(payload);
        if (uh.destination_port == dhcp::kClientPort && uh.source_port == dhcp::kServerPort) {
            if (uh.length < udp::kHeaderSize || uh.length > length ||
                (!checksum_verified && !udp::checksum_ok(h.source, h.destination, payload, uh.length))) {
                m_ip_stats.in_discards++;
                return;
            }
            m_ip_stats.in_delivers++;
            iface.m_dhcp->receive(payload + udp::kHeaderSize, uh.length - udp::kHeaderSize, now);
            return;
        }
    }
    if (accepted_for_dhcp) {
        m_ip_stats.in_addr_errors++;
        return;
    }
    IpProtocolHandler* handler = m_protocols.get(h.protocol);
    if (!handler) {
        m_ip_stats.in_unknown_protos++;
        m_icmp.send_error(ipv4::kIcmpDestinationUnreachable, ipv4::kIcmpProtocolUnreachable, 0, packet, h.total_length,
                          broadcast, now);
        return;
    }
    m_ip_stats.in_delivers++;
    const u8* saved_packet = m_input_packet;
    usize saved_length = m_input_length;
    bool saved_broadcast = m_input_broadcast;
    m_input_packet = packet;
    m_input_length = h.total_length;
    m_input_broadcast = broadcast;
    handler->receive(info, payload, length, now);
    m_input_packet = saved_packet;
    m_input_length = saved_length;
    m_input_broadcast = saved_broadcast;
}

void NetStack::port_unreachable(const IpPacketInfo& info, const u8*, usize, Nanos now) {
    // Only while that datagram is being delivered can its IP header be quoted.
    if (!m_input_packet) return;
    m_icmp.send_error(ipv4::kIcmpDestinationUnreachable, ipv4::kIcmpPortUnreachable, 0, m_input_packet, m_input_length,
                      info.link_broadcast || m_input_broadcast, now);
}

void NetStack::neighbour_unreachable(const u8* ip_packet, usize length, Nanos now) {
    // As Linux does on a failed resolution: the sender hears "host unreachable", here told
    // directly to the protocol instead of through an ICMP message to ourselves.
    ipv4::Header h;
    if (ipv4::parse_header(ip_packet, length, h) != ipv4::HeaderError::None || h.fragment_offset != 0) return;
    if (h.payload_length() < 8) return;
    IpProtocolHandler* handler = m_protocols.get(h.protocol);
    if (!handler) return;
    usize quoted = h.total_length < 576 ? h.total_length : 576;
    handler->icmp_error(ipv4::kIcmpDestinationUnreachable, ipv4::kIcmpHostUnreachable, 0, ip_packet, quoted, now);
}

}  // namespace net
