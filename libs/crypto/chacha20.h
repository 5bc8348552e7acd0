// The ChaCha20 block function (RFC 8439, section 2.3), the core of the kernel's random
// number generator (getrandom, AT_RANDOM, address-space randomization).
#pragma once

#include "base/types.h"

namespace crypto {

// Computes one 64-byte keystream block for a 256-bit key, a block counter and a 96-bit nonce.
void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64]);

// A generator: ChaCha20 keystream, re-keyed from its own output after every request so
// earlier output cannot be recovered from its state (fast key erasure).
class ChaChaRng {
public:
    void seed(const u8* material, usize length);  // mixes material into the key
    void fill(u8* out, usize length);

private:
    u32 m_key[8] = {};
    u32 m_nonce[3] = {};
};

}  // namespace crypto
