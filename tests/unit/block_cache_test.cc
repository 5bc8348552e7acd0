#include "block/cache.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace {

constexpr u32 kBlock = 512;

// A disk in memory that counts what reaches it and can be made to fail.
struct FakeDisk final : block::Backend {
    std::map<u64, std::vector<u8>> blocks;
    std::vector<u64> writes;  // in order
    u64 reads = 0;
    bool fail_writes = false, fail_reads = false;
    Result<void> read_block(u64 block, std::span<u8> out) override {
        if (fail_reads) return Error(EIO);
        reads++;
        auto it = blocks.find(block);
        for (usize i = 0; i < out.size(); i++) out[i] = it == blocks.end() ? static_cast<u8>(block) : it->second[i];
        return {};
    }
    Result<void> write_block(u64 block, std::span<const u8> data) override {
        if (fail_writes) return Error(EIO);
        writes.push_back(block);
        blocks[block].assign(data.begin(), data.end());
        return {};
    }
    // Several blocks in one transfer when `multi` (as the kernel's disk does); the base
    // class's block-at-a-time loop otherwise.
    bool multi = false;
    std::vector<std::pair<u64, usize>> transfers;  // (first block, bytes)
    Result<void> write_blocks(u64 first, u32 block_size, std::span<const u8> data) override {
        if (!multi) return block::Backend::write_blocks(first, block_size, data);
        if (fail_writes) return Error(EIO);
        transfers.push_back({first, data.size()});
        for (usize i = 0; i < data.size() / block_size; i++)
            blocks[first + i].assign(data.begin() + i * block_size, data.begin() + (i + 1) * block_size);
        return {};
    }
};

struct BlockCacheTest : ::testing::Test {
    FakeDisk disk;
    std::vector<u8> memory = std::vector<u8>(4 * (kBlock + sizeof(block::Cache::Slot) + sizeof(u32)));
    block::Cache cache{disk, kBlock, memory};
};

TEST_F(BlockCacheTest, HoldsWhatItsMemoryAllows) { EXPECT_EQ(cache.capacity(), 4u); }

TEST_F(BlockCacheTest, ReadsOnceWhileTheBlockStays) {
    auto a = cache.read(7);
    ASSERT_TRUE(a.is_ok());
    EXPECT_EQ(a.value()[0], 7);
    ASSERT_TRUE(cache.read(7).is_ok());
    EXPECT_EQ(disk.reads, 1u);
    EXPECT_EQ(cache.stats().hits, 1u);
}

TEST_F(BlockCacheTest, ChangesReachTheDiskOnFlushInBlockOrder) {
    for (u64 b : {9, 3, 6}) {
        auto p = cache.modify(b);
        ASSERT_TRUE(p.is_ok());
        p.value()[0] = 0xaa;
    }
    EXPECT_TRUE(disk.writes.empty());
    EXPECT_EQ(cache.dirty_count(), 3u);
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_EQ(disk.writes, (std::vector<u64>{3, 6, 9}));
    EXPECT_EQ(disk.blocks[6][0], 0xaa);
    EXPECT_EQ(disk.blocks[6][1], 6);  // the rest of the block as it was read
    EXPECT_EQ(cache.dirty_count(), 0u);
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_EQ(disk.writes.size(), 3u);  // nothing left to write
}

TEST_F(BlockCacheTest, TheLeastRecentlyUsedGoesAndADirtyOneIsWrittenFirst) {
    ASSERT_TRUE(cache.modify(1).is_ok());
    for (u64 b : {2, 3, 4}) ASSERT_TRUE(cache.read(b).is_ok());
    ASSERT_TRUE(cache.read(2).is_ok());  // 1 is now the oldest
    ASSERT_TRUE(cache.read(5).is_ok());  // evicts 1, written back
    EXPECT_EQ(disk.writes, (std::vector<u64>{1}));
    u64 reads = disk.reads;
    ASSERT_TRUE(cache.read(2).is_ok());
    EXPECT_EQ(disk.reads, reads);  // 2 stayed
    ASSERT_TRUE(cache.read(1).is_ok());
    EXPECT_EQ(disk.reads, reads + 1);  // 1 had gone
}

