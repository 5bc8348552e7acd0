#include "ext4/dx_hash.h"

#include <algorithm>
#include <bit>

namespace ext4 {

namespace {

// The value of one name byte as the hash sees it: as a C char on the host that made the
// file system, sign-extended or not.
u32 char_value(char c, bool is_signed) { return is_signed ? u32(i32(i8(c))) : u32(u8(c)); }

// Packs up to 4 * words bytes of the name into words, four bytes to a word, padding with a
// pattern made from the length, as every ext* implementation does.
void pack_name(std::string_view name, u32* words, int count, bool is_signed) {
    u32 pad = u32(name.size()) | (u32(name.size()) << 8);
    pad |= pad << 16;
    u32 value = pad;
    usize length = name.size() < usize(count) * 4 ? name.size() : usize(count) * 4;
    int written = 0;
    for (usize i = 0; i < length; i++) {
        value = char_value(name[i], is_signed) + (value << 8);
        if (i % 4 == 3) {
            words[written++] = value;
            value = pad;
        }
    }
    if (written < count) words[written++] = value;
    while (written < count) words[written++] = pad;
}

u32 legacy_hash(std::string_view name, bool is_signed) {
    u32 hash0 = 0x12a3fe2d, hash1 = 0x37abe8f9;
    for (char c : name) {
        u32 hash = hash1 + (hash0 ^ (char_value(c, is_signed) * 7152373));
        if (hash & 0x80000000) hash -= 0x7fffffff;
        hash1 = hash0;
        hash0 = hash;
    }
    return hash0 << 1;
}

void tea_transform(u32 buf[4], const u32 in[4]) {
    constexpr u32 kDelta = 0x9E3779B9;
    u32 sum = 0, b0 = buf[0], b1 = buf[1];
    for (int round = 0; round < 16; round++) {
        sum += kDelta;
        b0 += ((b1 << 4) + in[0]) ^ (b1 + sum) ^ ((b1 >> 5) + in[1]);
        b1 += ((b0 << 4) + in[2]) ^ (b0 + sum) ^ ((b0 >> 5) + in[3]);
    }
    buf[0] += b0;
    buf[1] += b1;
}

u32 md4_f(u32 x, u32 y, u32 z) { return z ^ (x & (y ^ z)); }
u32 md4_g(u32 x, u32 y, u32 z) { return (x & y) + ((x ^ y) & z); }
u32 md4_h(u32 x, u32 y, u32 z) { return x ^ y ^ z; }

// MD4's three rounds over eight words instead of sixteen.
void half_md4_transform(u32 buf[4], const u32 in[8]) {
    constexpr u32 k2 = 0x5A827999, k3 = 0x6ED9EBA1;
    u32 a = buf[0], b = buf[1], c = buf[2], d = buf[3];
    auto step = [](u32 (*f)(u32, u32, u32), u32& w, u32 x, u32 y, u32 z, u32 input, int shift) {
        w = std::rotl(w + f(x, y, z) + input, shift);
    };
    static constexpr int kOrder1[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    static constexpr int kOrder2[8] = {1, 3, 5, 7, 0, 2, 4, 6};
    static constexpr int kOrder3[8] = {3, 7, 2, 6, 1, 5, 0, 4};
    static constexpr int kShift1[4] = {3, 7, 11, 19}, kShift2[4] = {3, 5, 9, 13}, kShift3[4] = {3, 9, 11, 15};
    for (int i = 0; i < 8; i += 4) {
        step(md4_f, a, b, c, d, in[kOrder1[i]], kShift1[0]);
        step(md4_f, d, a, b, c, in[kOrder1[i + 1]], kShift1[1]);
        step(md4_f, c, d, a, b, in[kOrder1[i + 2]], kShift1[2]);
        step(md4_f, b, c, d, a, in[kOrder1[i + 3]], kShift1[3]);
    }
    for (int i = 0; i < 8; i += 4) {
        step(md4_g, a, b, c, d, in[kOrder2[i]] + k2, kShift2[0]);
        step(md4_g, d, a, b, c, in[kOrder2[i + 1]] + k2, kShift2[1]);
        step(md4_g, c, d, a, b, in[kOrder2[i + 2]] + k2, kShift2[2]);
        step(md4_g, b, c, d, a, in[kOrder2[i + 3]] + k2, kShift2[3]);
    }
    for (int i = 0; i < 8; i += 4) {
        step(md4_h, a, b, c, d, in[kOrder3[i]] + k3, kShift3[0]);
        step(md4_h, d, a, b, c, in[kOrder3[i + 1]] + k3, kShift3[1]);
        step(md4_h, c, d, a, b, in[kOrder3[i + 2]] + k3, kShift3[2]);
        step(md4_h, b, c, d, a, in[kOrder3[i + 3]] + k3, kShift3[3]);
    }
    buf[0] += a;
    buf[1] += b;
    buf[2] += c;
    buf[3] += d;
}

}  // namespace

std::optional<NameHash> dx_hash(HashVersion version, std::string_view name, const u32 seed[4]) {
    u32 buf[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    if (seed[0] | seed[1] | seed[2] | seed[3])
        for (int i = 0; i < 4; i++) buf[i] = seed[i];
    bool is_signed = u8(version) < u8(HashVersion::LegacyUnsigned);
    NameHash h;
    switch (version) {
    case HashVersion::Legacy:
    case HashVersion::LegacyUnsigned:
        h.major = legacy_hash(name, is_signed);
        break;
    case HashVersion::HalfMd4:
    case HashVersion::HalfMd4Unsigned:
        for (std::string_view rest = name; !rest.empty(); rest.remove_prefix(std::min<usize>(rest.size(), 32))) {
            u32 in[8];
            pack_name(rest, in, 8, is_signed);
            half_md4_transform(buf, in);
        }
        h.major = buf[1];
        h.minor = buf[2];
        break;
    case HashVersion::Tea:
    case HashVersion::TeaUnsigned:
        for (std::string_view rest = name; !rest.empty(); rest.remove_prefix(std::min<usize>(rest.size(), 16))) {
            u32 in[4];
            pack_name(rest, in, 4, is_signed);
            tea_transform(buf, in);
        }
        h.major = buf[0];
        h.minor = buf[1];
        break;
    default:
        return std::nullopt;
    }
    h.major &= ~1u;
    // The largest value marks the end of the directory for readdir cookies.
    if (h.major == 0xFFFFFFFEu) h.major = 0xFFFFFFFCu;
    return h;
}

}  // namespace ext4
