// Ethernet II framing: the 14-byte header in front of every frame a NIC carries. 802.3
// length-field frames (LLC) carry nothing we speak and are refused; an 802.1Q tag is
// accepted only as a priority tag (VLAN 0) and stripped, since Osprey configures no VLANs:
// a frame tagged for a real VLAN belongs to another network.
#pragma once

#include <optional>

#include "base/types.h"
#include "net/address.h"

namespace net::link {

constexpr usize kEthernetHeaderSize = 14;
constexpr u16 kEtherTypeIpv4 = 0x0800;
constexpr u16 kEtherTypeArp = 0x0806;
constexpr u16 kEtherTypeVlan = 0x8100;

struct EthernetFrame {
    MacAddress destination;
    MacAddress source;
    u16 ether_type = 0;
    const u8* payload = nullptr;  // points into the frame given to parse_ethernet
    usize payload_length = 0;     // may include the padding of short frames
};

// nullopt for a runt, an 802.3 frame, or a frame tagged for a VLAN other than 0.
std::optional<EthernetFrame> parse_ethernet(const u8* frame, usize length);

void write_ethernet_header(u8* out, MacAddress destination, MacAddress source, u16 ether_type);

}  // namespace net::link
