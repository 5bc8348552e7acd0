#include "crypto/crc32c.h"

#include <array>

namespace crypto {

namespace {

constexpr u32 kPolynomial = 0x82F63B78;  // 0x1EDC6F41 bit-reversed

// One table of 256 entries, built by the compiler: no run-time initialisation, so the
// kernel can call it before anything else is set up.
constexpr std::array<u32, 256> make_table() {
    std::array<u32, 256> table{};
    for (u32 byte = 0; byte < 256; byte++) {
        u32 crc = byte;
        for (int bit = 0; bit < 8; bit++) crc = (crc >> 1) ^ ((crc & 1) ? kPolynomial : 0);
        table[byte] = crc;
    }
    return table;
}

constexpr std::array<u32, 256> kTable = make_table();

}  // namespace

u32 crc32c_update(u32 crc, std::span<const u8> bytes) {
    for (u8 byte : bytes) crc = (crc >> 8) ^ kTable[(crc ^ byte) & 0xFF];
    return crc;
}

}  // namespace crypto
