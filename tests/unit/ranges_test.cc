#include <gtest/gtest.h>

#include <vector>

#include "boot/pvh.h"
#include "boot/ranges.h"

using boot::PhysRange;
using boot::RangeSet;

namespace {

std::vector<PhysRange> ranges_of(const RangeSet& set) { return {set.begin(), set.end()}; }

TEST(Ranges, AddKeepsDisjointRangesSorted) {
    RangeSet set;
    ASSERT_TRUE(set.add(300, 400).is_ok());
    ASSERT_TRUE(set.add(100, 200).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{100, 200}, {300, 400}}));
    EXPECT_EQ(set.total(), 200u);
}

TEST(Ranges, AddMergesAdjacentRanges) {
    RangeSet set;
    ASSERT_TRUE(set.add(100, 200).is_ok());
    ASSERT_TRUE(set.add(200, 300).is_ok());
    ASSERT_TRUE(set.add(50, 100).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{50, 300}}));
}

TEST(Ranges, AddMergesEveryOverlappedRange) {
    RangeSet set;
    for (u64 start : {100, 300, 500, 900}) ASSERT_TRUE(set.add(start, start + 50).is_ok());
    ASSERT_TRUE(set.add(120, 520).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{100, 550}, {900, 950}}));
}

TEST(Ranges, AddOfContainedRangeChangesNothing) {
    RangeSet set;
    ASSERT_TRUE(set.add(100, 500).is_ok());
    ASSERT_TRUE(set.add(200, 300).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{100, 500}}));
}

TEST(Ranges, EmptyRangesAreIgnored) {
    RangeSet set;
    ASSERT_TRUE(set.add(5, 5).is_ok());
    ASSERT_TRUE(set.add(9, 3).is_ok());
    EXPECT_TRUE(set.empty());
    ASSERT_TRUE(set.add(0, 10).is_ok());
    ASSERT_TRUE(set.subtract(7, 2).is_ok());
    EXPECT_EQ(set.total(), 10u);
}

TEST(Ranges, SubtractInTheMiddleSplits) {
    RangeSet set;
    ASSERT_TRUE(set.add(0, 1000).is_ok());
    ASSERT_TRUE(set.subtract(400, 600).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{0, 400}, {600, 1000}}));
}

TEST(Ranges, SubtractOfExactRangeRemovesIt) {
    RangeSet set;
    ASSERT_TRUE(set.add(0, 100).is_ok());
    ASSERT_TRUE(set.add(200, 300).is_ok());
    ASSERT_TRUE(set.subtract(200, 300).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{0, 100}}));
}

TEST(Ranges, SubtractTrimsEitherEnd) {
    RangeSet set;
    ASSERT_TRUE(set.add(100, 200).is_ok());
    ASSERT_TRUE(set.subtract(50, 120).is_ok());
    ASSERT_TRUE(set.subtract(180, 250).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{120, 180}}));
}

TEST(Ranges, SubtractAcrossSeveralRangesTrimsEndsAndDropsMiddle) {
    RangeSet set;
    for (u64 start : {0, 100, 200, 300, 400}) ASSERT_TRUE(set.add(start, start + 50).is_ok());
    ASSERT_TRUE(set.subtract(20, 320).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{0, 20}, {320, 350}, {400, 450}}));
}

TEST(Ranges, SubtractOfUncoveredRangeChangesNothing) {
    RangeSet set;
    ASSERT_TRUE(set.add(100, 200).is_ok());
    ASSERT_TRUE(set.subtract(0, 100).is_ok());
    ASSERT_TRUE(set.subtract(200, 300).is_ok());
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{100, 200}}));
}

TEST(Ranges, AlignInwardShrinksAndDropsEmpty) {
    RangeSet set;
    ASSERT_TRUE(set.add(0x1001, 0x5fff).is_ok());
    ASSERT_TRUE(set.add(0x8100, 0x8f00).is_ok());  // no whole page inside
    ASSERT_TRUE(set.add(0xa000, 0xc000).is_ok());
    set.align_inward(0x1000);
    EXPECT_EQ(ranges_of(set), (std::vector<PhysRange>{{0x2000, 0x5000}, {0xa000, 0xc000}}));
}

