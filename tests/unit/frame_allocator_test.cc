#include "mem/frame_allocator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

using mem::FrameAllocator;
using mem::kFrameSize;

constexpr u64 kBase = 0x100000;  // pretend physical address of the arena
constexpr u64 kArenaBytes = 8 * MiB;
constexpr unsigned kMaxOrder = FrameAllocator::kMaxOrder;

std::vector<std::string> g_reports;
void record_report(const char* what, u64) { g_reports.push_back(what); }

// Host memory standing in for physical memory [kBase, kBase + kArenaBytes).
class Arena {
public:
    Arena() : m_memory(static_cast<u8*>(std::aligned_alloc(4 * MiB, kArenaBytes))) {}
    ~Arena() { std::free(m_memory); }
    u64 offset() const { return reinterpret_cast<uptr>(m_memory) - kBase; }
    u64* word(u64 phys) const { return reinterpret_cast<u64*>(phys + offset()); }

private:
    u8* m_memory;
};

class FrameAllocatorTest : public ::testing::Test {
protected:
    FrameAllocatorTest() : frames(arena.offset(), record_report) { g_reports.clear(); }

    // Stamps the first and last word of every frame, so an overlapping block is caught.
    void stamp(u64 phys, usize count) {
        for (usize i = 0; i < count; i++) {
            u64 frame = phys + i * kFrameSize;
            *arena.word(frame) = frame ^ 0x5a5a5a5a;
            *arena.word(frame + kFrameSize - 8) = ~frame;
        }
    }
    void expect_stamp(u64 phys, usize count) {
        for (usize i = 0; i < count; i++) {
            u64 frame = phys + i * kFrameSize;
            ASSERT_EQ(*arena.word(frame), frame ^ 0x5a5a5a5a) << std::hex << frame;
            ASSERT_EQ(*arena.word(frame + kFrameSize - 8), ~frame) << std::hex << frame;
        }
    }

    Arena arena;
    FrameAllocator frames;
};

TEST_F(FrameAllocatorTest, AddFreeRangeTrimsToWholeFrames) {
    ASSERT_TRUE(frames.add_free_range(kBase + 1, kBase + 3 * kFrameSize - 1).is_ok());
    EXPECT_EQ(frames.frames_total(), 1u);  // only [kBase + 4K, kBase + 8K) is whole
    EXPECT_EQ(frames.frames_free(), 1u);
    EXPECT_EQ(frames.allocate(0).value(), kBase + kFrameSize);
    EXPECT_EQ(frames.allocate(0).error(), ENOMEM);
}

TEST_F(FrameAllocatorTest, RangeSmallerThanAFrameAddsNothing) {
    ASSERT_TRUE(frames.add_free_range(kBase + 10, kBase + 4000).is_ok());
    EXPECT_EQ(frames.frames_total(), 0u);
    EXPECT_EQ(frames.allocate(0).error(), ENOMEM);
}

TEST_F(FrameAllocatorTest, OverlappingRangeIsRejected) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 1 * MiB).is_ok());
    EXPECT_EQ(frames.add_free_range(kBase + 512 * KiB, kBase + 2 * MiB).error(), EINVAL);
    EXPECT_EQ(frames.frames_total(), 256u);
}

TEST_F(FrameAllocatorTest, AllocationsAreNaturallyAlignedAndInsideFreeRanges) {
    ASSERT_TRUE(frames.add_free_range(kBase + 3 * kFrameSize + 7, kBase + kArenaBytes - 100).is_ok());
    for (unsigned order = 0; order <= kMaxOrder; order++) {
        u64 phys = frames.allocate(order).value();
        u64 bytes = kFrameSize << order;
        EXPECT_EQ(phys % bytes, 0u) << "order " << order;
        EXPECT_GE(phys, kBase + 4 * kFrameSize);
        EXPECT_LE(phys + bytes, kBase + kArenaBytes - kFrameSize);
        frames.free(phys, order);
    }
    EXPECT_TRUE(g_reports.empty());
}

