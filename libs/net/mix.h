// A 64-bit finalizer (murmur3's fmix64): every input bit reaches every output bit. For the
// stack's keyed hashes (flow spreading, IP ids, ephemeral ports) where SipHash is not needed.
#pragma once

#include "base/types.h"

namespace net {

inline u64 mix64(u64 x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

}  // namespace net
