// CRC-32C and the htree name hashes, checked against published values and debugfs's
// dx_hash (e2fsprogs' own implementation).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "crypto/crc32c.h"
#include "ext4/dx_hash.h"
#include "ext4_test_support.h"

namespace {

using namespace ext4_test;
using ext4::HashVersion;

std::span<const u8> bytes_of(std::string_view text) { return {reinterpret_cast<const u8*>(text.data()), text.size()}; }

TEST(Crc32c, MatchesTheStandardCheckValue) {
    EXPECT_EQ(crypto::crc32c(bytes_of("123456789")), 0xE3069283u);
    EXPECT_EQ(crypto::crc32c({}), 0u);
    // Chained updates equal one pass.
    u32 crc = crypto::crc32c_update(~0u, bytes_of("1234"));
    EXPECT_EQ(~crypto::crc32c_update(crc, bytes_of("56789")), 0xE3069283u);
    EXPECT_EQ(~crypto::crc32c_update_table(~0u, bytes_of("123456789")), 0xE3069283u);
}

// The instruction path (taken on any host with SSE4.2) works 8 bytes at a time from an
// aligned address: every start alignment and length around those edges equals the table.
TEST(Crc32c, TheInstructionAgreesWithTheTableAtEveryAlignment) {
    std::vector<u8> bytes(4096 + 16);
    u32 state = 12345;
    for (u8& b : bytes) b = static_cast<u8>((state = state * 1103515245 + 12345) >> 16);
    for (usize start = 0; start < 16; start++) {
        for (usize length : {0, 1, 7, 8, 9, 15, 16, 17, 63, 1024, 4096}) {
            std::span<const u8> piece(bytes.data() + start, length);
            EXPECT_EQ(crypto::crc32c_update(0x1234567u, piece), crypto::crc32c_update_table(0x1234567u, piece))
                << "start " << start << " length " << length;
        }
    }
}

TEST(DxHash, EmptySeedMeansTheDefaultOne) {
    const u32 zero[4] = {0, 0, 0, 0};
    const u32 standard[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    for (auto version : {HashVersion::Legacy, HashVersion::HalfMd4, HashVersion::Tea}) {
        auto a = ext4::dx_hash(version, "some-name", zero);
        auto b = ext4::dx_hash(version, "some-name", standard);
        ASSERT_TRUE(a && b);
        EXPECT_EQ(a->major, b->major);
        EXPECT_EQ(a->major & 1, 0u);
    }
    EXPECT_FALSE(ext4::dx_hash(HashVersion(6), "x", zero));
}

TEST(DxHash, SignednessMattersOnlyForHighBytes) {
    const u32 zero[4] = {};
    EXPECT_EQ(ext4::dx_hash(HashVersion::HalfMd4, "ascii", zero)->major,
              ext4::dx_hash(HashVersion::HalfMd4Unsigned, "ascii", zero)->major);
    EXPECT_NE(ext4::dx_hash(HashVersion::Tea, "\xc3\xa9t\xc3\xa9", zero)->major,
              ext4::dx_hash(HashVersion::TeaUnsigned, "\xc3\xa9t\xc3\xa9", zero)->major);
}

// debugfs -R 'dx_hash -h ALG -s SEED NAME' prints "Hash of NAME is 0x... (minor 0x...)".
TEST(DxHash, AgreesWithDebugfs) {
    if (!have_e2fsprogs()) GTEST_SKIP() << "e2fsprogs not installed";
    const char* seed_text = "9eb1f4f3-59ac-47c6-babb-7b639416a6c3";
    // The UUID's bytes, read as four little-endian words as the superblock stores them.
    const u8 uuid[16] = {0x9e, 0xb1, 0xf4, 0xf3, 0x59, 0xac, 0x47, 0xc6, 0xba, 0xbb, 0x7b, 0x63, 0x94, 0x16, 0xa6, 0xc3};
    u32 seed[4];
    for (int i = 0; i < 4; i++)
        seed[i] = uuid[4 * i] | (uuid[4 * i + 1] << 8) | (uuid[4 * i + 2] << 16) | (u32(uuid[4 * i + 3]) << 24);
    struct Algorithm {
        const char* name;
        HashVersion version;
    };
    const Algorithm algorithms[] = {{"legacy", HashVersion::Legacy}, {"half_md4", HashVersion::HalfMd4}, {"tea", HashVersion::Tea}};
    const std::string names[] = {"a", "file_1", "lost+found", "exactly-sixteen!", std::string(33, 'q'),
                                 "a-longer-name-that-spans-several-rounds-of-the-hash.txt", std::string(255, 'z')};
    TempDir temp;
    fs::path image = temp.path() / "tiny.img";
    ASSERT_EQ(std::system(("mke2fs -q -F -t ext4 " + quote(image) + " 4M >/dev/null 2>&1").c_str()), 0);
    for (const Algorithm& algorithm : algorithms) {
        for (const std::string& name : names) {
            std::string out = run(std::string("debugfs -R 'dx_hash -h ") + algorithm.name + " -s " + seed_text + " " + name +
                                  "' " + quote(image) + " 2>/dev/null");
            auto at = out.find(" is 0x");
            ASSERT_NE(at, std::string::npos) << out;
            u32 expected_major = u32(std::stoul(out.substr(at + 4, 10), nullptr, 16));
            auto minor_at = out.find("minor 0x");
            u32 expected_minor = u32(std::stoul(out.substr(minor_at + 6, 10), nullptr, 16));
            auto hash = ext4::dx_hash(algorithm.version, name, seed);
            ASSERT_TRUE(hash);
            EXPECT_EQ(hash->major, expected_major) << algorithm.name << " " << name;
            if (algorithm.version != HashVersion::Legacy) {
                EXPECT_EQ(hash->minor, expected_minor) << algorithm.name << " " << name;
            }
        }
    }
}

}  // namespace
