// The DHCP clients' side of NetStack: their messages out (a whole UDP/IP broadcast
// packet before the interface has an address, or unicast through the routing table), and
// their leases in (configuring the interface, its routes, and telling the kernel).
#include <cstring>

#include "net/checksum.h"
#include "net/link/ethernet.h"
#include "net/stack.h"
#include "net/udp/header.h"

namespace net {

void NetStack::send_dhcp(Interface& iface, const u8* message, usize length, Ipv4Address source, Ipv4Address destination,
                         Nanos now) {
    u8 udp_header[udp::kHeaderSize];
    u16 udp_length = static_cast<u16>(udp::kHeaderSize + length);
    udp::store_header(udp_header, {dhcp::kClientPort, dhcp::kServerPort, udp_length, 0});
    Checksum sum;
    sum.add_pseudo_header(source, destination, kProtoUdp, udp_length);
    sum.add(udp_header, sizeof udp_header);
    sum.add(message, length);
    u16 checksum = sum.finish();
    store_be16(udp_header + udp::kChecksumOffset, checksum == 0 ? 0xffff : checksum);
    Gather datagram(udp_header, sizeof udp_header);
    datagram.append(message, length);

    if (!destination.is_limited_broadcast()) {
        // Renewal: an ordinary unicast datagram from our address.
        IpSendOptions options;
        (void)send(source, destination, kProtoUdp, datagram, options, now);
        return;
    }
    if (!iface.usable()) return;
    ipv4::Header h;
    h.ttl = 64;
    h.protocol = kProtoUdp;
    h.source = source;
    h.destination = destination;
    h.id = next_id(destination);
    h.total_length = static_cast<u16>(ipv4::kMinHeaderSize + udp_length);
    u8 ip_header[ipv4::kMinHeaderSize];
    ipv4::write_header(ip_header, h);
    Gather packet = datagram;
    packet.prepend(ip_header, sizeof ip_header);
    m_ip_stats.out_requests++;
    (void)transmit_frame(iface, kMacBroadcast, link::kEtherTypeIpv4, packet, nullptr);
}

void Interface::send_dhcp(const u8* message, usize length, Ipv4Address source, Ipv4Address destination, Nanos now) {
    m_stack.send_dhcp(*this, message, length, source, destination, now);
}

void Interface::lease_acquired(const dhcp::Lease& lease, Nanos now) {
    IpConfig config;
    config.address = lease.address;
    config.gateway = lease.router;
    config.dns_count = lease.dns_count < IpConfig::kMaxDns ? lease.dns_count : IpConfig::kMaxDns;
    for (usize i = 0; i < config.dns_count; i++) config.dns[i] = lease.dns[i];
    static_assert(sizeof config.domain >= sizeof lease.domain);
    std::memcpy(config.domain, lease.domain, sizeof lease.domain);
    config.lease_seconds = lease.lease_seconds;
    config.mtu = lease.mtu;
    config.origin = AddressOrigin::Dhcp;
    m_stack.apply_config(*this, config, now);
}

void Interface::lease_lost(Nanos) { m_stack.remove_config(*this); }

}  // namespace net