TEST_F(BlockCacheTest, OverwriteDoesNotReadAndStartsFromZeros) {
    auto p = cache.overwrite(40);
    ASSERT_TRUE(p.is_ok());
    EXPECT_EQ(disk.reads, 0u);
    EXPECT_EQ(p.value()[0], 0);
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_EQ(disk.blocks[40], std::vector<u8>(kBlock, 0));
}

TEST_F(BlockCacheTest, AFailedWriteBackLosesNothing) {
    auto p = cache.modify(1);
    ASSERT_TRUE(p.is_ok());
    p.value()[0] = 0x55;
    for (u64 b : {2, 3, 4}) ASSERT_TRUE(cache.read(b).is_ok());
    disk.fail_writes = true;
    auto needs_room = cache.read(5);
    ASSERT_TRUE(needs_room.is_error());
    EXPECT_EQ(needs_room.error(), EIO);
    EXPECT_TRUE(cache.flush().is_error());
    EXPECT_EQ(cache.dirty_count(), 1u);
    disk.fail_writes = false;
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_EQ(disk.blocks[1][0], 0x55);
}

TEST_F(BlockCacheTest, AFailedReadCachesNothing) {
    disk.fail_reads = true;
    EXPECT_TRUE(cache.read(3).is_error());
    disk.fail_reads = false;
    auto p = cache.read(3);
    ASSERT_TRUE(p.is_ok());
    EXPECT_EQ(p.value()[0], 3);
}

TEST_F(BlockCacheTest, ForgetDropsAChangeThatNoLongerMatters) {
    ASSERT_TRUE(cache.modify(8).is_ok());
    cache.forget(8);
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_TRUE(disk.writes.empty());
}

TEST_F(BlockCacheTest, WriteThroughUpdatesTheHeldCopyAndReachesTheDiskAtOnce) {
    ASSERT_TRUE(cache.read(5).is_ok());
    std::vector<u8> fresh(kBlock, 0xab);
    ASSERT_TRUE(cache.write_through(5, fresh).is_ok());
    EXPECT_EQ(disk.writes, std::vector<u64>{5});
    u64 reads = disk.reads;
    EXPECT_EQ(cache.read(5).value()[0], 0xab);  // not the stale copy
    EXPECT_EQ(disk.reads, reads);
    EXPECT_EQ(cache.dirty_count(), 0u);
}

TEST_F(BlockCacheTest, WriteThroughOverADirtyCopyLeavesItClean) {
    cache.modify(3).value()[0] = 1;
    std::vector<u8> fresh(kBlock, 7);
    ASSERT_TRUE(cache.write_through(3, fresh).is_ok());
    EXPECT_EQ(cache.dirty_count(), 0u);
    ASSERT_TRUE(cache.flush().is_ok());
    EXPECT_EQ(disk.writes, std::vector<u64>{3});  // once, by write_through
    EXPECT_EQ(disk.blocks[3][0], 7);
}

TEST_F(BlockCacheTest, WriteThroughOfAnUncachedBlockCachesNothing) {
    std::vector<u8> fresh(kBlock, 9);
    ASSERT_TRUE(cache.write_through(8, fresh).is_ok());
    u64 reads = disk.reads;
    EXPECT_EQ(cache.read(8).value()[0], 9);
    EXPECT_EQ(disk.reads, reads + 1);
}

TEST_F(BlockCacheTest, AFailedWriteThroughDropsTheHeldCopy) {
    ASSERT_TRUE(cache.read(2).is_ok());
    disk.fail_writes = true;
    std::vector<u8> fresh(kBlock, 4);
    EXPECT_EQ(cache.write_through(2, fresh).error(), EIO);
    disk.fail_writes = false;
    u64 reads = disk.reads;
    ASSERT_TRUE(cache.read(2).is_ok());
    EXPECT_EQ(disk.reads, reads + 1);  // read again: the disk may hold either
}

