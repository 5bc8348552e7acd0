#include "crypto/siphash.h"

namespace crypto {

namespace {

inline u64 rotl(u64 x, int b) { return (x << b) | (x >> (64 - b)); }

struct State {
    u64 v0, v1, v2, v3;
    void round() {
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }
    void absorb(u64 m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

inline u64 load_le64(const u8* p) {
    u64 v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

}  // namespace

u64 siphash24(const SipKey& key, const void* data, usize length) {
    const u8* p = static_cast<const u8*>(data);
    State s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull, key.k0 ^ 0x6c7967656e657261ull,
            key.k1 ^ 0x7465646279746573ull};
    usize words = length / 8;
    for (usize i = 0; i < words; i++) s.absorb(load_le64(p + 8 * i));
    u64 last = static_cast<u64>(length & 0xff) << 56;
    for (usize i = 0; i < (length & 7); i++) last |= static_cast<u64>(p[8 * words + i]) << (8 * i);
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace crypto
