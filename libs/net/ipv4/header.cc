#include "net/ipv4/header.h"

#include "net/checksum.h"

namespace net::ipv4 {

namespace {
constexpr u16 kFlagDontFragment = 0x4000;
constexpr u16 kFlagMoreFragments = 0x2000;
constexpr u16 kOffsetMask = 0x1fff;
}  // namespace

HeaderError parse_header(const u8* packet, usize length, Header& out) {
    if (length < kMinHeaderSize) return HeaderError::Truncated;
    if ((packet[0] >> 4) != 4) return HeaderError::BadVersion;
    usize ihl = static_cast<usize>(packet[0] & 0x0f) * 4;
    if (ihl < kMinHeaderSize) return HeaderError::BadHeaderLength;
    if (length < ihl) return HeaderError::Truncated;
    u16 total = load_be16(packet + 2);
    if (total < ihl) return HeaderError::BadHeaderLength;
    if (total > length) return HeaderError::Truncated;
    if (internet_checksum(packet, ihl) != 0) return HeaderError::BadChecksum;
    u16 flags = load_be16(packet + 6);
    out.header_length = ihl;
    out.tos = packet[1];
    out.total_length = total;
    out.id = load_be16(packet + 4);
    out.dont_fragment = flags & kFlagDontFragment;
    out.more_fragments = flags & kFlagMoreFragments;
    out.fragment_offset = static_cast<u16>((flags & kOffsetMask) * 8);
    out.ttl = packet[8];
    out.protocol = packet[9];
    out.source = Ipv4Address::load(packet + 12);
    out.destination = Ipv4Address::load(packet + 16);
    // The "ping of death": a fragment reaching past the largest datagram.
    if (static_cast<usize>(out.fragment_offset) + out.payload_length() > kMaxPacketSize - ihl)
        return HeaderError::BadFragment;
    return HeaderError::None;
}

void write_header(u8* out, const Header& h) {
    out[0] = 0x45;
    out[1] = h.tos;
    store_be16(out + 2, h.total_length);
    store_be16(out + 4, h.id);
    u16 flags = static_cast<u16>((h.fragment_offset / 8) & kOffsetMask);
    if (h.dont_fragment) flags |= kFlagDontFragment;
    if (h.more_fragments) flags |= kFlagMoreFragments;
    store_be16(out + 6, flags);
    out[8] = h.ttl;
    out[9] = h.protocol;
    store_be16(out + 10, 0);
    h.source.store(out + 12);
    h.destination.store(out + 16);
    store_be16(out + 10, internet_checksum(out, kMinHeaderSize));
}

void patch_fragment(u8* header, usize header_length, u16 total_length, u16 fragment_offset, bool more_fragments) {
    store_be16(header + 2, total_length);
    u16 flags = static_cast<u16>(load_be16(header + 6) & kFlagDontFragment);
    flags |= static_cast<u16>((fragment_offset / 8) & kOffsetMask);
    if (more_fragments) flags |= kFlagMoreFragments;
    store_be16(header + 6, flags);
    store_be16(header + 10, 0);
    store_be16(header + 10, internet_checksum(header, header_length));
}

}  // namespace net::ipv4
