#include <gtest/gtest.h>

#include <cstring>

#include "crypto/chacha20.h"

namespace {

// RFC 8439, section 2.3.2.
TEST(ChaCha20, BlockFunctionMatchesTheRfcTestVector) {
    u32 key[8];
    u8 key_bytes[32];
    for (int i = 0; i < 32; i++) key_bytes[i] = static_cast<u8>(i);
    memcpy(key, key_bytes, 32);
    u8 nonce_bytes[12] = {0, 0, 0, 0x09, 0, 0, 0, 0x4a, 0, 0, 0, 0};
    u32 nonce[3];
    memcpy(nonce, nonce_bytes, 12);
    u8 out[64];
    crypto::chacha20_block(key, 1, nonce, out);
    const u8 expected[16] = {0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15,
                             0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4};
    EXPECT_EQ(memcmp(out, expected, 16), 0);
    const u8 expected_tail[4] = {0xa2, 0x50, 0x3c, 0x4e};
    EXPECT_EQ(memcmp(out + 60, expected_tail, 4), 0);
}

TEST(ChaChaRng, DifferentSeedsGiveDifferentStreamsAndOutputNeverRepeats) {
    crypto::ChaChaRng a, b;
    u8 seed_a[8] = {1}, seed_b[8] = {2};
    a.seed(seed_a, sizeof seed_a);
    b.seed(seed_b, sizeof seed_b);
    u8 x[32], y[32], z[32];
    a.fill(x, 32);
    b.fill(y, 32);
    a.fill(z, 32);
    EXPECT_NE(memcmp(x, y, 32), 0);
    EXPECT_NE(memcmp(x, z, 32), 0);
}

}  // namespace