TEST(Ranges, AlignInwardNearTopOfAddressSpaceDoesNotWrap) {
    RangeSet set;
    ASSERT_TRUE(set.add(~u64(0) - 10, ~u64(0)).is_ok());
    set.align_inward(0x1000);
    EXPECT_TRUE(set.empty());
}

TEST(Ranges, FullSetReportsENOSPCAndStaysUnchanged) {
    RangeSet set;
    for (usize i = 0; i < RangeSet::kCapacity; ++i) ASSERT_TRUE(set.add(i * 10, i * 10 + 5).is_ok());
    EXPECT_EQ(set.add(100000, 100001).error(), ENOSPC);
    EXPECT_EQ(set.subtract(1, 2).error(), ENOSPC);
    EXPECT_EQ(set.size(), RangeSet::kCapacity);
    EXPECT_EQ(set.total(), RangeSet::kCapacity * 5);
    // Merging and trimming need no new slot, so they still work when full.
    EXPECT_TRUE(set.add(5, 10).is_ok());
    EXPECT_TRUE(set.subtract(0, 3).is_ok());
    EXPECT_EQ(set.size(), RangeSet::kCapacity - 1);
}

TEST(Ranges, ContainsNeedsOneRangeCoveringAll) {
    RangeSet set;
    ASSERT_TRUE(set.add(0, 100).is_ok());
    ASSERT_TRUE(set.add(200, 300).is_ok());
    EXPECT_TRUE(set.contains(10, 100));
    EXPECT_FALSE(set.contains(50, 250));
}

boot::BootInfo info_with(std::initializer_list<boot::MemoryRegion> regions) {
    boot::BootInfo info;
    for (const auto& region : regions) info.memory_regions[info.memory_region_count++] = region;
    return info;
}

TEST(Ranges, FreeMemoryIsRamAboveOneMiBPageAligned) {
    auto info = info_with({{0, 0x9fc00, boot::MemoryType::Ram},
                           {0x100000, 0x7ee0000, boot::MemoryType::Ram}});
    RangeSet free;
    ASSERT_TRUE(boot::compute_free_memory(info, {}, free).is_ok());
    EXPECT_EQ(ranges_of(free), (std::vector<PhysRange>{{0x100000, 0x7fe0000}}));
}

TEST(Ranges, FreeMemoryExcludesOverlappingReservedEntriesWhateverTheirOrder) {
    auto info = info_with({{0x100000, 0x100000, boot::MemoryType::Reserved},
                           {0x100000, 0x1000000, boot::MemoryType::Ram},
                           {0x800000, 0x1800, boot::MemoryType::AcpiNvs},
                           {0xf00000, 0x200000, boot::MemoryType(99)}});
    RangeSet free;
    ASSERT_TRUE(boot::compute_free_memory(info, {}, free).is_ok());
    EXPECT_EQ(ranges_of(free),
              (std::vector<PhysRange>{{0x200000, 0x800000}, {0x802000, 0xf00000}}));
}

TEST(Ranges, FreeMemoryExcludesBootAndExtraReservedRanges) {
    auto info = info_with({{0, 0x1000000, boot::MemoryType::Ram}});
    info.reserved[info.reserved_count++] = {0x200010, 0x200050};  // e.g. start_info
    const PhysRange kernel[] = {{0x400000, 0x600000}};
    RangeSet free;
    ASSERT_TRUE(boot::compute_free_memory(info, kernel, free).is_ok());
    EXPECT_EQ(ranges_of(free), (std::vector<PhysRange>{
                                   {0x100000, 0x200000}, {0x201000, 0x400000}, {0x600000, 0x1000000}}));
}

TEST(Ranges, FreeMemoryOfEmptyMapIsEmpty) {
    boot::BootInfo info;
    RangeSet free;
    ASSERT_TRUE(boot::compute_free_memory(info, {}, free).is_ok());
    EXPECT_TRUE(free.empty());
}

}  // namespace