TEST_F(FrameAllocatorTest, AllocationsNeverOverlap) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 2 * MiB).is_ok());
    std::vector<std::pair<u64, unsigned>> blocks;
    unsigned order = 0;
    while (true) {
        auto phys = frames.allocate(order);
        if (phys.is_error()) {
            if (order == 0) break;
            order = 0;
            continue;
        }
        stamp(phys.value(), usize{1} << order);
        blocks.push_back({phys.value(), order});
        order = (order + 1) % 4;
    }
    EXPECT_EQ(frames.frames_free(), 0u);
    for (auto [phys, o] : blocks) expect_stamp(phys, usize{1} << o);
}

TEST_F(FrameAllocatorTest, ExhaustionReturnsENOMEM) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 16 * kFrameSize).is_ok());
    EXPECT_EQ(frames.allocate(5).error(), ENOMEM);  // 32 frames: larger than all memory
    EXPECT_TRUE(frames.allocate(4).is_ok());
    EXPECT_EQ(frames.allocate(0).error(), ENOMEM);
    EXPECT_EQ(frames.allocate_frames(1).error(), ENOMEM);
    EXPECT_EQ(frames.allocate(kMaxOrder + 1).error(), EINVAL);
}

TEST_F(FrameAllocatorTest, FreeingEverythingMergesBackToMaxOrderBlocks) {
    // kBase is 1 MiB, so this range is exactly the aligned 4 MiB block at 4 MiB.
    ASSERT_TRUE(frames.add_free_range(kBase + 3 * MiB, kBase + 7 * MiB).is_ok());
    ASSERT_EQ(frames.free_blocks(kMaxOrder), 1u);
    std::vector<u64> singles;
    while (true) {
        auto phys = frames.allocate(0);
        if (phys.is_error()) break;
        singles.push_back(phys.value());
    }
    ASSERT_EQ(singles.size(), 1024u);
    EXPECT_EQ(frames.free_blocks(kMaxOrder), 0u);
    // Free in an order unlike allocation order, so merges happen in every direction.
    std::mt19937 rng(7);
    std::shuffle(singles.begin(), singles.end(), rng);
    for (u64 phys : singles) frames.free(phys, 0);
    EXPECT_TRUE(g_reports.empty());
    EXPECT_EQ(frames.frames_free(), 1024u);
    EXPECT_EQ(frames.free_blocks(kMaxOrder), 1u);
    for (unsigned o = 0; o < kMaxOrder; o++) EXPECT_EQ(frames.free_blocks(o), 0u) << o;
    EXPECT_TRUE(frames.is_free_block(kBase + 3 * MiB, kMaxOrder));
}

TEST_F(FrameAllocatorTest, WholeBlocksAreNotTouchedUntilNeeded) {
    // The arena is [1 MiB, 9 MiB): the 4 MiB block at 4 MiB is whole, the rest are pieces.
    for (u64 p = kBase; p < kBase + kArenaBytes; p += 8) *arena.word(p) = 0x1122334455667788;
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + kArenaBytes).is_ok());
    EXPECT_EQ(frames.untouched_blocks(), 1u);
    EXPECT_EQ(frames.frames_free(), kArenaBytes / kFrameSize);
    auto untouched = [&] {
        for (u64 p = 4 * MiB; p < 8 * MiB; p += 8)
            if (*arena.word(p) != 0x1122334455667788) return false;
        return true;
    };
    EXPECT_TRUE(untouched());
    // The pieces serve first; the block only when they are gone, then it is used whole.
    std::vector<u64> taken;
    for (usize i = 0; i < 4 * MiB / kFrameSize; i++) taken.push_back(frames.allocate(0).value());
    EXPECT_TRUE(untouched());
    EXPECT_EQ(frames.untouched_blocks(), 1u);
    u64 next = frames.allocate(0).value();
    EXPECT_EQ(frames.untouched_blocks(), 0u);
    EXPECT_GE(next, 4 * MiB);
    EXPECT_LT(next, 8 * MiB);
    taken.push_back(next);
    for (auto more = frames.allocate(0); more.is_ok(); more = frames.allocate(0)) taken.push_back(more.value());
    EXPECT_EQ(taken.size(), kArenaBytes / kFrameSize);
    std::sort(taken.begin(), taken.end());
    EXPECT_EQ(std::adjacent_find(taken.begin(), taken.end()), taken.end());
    for (u64 phys : taken) frames.free(phys, 0);
    EXPECT_TRUE(g_reports.empty());
    EXPECT_EQ(frames.frames_free(), kArenaBytes / kFrameSize);
}

