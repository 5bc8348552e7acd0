#include "crypto/chacha20.h"

#include <cstring>

namespace crypto {

namespace {

constexpr u32 rotl(u32 v, int n) { return (v << n) | (v >> (32 - n)); }

void quarter_round(u32* s, int a, int b, int c, int d) {
    s[a] += s[b], s[d] ^= s[a], s[d] = rotl(s[d], 16);
    s[c] += s[d], s[b] ^= s[c], s[b] = rotl(s[b], 12);
    s[a] += s[b], s[d] ^= s[a], s[d] = rotl(s[d], 8);
    s[c] += s[d], s[b] ^= s[c], s[b] = rotl(s[b], 7);
}

}  // namespace

void chacha20_block(const u32 key[8], u32 counter, const u32 nonce[3], u8 out[64]) {
    u32 state[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
    for (int i = 0; i < 8; i++) state[4 + i] = key[i];
    state[12] = counter;
    for (int i = 0; i < 3; i++) state[13 + i] = nonce[i];
    u32 working[16];
    memcpy(working, state, sizeof working);
    for (int round = 0; round < 10; round++) {
        quarter_round(working, 0, 4, 8, 12);
        quarter_round(working, 1, 5, 9, 13);
        quarter_round(working, 2, 6, 10, 14);
        quarter_round(working, 3, 7, 11, 15);
        quarter_round(working, 0, 5, 10, 15);
        quarter_round(working, 1, 6, 11, 12);
        quarter_round(working, 2, 7, 8, 13);
        quarter_round(working, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) {
        u32 word = working[i] + state[i];
        for (int b = 0; b < 4; b++) out[4 * i + b] = static_cast<u8>(word >> (8 * b));
    }
}

void ChaChaRng::seed(const u8* material, usize length) {
    // Absorb 32 bytes at a time into the key, then stir with one block.
    for (usize i = 0; i < length; i++) reinterpret_cast<u8*>(m_key)[i % 32] ^= material[i];
    u8 block[64];
    chacha20_block(m_key, 0, m_nonce, block);
    memcpy(m_key, block, 32);
    memset(block, 0, sizeof block);
}

void ChaChaRng::fill(u8* out, usize length) {
    u8 block[64];
    u32 counter = 1;
    while (length) {
        chacha20_block(m_key, counter++, m_nonce, block);
        usize n = length < sizeof block ? length : sizeof block;
        memcpy(out, block, n);
        out += n;
        length -= n;
    }
    // Fast key erasure: the next key is keystream nobody has seen.
    chacha20_block(m_key, 0, m_nonce, block);
    memcpy(m_key, block, 32);
    memset(block, 0, sizeof block);
}

}  // namespace crypto
