// The ARP packet for IPv4 over Ethernet (RFC 826): 28 bytes after the Ethernet header.
#pragma once

#include <optional>

#include "base/types.h"
#include "net/address.h"

namespace net::link {

constexpr usize kArpPacketSize = 28;
constexpr u16 kArpRequest = 1, kArpReply = 2;

struct ArpPacket {
    u16 operation = 0;
    MacAddress sender_mac;
    Ipv4Address sender_ip;
    MacAddress target_mac;
    Ipv4Address target_ip;
};

// nullopt unless it is Ethernet/IPv4 (hardware type 1, protocol 0x0800, lengths 6 and 4),
// a request or a reply, and long enough (trailing padding is allowed).
std::optional<ArpPacket> parse_arp(const u8* data, usize length);
void write_arp(u8* out, const ArpPacket& packet);

}  // namespace net::link
