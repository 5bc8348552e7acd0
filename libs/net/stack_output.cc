// NetStack's send path (the IpSender): routing and source selection, the IPv4 header,
// checksum completion (by the device, not at all on loopback, or here), fragmentation,
// and the link layer (ARP, Ethernet framing, the device).
#include <cstring>

#include "net/checksum.h"
#include "net/link/ethernet.h"
#include "net/mix.h"
#include "net/stack.h"

namespace net {

namespace {

constexpr usize kHeaderSize = ipv4::kMinHeaderSize;
// How much of the transport header may precede its checksum field (TCP's is at 16).
constexpr usize kMaxChecksumPrefix = 128;

bool append_all(Gather& to, const Gather& from) {
    for (unsigned i = 0; i < from.count(); i++)
        if (!to.append(from.data(i), from.length(i))) return false;
    return true;
}

// The payload with its transport checksum completed: the bytes up to and including the
// field are copied to `prefix` and patched; the rest still points at the caller's runs.
Result<Gather> complete_checksum(const Gather& payload, usize field, u8* prefix) {
    Checksum sum;
    for (unsigned i = 0; i < payload.count(); i++) sum.add(payload.data(i), payload.length(i));
    u16 value = sum.finish();
    if (value == 0) value = 0xffff;  // UDP's "no checksum" must not be sent by accident
    usize prefix_length = field + 2;
    payload.copy_out(0, prefix, prefix_length);
    store_be16(prefix + field, value);
    Gather out(prefix, prefix_length);
    if (!append_all(out, payload.slice(prefix_length, payload.length() - prefix_length))) return Error(ENOBUFS);
    return out;
}

}  // namespace

bool NetStack::is_our_address(Ipv4Address address) const {
    for (unsigned i = 0; i < m_interface_count; i++) {
        const Interface& iface = *m_interfaces[i];
        if (iface.has_address() && iface.m_config.address.address == address) return true;
    }
    return false;
}

bool NetStack::is_local(Ipv4Address address) const { return address.is_loopback() || is_our_address(address); }

bool NetStack::is_subnet_broadcast(const Interface& iface, Ipv4Address address) const {
    Ipv4Address b = iface.broadcast_address();
    return !b.is_any() && b == address;
}

bool NetStack::is_broadcast(Ipv4Address address) const {
    if (address.is_limited_broadcast()) return true;
    for (unsigned i = 0; i < m_interface_count; i++)
        if (is_subnet_broadcast(*m_interfaces[i], address)) return true;
    return false;
}

Result<NetStack::OutputRoute> NetStack::route_output(Ipv4Address destination) const {
    OutputRoute out;
    if (destination.is_loopback() || is_our_address(destination)) {
        out.interface = const_cast<Interface*>(&m_loopback);
        out.local = true;
        out.next_hop = destination;
        out.source = destination.is_loopback() ? kIpv4Loopback : destination;
        out.mtu = out.route_mtu = kLoopbackMtu;
        return out;
    }
    auto usable = [this](unsigned index) {
        const Interface* i = find(index);
        return i && i->usable();
    };
    const ipv4::Route* route = m_routes.lookup(destination, usable);
    Interface* iface = route ? find(route->interface_index) : nullptr;
    if (!iface && destination.is_limited_broadcast()) {
        // No default route: the first working Ethernet interface with an address.
        for (unsigned i = 0; i < m_interface_count && !iface; i++)
            if (!m_interfaces[i]->is_loopback() && m_interfaces[i]->usable() && m_interfaces[i]->has_address())
                iface = m_interfaces[i];
    }
    if (!iface) return Error(ENETUNREACH);
    if (iface->is_loopback()) {
        out.interface = iface;
        out.local = true;
        out.next_hop = destination;
        out.source = kIpv4Loopback;
        out.mtu = out.route_mtu = kLoopbackMtu;
        return out;
    }
    out.interface = iface;
    out.next_hop = route ? route->next_hop(destination) : destination;
    if (route && !route->preferred_source.is_any() && is_our_address(route->preferred_source))
        out.source = route->preferred_source;
    else if (iface->has_address())
        out.source = iface->m_config.address.address;
    else
        return Error(EADDRNOTAVAIL);
    out.route_mtu = iface->m_mtu;
    if (route && route->mtu && route->mtu < out.route_mtu) out.route_mtu = route->mtu;
    u32 learnt = m_path_mtu.lookup(destination);
    out.mtu = learnt && learnt < out.route_mtu ? learnt : out.route_mtu;
    out.link_broadcast = destination.is_limited_broadcast() || is_subnet_broadcast(*iface, destination);
    out.link_multicast = destination.is_multicast();
    return out;
}

Result<Ipv4Address> NetStack::source_for(Ipv4Address destination) const {
    auto route = TRY(route_output(destination));
    return route.source;
}

usize NetStack::max_payload(Ipv4Address destination) const {
    auto route = route_output(destination);
    if (route.is_error()) return 576 - kHeaderSize;
    usize mtu = route.value().mtu;
    if (mtu > ipv4::kMaxPacketSize) mtu = ipv4::kMaxPacketSize;
    return mtu - kHeaderSize;
}

u16 NetStack::next_id(Ipv4Address destination) {
    // A counter per bucket of destinations, from random starting points: IDs to one host
    // do not repeat soon, and reveal nothing of the traffic to others.
    return m_ids[mix64(destination.value ^ m_id_secret) % kIdBuckets]++;
}

Result<void> NetStack::send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                            const IpSendOptions& options, Nanos now) {
    m_ip_stats.out_requests++;
    if (payload.length() > ipv4::kMaxPacketSize - kHeaderSize) {
        m_ip_stats.out_discards++;
        return Error(EMSGSIZE);
    }
    if (options.checksum_field >= 0 &&
        (payload.count() == 0 || static_cast<usize>(options.checksum_field) + 2 > payload.length(0) ||
         static_cast<usize>(options.checksum_field) + 2 > kMaxChecksumPrefix)) {
        m_ip_stats.out_discards++;
        return Error(EINVAL);
    }
    // As Linux's route lookup: a source must be one of ours (a socket bound to an address
    // that went away gets EINVAL, not packets with a stranger's address).
    if (!source.is_any() && !is_local(source)) {
        m_ip_stats.out_discards++;
        return Error(EINVAL);
    }
    auto routed = route_output(destination);
    if (routed.is_error()) {
        m_ip_stats.out_no_routes++;
        return Error(routed.error());
    }
    const OutputRoute& route = routed.value();
    ipv4::Header h;
    h.tos = options.tos;
    h.ttl = options.ttl ? options.ttl : 64;
    h.protocol = protocol;
    h.source = source.is_any() ? route.source : source;
    h.destination = destination;
    h.dont_fragment = options.dont_fragment;
    h.id = next_id(destination);
    h.total_length = static_cast<u16>(kHeaderSize + payload.length());
    u8 header[kHeaderSize];
    ipv4::write_header(header, h);

    // Loopback: the checksum field keeps its partial sum; the receiver is told not to check.
    if (route.local) return send_local(header, payload, now);

    Interface& iface = *route.interface;
    if (route.link_broadcast) {
        // As Linux, this host hears its own broadcasts too (a copy through loopback).
        (void)send_local(header, payload, now);
    }
    bool fits = h.total_length <= route.mtu;
    if (!fits && options.dont_fragment) {
        m_ip_stats.frag_fails++;
        return Error(EMSGSIZE);
    }
    if (options.checksum_field < 0) return send_link(iface, route, header, payload, nullptr, now);
    if (fits && iface.m_sink->offloads_checksum()) {
        PartialChecksum partial{static_cast<u16>(kHeaderSize), static_cast<u16>(options.checksum_field)};
        return send_link(iface, route, header, payload, &partial, now);
    }
    u8 prefix[kMaxChecksumPrefix];
    auto completed = complete_checksum(payload, static_cast<usize>(options.checksum_field), prefix);
    if (completed.is_error()) {
        m_ip_stats.out_discards++;
        return Error(completed.error());
    }
    return send_link(iface, route, header, completed.value(), nullptr, now);
}

