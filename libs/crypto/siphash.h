// SipHash-2-4 (Aumasson and Bernstein): a keyed 64-bit hash, fast on short inputs, that
// an attacker who does not know the key cannot steer. TCP uses it for initial sequence
// numbers (RFC 6528), SYN cookies and timestamp offsets.
#pragma once

#include "base/types.h"

namespace crypto {

struct SipKey {
    u64 k0 = 0;
    u64 k1 = 0;
};

u64 siphash24(const SipKey& key, const void* data, usize length);

}  // namespace crypto
