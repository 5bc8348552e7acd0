#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "fwcfg/fwcfg.h"

namespace {

struct FwCfgTestFile {
    std::string name;
    u32 size;
    u16 key;
};

// A directory as QEMU lays it out: big-endian count, then 64-byte entries.
std::vector<u8> fwcfg_directory_bytes(const std::vector<FwCfgTestFile>& files) {
    std::vector<u8> bytes(fwcfg::kDirectoryHeaderSize + files.size() * fwcfg::kDirectoryEntrySize, 0);
    fwcfg::store_be32(bytes.data(), static_cast<u32>(files.size()));
    for (usize i = 0; i < files.size(); i++) {
        u8* entry = bytes.data() + fwcfg::kDirectoryHeaderSize + i * fwcfg::kDirectoryEntrySize;
        fwcfg::store_be32(entry, files[i].size);
        entry[4] = static_cast<u8>(files[i].key >> 8);
        entry[5] = static_cast<u8>(files[i].key);
        memcpy(entry + 8, files[i].name.data(), std::min(files[i].name.size(), fwcfg::kNameSize));
    }
    return bytes;
}

TEST(FwCfg, BigEndianFieldsReadMostSignificantByteFirst) {
    const u8 bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    EXPECT_EQ(fwcfg::load_be16(bytes), 0x0102u);
    EXPECT_EQ(fwcfg::load_be32(bytes), 0x01020304u);
    EXPECT_EQ(fwcfg::load_be64(bytes), 0x0102030405060708ull);
    u8 out[8];
    fwcfg::store_be64(out, 0x1122334455667788ull);
    EXPECT_EQ(fwcfg::load_be64(out), 0x1122334455667788ull);
    EXPECT_EQ(out[0], 0x11);
}

TEST(FwCfg, DmaReadRequestSelectsTheKeyAndReads) {
    auto access = fwcfg::dma_read_request(0x0020, 4096, 0x123456789000ull);
    const u8 control[] = {0x00, 0x20, 0x00, 0x0a};  // key << 16 | SELECT | READ
    EXPECT_EQ(memcmp(access.bytes, control, 4), 0);
    EXPECT_EQ(fwcfg::load_be32(access.bytes + 4), 4096u);
    EXPECT_EQ(fwcfg::load_be64(access.bytes + 8), 0x123456789000ull);
}

TEST(FwCfg, DmaControlSaysDoneFailedOrRunning) {
    EXPECT_EQ(fwcfg::dma_state(0), fwcfg::DmaState::Done);
    EXPECT_EQ(fwcfg::dma_state(fwcfg::kDmaError), fwcfg::DmaState::Failed);
    EXPECT_EQ(fwcfg::dma_state(fwcfg::kDmaError | fwcfg::kDmaRead), fwcfg::DmaState::Failed);
    EXPECT_EQ(fwcfg::dma_state(fwcfg::kDmaRead), fwcfg::DmaState::Running);
}

TEST(FwCfg, FindsAFileByItsExactName) {
    auto bytes = fwcfg_directory_bytes({{"bootorder", 10, 0x20}, {"opt/osprey/overlay", 1536, 0x21}});
    auto directory = fwcfg::Directory::parse(bytes);
    ASSERT_TRUE(directory.is_ok());
    EXPECT_EQ(directory.value().count(), 2u);
    auto file = directory.value().find("opt/osprey/overlay");
    ASSERT_TRUE(file.is_ok());
    EXPECT_EQ(file.value().size, 1536u);
    EXPECT_EQ(file.value().key, 0x21);
    EXPECT_EQ(file.value().name, "opt/osprey/overlay");
}

TEST(FwCfg, MissingNameOrPrefixIsENOENT) {
    auto bytes = fwcfg_directory_bytes({{"opt/osprey/overlay", 1, 0x20}});
    auto directory = fwcfg::Directory::parse(bytes);
    ASSERT_TRUE(directory.is_ok());
    EXPECT_EQ(directory.value().find("opt/osprey/other").error(), ENOENT);
    EXPECT_EQ(directory.value().find("opt/osprey").error(), ENOENT);
    EXPECT_EQ(directory.value().find("opt/osprey/overlay2").error(), ENOENT);
}

TEST(FwCfg, EmptyDirectoryFindsNothing) {
    auto bytes = fwcfg_directory_bytes({});
    auto directory = fwcfg::Directory::parse(bytes);
    ASSERT_TRUE(directory.is_ok());
    EXPECT_EQ(directory.value().find("x").error(), ENOENT);
}

TEST(FwCfg, NameOfFiftyFiveBytesFits) {
    std::string longest(55, 'n');
    auto bytes = fwcfg_directory_bytes({{longest, 3, 0x20}});
    auto directory = fwcfg::Directory::parse(bytes);
    ASSERT_TRUE(directory.is_ok());
    EXPECT_TRUE(directory.value().find(longest).is_ok());
    EXPECT_TRUE(fwcfg::valid_file_name(longest));
    EXPECT_FALSE(fwcfg::valid_file_name(longest + "n"));
    EXPECT_FALSE(fwcfg::valid_file_name(""));
}

TEST(FwCfg, CountLargerThanTheBytesIsEINVAL) {
    auto bytes = fwcfg_directory_bytes({{"a", 1, 0x20}, {"b", 1, 0x21}});
    fwcfg::store_be32(bytes.data(), 3);
    EXPECT_EQ(fwcfg::Directory::parse(bytes).error(), EINVAL);
    bytes.pop_back();  // the second entry cut short
    fwcfg::store_be32(bytes.data(), 2);
    EXPECT_EQ(fwcfg::Directory::parse(bytes).error(), EINVAL);
}

TEST(FwCfg, HugeCountIsEINVALBeforeAnyRead) {
    u8 header[4];
    fwcfg::store_be32(header, 0xffffffffu);
    EXPECT_EQ(fwcfg::directory_size(header).error(), EINVAL);
    EXPECT_EQ(fwcfg::Directory::parse(header).error(), EINVAL);
    fwcfg::store_be32(header, fwcfg::kMaxFiles);
    EXPECT_EQ(fwcfg::directory_size(header).value(), 4 + fwcfg::kMaxFiles * 64ull);
}

TEST(FwCfg, FewerThanFourBytesIsEINVAL) {
    const u8 header[3] = {};
    EXPECT_EQ(fwcfg::directory_size(header).error(), EINVAL);
    EXPECT_EQ(fwcfg::Directory::parse(std::span<const u8>()).error(), EINVAL);
}

TEST(FwCfg, NameWithoutNulIsEINVAL) {
    auto bytes = fwcfg_directory_bytes({{"ok", 1, 0x20}, {std::string(56, 'x'), 1, 0x21}});
    EXPECT_EQ(fwcfg::Directory::parse(bytes).error(), EINVAL);
}

TEST(FwCfg, EmptyNameIsEINVAL) {
    auto bytes = fwcfg_directory_bytes({{"", 1, 0x20}});
    EXPECT_EQ(fwcfg::Directory::parse(bytes).error(), EINVAL);
}

TEST(FwCfg, BytesAfterTheLastEntryAreIgnored) {
    auto bytes = fwcfg_directory_bytes({{"a", 7, 0x20}});
    bytes.resize(bytes.size() + 100, 0xee);
    auto directory = fwcfg::Directory::parse(bytes);
    ASSERT_TRUE(directory.is_ok());
    EXPECT_EQ(directory.value().find("a").value().size, 7u);
}

TEST(FwCfg, EveryTruncationOfAValidDirectoryIsRefusedWithoutACrash) {
    auto bytes = fwcfg_directory_bytes({{"etc/one", 1, 0x20}, {"opt/osprey/overlay", 2, 0x21}});
    for (usize length = 0; length < bytes.size(); length++)
        EXPECT_EQ(fwcfg::Directory::parse(std::span<const u8>(bytes.data(), length)).error(), EINVAL) << length;
}

}  // namespace