TEST_F(FrameAllocatorTest, FreeOfAnUntouchedFrameIsReported) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + kArenaBytes).is_ok());
    frames.free(5 * MiB, 0);
    frames.free_frames(4 * MiB, 3);
    ASSERT_EQ(g_reports.size(), 2u);
    EXPECT_EQ(g_reports[0], "frame double free");
    EXPECT_EQ(frames.frames_free(), kArenaBytes / kFrameSize);
}

TEST_F(FrameAllocatorTest, AdjacentRangesMergeAcrossTheBoundary) {
    ASSERT_TRUE(frames.add_free_range(kBase + 3 * MiB, kBase + 5 * MiB).is_ok());
    ASSERT_TRUE(frames.add_free_range(kBase + 5 * MiB, kBase + 7 * MiB).is_ok());
    EXPECT_EQ(frames.free_blocks(kMaxOrder), 1u);
    EXPECT_EQ(frames.allocate(kMaxOrder).value(), kBase + 3 * MiB);
}

TEST_F(FrameAllocatorTest, BlocksNeverMergeWithMemoryOutsideTheRanges) {
    // Two frames that are buddies, with a hole between the ranges: no 2-frame block exists.
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + kFrameSize).is_ok());
    ASSERT_TRUE(frames.add_free_range(kBase + 2 * kFrameSize, kBase + 3 * kFrameSize).is_ok());
    EXPECT_EQ(frames.free_blocks(0), 2u);
    EXPECT_EQ(frames.allocate(1).error(), ENOMEM);
}

TEST_F(FrameAllocatorTest, DoubleFreeIsDetectedAndListsStayIntact) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 64 * kFrameSize).is_ok());
    u64 a = frames.allocate(0).value();
    u64 b = frames.allocate(0).value();
    frames.free(a, 0);
    usize free_before = frames.frames_free();
    frames.free(a, 0);
    ASSERT_EQ(g_reports.size(), 1u);
    EXPECT_EQ(g_reports[0], "frame double free");
    EXPECT_EQ(frames.frames_free(), free_before);
    frames.free(b, 0);
    EXPECT_EQ(frames.frames_free(), 64u);
    EXPECT_EQ(frames.free_blocks(6), 1u);
}

TEST_F(FrameAllocatorTest, DoubleFreeOfBlockMergedIntoLargerFreeBlockIsDetected) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 64 * kFrameSize).is_ok());
    u64 a = frames.allocate(0).value();
    frames.free(a, 0);  // merges back into the 64-frame block
    frames.free(a + kFrameSize, 0);
    frames.free(a, 0);
    EXPECT_EQ(g_reports.size(), 2u);
    EXPECT_EQ(frames.frames_free(), 64u);
    EXPECT_EQ(frames.free_blocks(6), 1u);
}

TEST_F(FrameAllocatorTest, BadFreesAreReportedAndIgnored) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 64 * kFrameSize).is_ok());
    u64 block = frames.allocate(2).value();
    frames.free(block + kFrameSize, 2);              // misaligned for its order
    frames.free(kBase + 1 * MiB, 0);                 // never added
    frames.free(block, kMaxOrder + 1);               // impossible order
    frames.free_frames(block + 1, 1);                // not frame aligned
    EXPECT_EQ(g_reports.size(), 4u);
    EXPECT_EQ(frames.frames_free(), 60u);
    frames.free(block, 2);
    EXPECT_EQ(frames.frames_free(), 64u);
    EXPECT_EQ(g_reports.size(), 4u);
}

