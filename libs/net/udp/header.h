// The UDP header (RFC 768).
#pragma once

#include "base/types.h"
#include "net/address.h"

namespace net::udp {

constexpr usize kHeaderSize = 8;
constexpr usize kChecksumOffset = 6;
// The largest payload one datagram carries over IPv4: 65535 - 20 (IP) - 8 (UDP).
constexpr usize kMaxPayload = 65507;

struct Header {
    u16 source_port = 0;
    u16 destination_port = 0;
    u16 length = 0;  // header + data
    u16 checksum = 0;
};

inline Header load_header(const u8* p) { return {load_be16(p), load_be16(p + 2), load_be16(p + 4), load_be16(p + 6)}; }

inline void store_header(u8* p, const Header& h) {
    store_be16(p, h.source_port);
    store_be16(p + 2, h.destination_port);
    store_be16(p + 4, h.length);
    store_be16(p + 6, h.checksum);
}

// Whether the datagram (header + data, `length` bytes, as the header says) checks out; a
// zero checksum field means the sender computed none.
bool checksum_ok(Ipv4Address source, Ipv4Address destination, const u8* datagram, usize length);

// The full checksum of a datagram whose checksum field is zero (0 is sent as 0xffff).
u16 compute_checksum(Ipv4Address source, Ipv4Address destination, const u8* datagram, usize length);

}  // namespace net::udp
