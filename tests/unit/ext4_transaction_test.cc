// ext4::Transaction, the BlockStore the writer goes through: copies held and listed for
// the journal, reads that see them, data that bypasses them, and a full store refusing.
#include <gtest/gtest.h>

#include <vector>

#include "ext4_writer_support.h"

namespace {

using namespace ext4_test;

class Ext4Transaction : public ::testing::Test {
protected:
    static constexpr u32 kBlockSize = 1024;
    void SetUp() override {
        device.bytes.assign(64 * kBlockSize, 0);
        for (usize i = 0; i < device.bytes.size(); i++) device.bytes[i] = u8(i / kBlockSize);
        device.block_size = kBlockSize;
    }
    ext4::Transaction make(u32 slots) {
        memory.assign(ext4::Transaction::memory_for(slots, kBlockSize) / 8, 0);
        return ext4::Transaction(device, kBlockSize, std::span<u8>(reinterpret_cast<u8*>(memory.data()), memory.size() * 8));
    }
    ext4_test::MemoryDevice device;
    std::vector<u64> memory;
};

TEST_F(Ext4Transaction, ChangedBlocksAreListedInOrderAndReachTheDeviceOnlyWhenWrittenHome) {
    ext4::Transaction tx = make(8);
    auto nine = tx.get(9).value();
    auto three = tx.get(3).value();
    EXPECT_EQ(three[0], 3);
    nine[0] = 0xAA;
    three[5] = 0xBB;
    auto fresh = tx.get_new(20).value();
    EXPECT_EQ(fresh[0], 0);
    // Reads see the copies, the device does not yet.
    u8 byte = 0;
    ASSERT_TRUE(tx.read(9 * kBlockSize, std::span<u8>(&byte, 1)).is_ok());
    EXPECT_EQ(byte, 0xAA);
    EXPECT_EQ(device.bytes[9 * kBlockSize], 9);
    std::vector<ext4::DirtyBlock> list(3);
    auto listed = tx.dirty_blocks(list).value();
    ASSERT_EQ(listed.size(), 3u);
    EXPECT_EQ(listed[0].block, 3u);
    EXPECT_EQ(listed[1].block, 9u);
    EXPECT_EQ(listed[2].block, 20u);
    EXPECT_EQ(listed[0].bytes[5], 0xBB);
    std::vector<ext4::DirtyBlock> short_list(2);
    EXPECT_EQ(tx.dirty_blocks(short_list).error(), E2BIG);
    ASSERT_TRUE(tx.write_home().is_ok());
    tx.clear();
    EXPECT_EQ(device.bytes[9 * kBlockSize], 0xAA);
    EXPECT_EQ(device.bytes[20 * kBlockSize], 0);
    EXPECT_EQ(tx.dirty_count(), 0u);
}

TEST_F(Ext4Transaction, AbortLeavesTheDeviceAsItWas) {
    ext4::Transaction tx = make(4);
    tx.get(5).value()[0] = 0xEE;
    tx.abort();
    u8 byte = 0;
    ASSERT_TRUE(tx.read(5 * kBlockSize, std::span<u8>(&byte, 1)).is_ok());
    EXPECT_EQ(byte, 5);
    EXPECT_EQ(device.bytes[5 * kBlockSize], 5);
}

TEST_F(Ext4Transaction, DataWrittenOverAFreedMetadataBlockIsNotOverwrittenByTheOldCopy) {
    ext4::Transaction tx = make(4);
    auto held = tx.get(7).value();
    auto other = tx.get(8).value();
    held[0] = 0x11;
    other[0] = 0x22;
    std::vector<u8> data(kBlockSize, 0x77);
    ASSERT_TRUE(tx.write_data(7, data).is_ok());
    EXPECT_EQ(tx.dirty_count(), 1u);
    EXPECT_EQ(other[0], 0x22);  // spans of the other copies stay valid
    ASSERT_TRUE(tx.write_home().is_ok());
    EXPECT_EQ(device.bytes[7 * kBlockSize], 0x77);
    EXPECT_EQ(device.bytes[8 * kBlockSize], 0x22);
}

TEST_F(Ext4Transaction, DataOfSeveralBlocksGoesInOneWriteAndDropsTheCopiesItCovers) {
    ext4::Transaction tx = make(4);
    tx.get(9).value()[0] = 0x11;
    tx.get(10).value()[0] = 0x22;
    tx.get(12).value()[0] = 0x33;
    std::vector<u8> data(2 * kBlockSize, 0x55);
    ASSERT_TRUE(tx.write_data(9, data).is_ok());
    EXPECT_EQ(tx.dirty_count(), 1u);  // 12 only
    EXPECT_EQ(device.bytes[9 * kBlockSize], 0x55);
    EXPECT_EQ(device.bytes[10 * kBlockSize + kBlockSize - 1], 0x55);
    ASSERT_TRUE(tx.write_home().is_ok());
    EXPECT_EQ(device.bytes[10 * kBlockSize], 0x55);
    EXPECT_EQ(device.bytes[12 * kBlockSize], 0x33);
    EXPECT_EQ(tx.write_data(9, std::span<const u8>(data).first(kBlockSize - 1)).error(), EINVAL);
}

TEST_F(Ext4Transaction, AFullStoreRefusesWithEnomem) {
    ext4::Transaction tx = make(2);
    ASSERT_TRUE(tx.get(1).is_ok());
    ASSERT_TRUE(tx.get(2).is_ok());
    EXPECT_TRUE(tx.get(1).is_ok());  // held already
    EXPECT_EQ(tx.get(3).error(), ENOMEM);
    EXPECT_EQ(tx.get(99).error(), ENOMEM);
}

}  // namespace