Result<void> NetStack::send_local(const u8* header, const Gather& payload, Nanos now) {
    auto queued = m_loopback_queue.push(header, kHeaderSize, payload, now);
    if (queued.is_error()) {
        m_loopback.m_counters.tx_dropped++;
        m_ip_stats.out_discards++;
        return queued;
    }
    m_loopback.m_counters.tx_packets++;
    m_loopback.m_counters.tx_bytes += kHeaderSize + payload.length();
    return {};
}

Result<void> NetStack::send_link(Interface& iface, const OutputRoute& route, const u8* header, const Gather& payload,
                                 const PartialChecksum* partial, Nanos now) {
    if (!iface.usable()) {
        iface.m_counters.tx_dropped++;
        return Error(ENETDOWN);
    }
    auto output = [&](const Gather& packet, const PartialChecksum* p) -> Result<void> {
        if (route.link_broadcast) return transmit_frame(iface, kMacBroadcast, link::kEtherTypeIpv4, packet, p);
        if (route.link_multicast) {
            // RFC 1112 6.4: 01:00:5e and the low 23 bits of the group.
            MacAddress mac{{0x01, 0x00, 0x5e, static_cast<u8>(route.next_hop.octet(1) & 0x7f), route.next_hop.octet(2),
                            route.next_hop.octet(3)}};
            return transmit_frame(iface, mac, link::kEtherTypeIpv4, packet, p);
        }
        return iface.m_arp->send(route.next_hop, packet, p, now);
    };

    usize length = payload.length();
    if (kHeaderSize + length <= route.mtu) {
        Gather packet = payload;
        if (!packet.prepend(header, kHeaderSize)) return Error(ENOBUFS);
        return output(packet, partial);
    }
    // Fragments carry multiples of 8 bytes, each behind a copy of the header.
    usize chunk = (route.mtu - kHeaderSize) & ~static_cast<usize>(7);
    if (chunk == 0) {
        m_ip_stats.frag_fails++;
        return Error(EMSGSIZE);
    }
    for (usize offset = 0; offset < length; offset += chunk) {
        usize n = length - offset < chunk ? length - offset : chunk;
        u8 fragment_header[kHeaderSize];
        std::memcpy(fragment_header, header, kHeaderSize);
        ipv4::patch_fragment(fragment_header, kHeaderSize, static_cast<u16>(kHeaderSize + n), static_cast<u16>(offset),
                             offset + n < length);
        Gather piece = payload.slice(offset, n);
        if (!piece.prepend(fragment_header, kHeaderSize)) {
            m_ip_stats.frag_fails++;
            return Error(ENOBUFS);
        }
        auto sent = output(piece, nullptr);
        if (sent.is_error()) {
            m_ip_stats.frag_fails++;
            return sent;
        }
        m_ip_stats.frag_creates++;
    }
    m_ip_stats.frag_oks++;
    return {};
}

