#include "crypto/crc32c.h"

#include <array>
#include <cpuid.h>

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

// SSE4.2's crc32 instruction computes exactly this CRC (Castagnoli, reflected) on general
// registers, 8 bytes an instruction: ext4 checksums every metadata block and the journal
// every block it logs, and the table costs about 6 instructions a byte. Asked of CPUID
// once; the answer is cached with relaxed atomics (two CPUs asking at once both store the
// same value).
bool have_crc32_instruction() {
    static int s_known = 0;  // 0: not asked yet; 1: no; 2: yes
    int known = __atomic_load_n(&s_known, __ATOMIC_RELAXED);
    if (known == 0) {
        unsigned eax, ebx, ecx, edx;
        bool sse42 = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_SSE4_2);
        known = sse42 ? 2 : 1;
        __atomic_store_n(&s_known, known, __ATOMIC_RELAXED);
    }
    return known == 2;
}

u32 crc32c_instruction(u32 crc, const u8* p, usize n) {
    u64 wide = crc;
    for (; n && reinterpret_cast<uptr>(p) % 8; n--, p++) asm("crc32b %1, %k0" : "+r"(wide) : "rm"(*p));
    for (; n >= 8; n -= 8, p += 8) {
        u64 word;
        __builtin_memcpy(&word, p, 8);
        asm("crc32q %1, %0" : "+r"(wide) : "rm"(word));
    }
    for (; n; n--, p++) asm("crc32b %1, %k0" : "+r"(wide) : "rm"(*p));
    return static_cast<u32>(wide);
}

}  // namespace

u32 crc32c_update_table(u32 crc, std::span<const u8> bytes) {
    for (u8 byte : bytes) crc = (crc >> 8) ^ kTable[(crc ^ byte) & 0xFF];
    return crc;
}

u32 crc32c_update(u32 crc, std::span<const u8> bytes) {
    if (have_crc32_instruction()) return crc32c_instruction(crc, bytes.data(), bytes.size());
    return crc32c_update_table(crc, bytes);
}

}  // namespace crypto
