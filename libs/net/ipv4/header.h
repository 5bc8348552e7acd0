// The IPv4 header (RFC 791): validation of received headers and writing of our own.
// Options are accepted and skipped (a host acts on none of them).
#pragma once

#include "base/types.h"
#include "net/address.h"

namespace net::ipv4 {

constexpr usize kMinHeaderSize = 20;
constexpr usize kMaxHeaderSize = 60;
constexpr usize kMaxPacketSize = 65535;

struct Header {
    usize header_length = kMinHeaderSize;  // IHL * 4
    u8 tos = 0;
    u16 total_length = 0;
    u16 id = 0;
    bool dont_fragment = false;
    bool more_fragments = false;
    u16 fragment_offset = 0;  // in bytes (the field is in 8-byte units)
    u8 ttl = 0;
    u8 protocol = 0;
    Ipv4Address source;
    Ipv4Address destination;

    bool is_fragment() const { return more_fragments || fragment_offset != 0; }
    usize payload_length() const { return total_length - header_length; }
};

enum class HeaderError {
    None,
    Truncated,  // shorter than the header, or than total_length says
    BadVersion,
    BadHeaderLength,  // IHL < 5, or beyond total_length
    BadChecksum,
    BadFragment,  // offset + length beyond 65535
};

// Parses and checks the header of the `length` bytes at `packet`. On success the packet's
// real extent is header.total_length (<= length: link-layer padding follows).
HeaderError parse_header(const u8* packet, usize length, Header& out);

// Writes a 20-byte header (no options) with its checksum.
void write_header(u8* out, const Header& header);

// Rewrites the fields a fragment changes (total length, flags/offset) and the checksum,
// in a header copied from the original.
void patch_fragment(u8* header, usize header_length, u16 total_length, u16 fragment_offset, bool more_fragments);

}  // namespace net::ipv4