Result<void> NetStack::transmit_frame(Interface& iface, MacAddress destination, u16 ether_type, const Gather& payload,
                                      const PartialChecksum* partial) {
    u8 header[link::kEthernetHeaderSize];
    link::write_ethernet_header(header, destination, iface.m_mac, ether_type);
    Gather frame = payload;
    if (!frame.prepend(header, sizeof header)) {
        iface.m_counters.tx_dropped++;
        return Error(ENOBUFS);
    }
    PartialChecksum shifted;
    if (partial) shifted = {static_cast<u16>(partial->start + sizeof header), partial->offset};
    auto sent = iface.m_sink->transmit(frame, partial ? &shifted : nullptr);
    if (sent.is_error()) {
        if (sent.error() == ENOBUFS)
            iface.m_counters.tx_dropped++;
        else
            iface.m_counters.tx_errors++;
        return sent;
    }
    iface.m_counters.tx_packets++;
    iface.m_counters.tx_bytes += frame.length();
    return {};
}

Result<void> Interface::transmit(MacAddress destination, u16 ether_type, const Gather& payload,
                                 const PartialChecksum* partial) {
    return m_stack.transmit_frame(*this, destination, ether_type, payload, partial);
}

void Interface::unresolved(const u8* ip_packet, usize length, Nanos now) {
    m_stack.neighbour_unreachable(ip_packet, length, now);
}

void NetStack::path_mtu_reported(Ipv4Address destination, u32 mtu, Nanos now) {
    auto route = route_output(destination);
    if (route.is_error() || route.value().local) return;
    m_path_mtu.update(destination, mtu, route.value().route_mtu, now);
}

}  // namespace net
