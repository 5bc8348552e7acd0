// The Internet checksum (RFC 1071): a ones'-complement sum of 16-bit big-endian words,
// accumulated over several pieces (a pseudo-header, a header, a payload) and folded once.
#pragma once

#include "base/types.h"
#include "net/address.h"

namespace net {

class Checksum {
public:
    // Adds bytes. Pieces may have odd lengths: the next piece continues mid-word, as if
    // all pieces were one run of bytes.
    void add(const void* data, usize length);
    void add_u16(u16 value);  // one big-endian word, at an even position
    void add_u32(u32 value);
    // The pseudo-header of TCP and UDP over IPv4 (RFC 793 / RFC 768).
    void add_pseudo_header(Ipv4Address source, Ipv4Address destination, u8 protocol, u16 length);
    // The value to store in a header (complemented, in host order: store with store_be16).
    u16 finish() const;
    // For verification: true when the data summed includes its own correct checksum.
    bool verifies() const { return fold() == 0xffff; }

private:
    u16 fold() const;
    u64 m_sum = 0;
    bool m_odd = false;  // the next byte is the low half of a word
};

// One-shot: the checksum of one run of bytes.
u16 internet_checksum(const void* data, usize length);

}  // namespace net