TEST_F(FrameAllocatorTest, AllocateFramesUsesExactlyTheFramesAsked) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 64 * kFrameSize).is_ok());
    u64 phys = frames.allocate_frames(5).value();
    EXPECT_EQ(phys % (8 * kFrameSize), 0u);
    EXPECT_EQ(frames.frames_free(), 59u);
    stamp(phys, 5);
    // The three tail frames went straight back as free blocks.
    EXPECT_TRUE(frames.is_free_block(phys + 5 * kFrameSize, 0));
    EXPECT_TRUE(frames.is_free_block(phys + 6 * kFrameSize, 1));
    u64 tail = frames.allocate_frames(1).value();
    EXPECT_EQ(tail, phys + 5 * kFrameSize);
    expect_stamp(phys, 5);
    frames.free_frames(tail, 1);
    frames.free_frames(phys, 5);
    EXPECT_TRUE(g_reports.empty());
    EXPECT_EQ(frames.free_blocks(6), 1u);
    EXPECT_EQ(frames.allocate_frames(0).error(), EINVAL);
    EXPECT_EQ(frames.allocate_frames((usize{1} << kMaxOrder) + 1).error(), ENOMEM);
}

TEST_F(FrameAllocatorTest, PartOfAnAllocationCanBeFreed) {
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + 16 * kFrameSize).is_ok());
    u64 phys = frames.allocate_frames(16).value();
    frames.free_frames(phys + 3 * kFrameSize, 10);
    EXPECT_EQ(frames.frames_free(), 10u);
    frames.free_frames(phys, 3);
    frames.free_frames(phys + 13 * kFrameSize, 3);
    EXPECT_TRUE(g_reports.empty());
    EXPECT_EQ(frames.free_blocks(4), 1u);
}

TEST_F(FrameAllocatorTest, RandomizedStressKeepsAccountingExact) {
    ASSERT_TRUE(frames.add_free_range(kBase + 12345, kBase + kArenaBytes - 999).is_ok());
    const usize total = frames.frames_total();
    struct Live {
        u64 phys;
        usize count;
        bool by_order;
        unsigned order;
    };
    std::vector<Live> live;
    usize live_frames = 0;
    std::mt19937_64 rng(20240601);
    for (int step = 0; step < 20000; step++) {
        bool do_alloc = live.empty() || rng() % 100 < 55;
        if (do_alloc) {
            Live block{};
            if (rng() % 2) {
                block.by_order = true;
                block.order = rng() % 6;
                block.count = usize{1} << block.order;
                auto phys = frames.allocate(block.order);
                if (phys.is_error()) {
                    ASSERT_EQ(phys.error(), ENOMEM);
                    continue;
                }
                block.phys = phys.value();
                ASSERT_EQ(block.phys % (block.count * kFrameSize), 0u);
            } else {
                block.count = 1 + rng() % 40;
                auto phys = frames.allocate_frames(block.count);
                if (phys.is_error()) {
                    ASSERT_EQ(phys.error(), ENOMEM);
                    continue;
                }
                block.phys = phys.value();
            }
            stamp(block.phys, block.count);
            live.push_back(block);
            live_frames += block.count;
        } else {
            usize i = rng() % live.size();
            Live block = live[i];
            live[i] = live.back();
            live.pop_back();
            expect_stamp(block.phys, block.count);
            if (block.by_order)
                frames.free(block.phys, block.order);
            else
                frames.free_frames(block.phys, block.count);
            live_frames -= block.count;
        }
        ASSERT_EQ(frames.frames_free() + live_frames, total) << "step " << step;
    }
    for (const Live& block : live) {
        expect_stamp(block.phys, block.count);
        frames.free_frames(block.phys, block.count);
    }
    EXPECT_TRUE(g_reports.empty());
    EXPECT_EQ(frames.frames_free(), total);

    // Fully merged: the same blocks as a fresh allocator over the same range.
    FrameAllocator fresh(arena.offset(), record_report);
    ASSERT_TRUE(fresh.add_free_range(kBase + 12345, kBase + kArenaBytes - 999).is_ok());
    for (unsigned o = 0; o <= kMaxOrder; o++) EXPECT_EQ(frames.free_blocks(o), fresh.free_blocks(o)) << o;
}

}  // namespace