TEST_F(BlockCacheTest, WriteThroughOfSeveralBlocksIsOneTransferAndRefreshesTheCopiesHeld) {
    disk.multi = true;
    ASSERT_TRUE(cache.read(11).is_ok());
    cache.modify(12).value()[0] = 1;
    std::vector<u8> fresh(3 * kBlock);
    for (usize i = 0; i < fresh.size(); i++) fresh[i] = static_cast<u8>(i / kBlock + 0x40);
    ASSERT_TRUE(cache.write_through(10, fresh).is_ok());
    ASSERT_EQ(disk.transfers.size(), 1u);
    EXPECT_EQ(disk.transfers[0], (std::pair<u64, usize>{10, 3 * kBlock}));
    EXPECT_EQ(cache.read(11).value()[0], 0x41);
    EXPECT_EQ(cache.read(12).value()[kBlock - 1], 0x42);
    EXPECT_EQ(cache.dirty_count(), 0u);  // the dirty copy of 12 was overwritten, now clean
    EXPECT_EQ(disk.blocks[10][0], 0x40);
}

TEST_F(BlockCacheTest, WriteThroughOfSeveralBlocksByABlockBackendWritesEach) {
    std::vector<u8> fresh(2 * kBlock, 3);
    ASSERT_TRUE(cache.write_through(20, fresh).is_ok());
    EXPECT_EQ(disk.writes, (std::vector<u64>{20, 21}));
    EXPECT_EQ(cache.write_through(20, std::span<const u8>(fresh).first(kBlock + 1)).error(), EINVAL);
    EXPECT_EQ(cache.write_through(20, {}).error(), EINVAL);
}

TEST_F(BlockCacheTest, AFailedWriteThroughOfSeveralBlocksDropsEveryCopyHeld) {
    disk.multi = true;
    ASSERT_TRUE(cache.read(30).is_ok());
    ASSERT_TRUE(cache.read(31).is_ok());
    disk.fail_writes = true;
    std::vector<u8> fresh(2 * kBlock, 5);
    EXPECT_EQ(cache.write_through(30, fresh).error(), EIO);
    disk.fail_writes = false;
    u64 reads = disk.reads;
    ASSERT_TRUE(cache.read(30).is_ok());
    ASSERT_TRUE(cache.read(31).is_ok());
    EXPECT_EQ(disk.reads, reads + 2);
}

TEST(BlockCache, TooLittleMemoryRefusesEveryCall) {
    FakeDisk disk;
    std::vector<u8> memory(kBlock);
    block::Cache cache(disk, kBlock, memory);
    EXPECT_EQ(cache.capacity(), 0u);
    EXPECT_TRUE(cache.read(0).is_error());
    EXPECT_TRUE(cache.flush().is_error());
}

TEST(BlockCache, ManyBlocksThroughASmallCacheKeepEveryChange) {
    FakeDisk disk;
    std::vector<u8> memory(8 * (kBlock + sizeof(block::Cache::Slot) + sizeof(u32)));
    block::Cache cache(disk, kBlock, memory);
    for (u64 round = 0; round < 3; round++)
        for (u64 b = 0; b < 100; b++) {
            auto p = cache.modify((b * 37) % 100);
            ASSERT_TRUE(p.is_ok());
            p.value()[round + 1] = static_cast<u8>(round + 1);
        }
    ASSERT_TRUE(cache.flush().is_ok());
    for (u64 b = 0; b < 100; b++) {
        ASSERT_EQ(disk.blocks[b].size(), kBlock) << b;
        EXPECT_EQ(disk.blocks[b][0], static_cast<u8>(b));
        EXPECT_EQ(disk.blocks[b][1], 1);
        EXPECT_EQ(disk.blocks[b][3], 3);
    }
}

}  // namespace
