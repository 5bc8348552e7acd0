#include "net/link/arp_packet.h"

#include "net/link/ethernet.h"

namespace net::link {

namespace {
constexpr u16 kHardwareEthernet = 1;
}

std::optional<ArpPacket> parse_arp(const u8* data, usize length) {
    if (length < kArpPacketSize) return std::nullopt;
    if (load_be16(data) != kHardwareEthernet || load_be16(data + 2) != kEtherTypeIpv4) return std::nullopt;
    if (data[4] != 6 || data[5] != 4) return std::nullopt;
    ArpPacket p;
    p.operation = load_be16(data + 6);
    if (p.operation != kArpRequest && p.operation != kArpReply) return std::nullopt;
    p.sender_mac = MacAddress::load(data + 8);
    p.sender_ip = Ipv4Address::load(data + 14);
    p.target_mac = MacAddress::load(data + 18);
    p.target_ip = Ipv4Address::load(data + 24);
    return p;
}

void write_arp(u8* out, const ArpPacket& p) {
    store_be16(out, kHardwareEthernet);
    store_be16(out + 2, kEtherTypeIpv4);
    out[4] = 6;
    out[5] = 4;
    store_be16(out + 6, p.operation);
    p.sender_mac.store(out + 8);
    p.sender_ip.store(out + 14);
    p.target_mac.store(out + 18);
    p.target_ip.store(out + 24);
}

}  // namespace net::link
