#include "net/link/ethernet.h"

namespace net::link {

namespace {
// Type/length values below this are 802.3 lengths, not EtherTypes.
constexpr u16 kMinEtherType = 0x0600;
constexpr usize kVlanTagSize = 4;
}  // namespace

std::optional<EthernetFrame> parse_ethernet(const u8* frame, usize length) {
    if (length < kEthernetHeaderSize) return std::nullopt;
    EthernetFrame out;
    out.destination = MacAddress::load(frame);
    out.source = MacAddress::load(frame + 6);
    out.ether_type = load_be16(frame + 12);
    usize header = kEthernetHeaderSize;
    if (out.ether_type == kEtherTypeVlan) {
        if (length < kEthernetHeaderSize + kVlanTagSize) return std::nullopt;
        u16 tci = load_be16(frame + 14);
        if ((tci & 0x0fff) != 0) return std::nullopt;
        out.ether_type = load_be16(frame + 16);
        header += kVlanTagSize;
    }
    if (out.ether_type < kMinEtherType || out.ether_type == kEtherTypeVlan) return std::nullopt;
    out.payload = frame + header;
    out.payload_length = length - header;
    return out;
}

void write_ethernet_header(u8* out, MacAddress destination, MacAddress source, u16 ether_type) {
    destination.store(out);
    source.store(out + 6);
    store_be16(out + 12, ether_type);
}

}  // namespace net::link
