#include "fs/lock_range.h"

#include <gtest/gtest.h>

namespace {

using locks::conflicts;
using locks::kToEnd;
using locks::LockRange;
using locks::reshape;

constexpr bool kRead = false, kWrite = true;

TEST(LockRange, ReadLocksShareAndWriteLocksConflictOnOverlapOnly) {
    EXPECT_FALSE(conflicts({0, 10, kRead}, {5, 6, kRead}));
    EXPECT_TRUE(conflicts({0, 10, kRead}, {5, 6, kWrite}));
    EXPECT_TRUE(conflicts({0, 10, kWrite}, {9, 20, kRead}));
    EXPECT_FALSE(conflicts({0, 10, kWrite}, {10, 20, kWrite}));  // adjacent, not overlapping
    EXPECT_TRUE(conflicts({100, kToEnd, kWrite}, {1u << 30, (1u << 30) + 1, kRead}));
}

TEST(LockRange, SettingTheSameKindJoinsOverlappingAndAdjacentLocks) {
    auto joined = reshape({0, 5, kWrite}, {5, 10, kWrite}, true);
    ASSERT_TRUE(joined.absorbed);
    EXPECT_EQ(joined.merged_start, 0u);
    EXPECT_EQ(joined.merged_end, 10u);
    auto overlapping = reshape({3, kToEnd, kRead}, {0, 4, kRead}, true);
    ASSERT_TRUE(overlapping.absorbed);
    EXPECT_EQ(overlapping.merged_start, 0u);
    EXPECT_EQ(overlapping.merged_end, kToEnd);
}

TEST(LockRange, ALockApartIsLeftAlone) {
    auto apart = reshape({0, 5, kWrite}, {6, 10, kWrite}, true);
    EXPECT_FALSE(apart.absorbed);
    ASSERT_EQ(apart.piece_count, 1u);
    EXPECT_EQ(apart.pieces[0].start, 0u);
    EXPECT_EQ(apart.pieces[0].end, 5u);
    // Adjacent but of the other kind: not joined, not cut.
    auto other_kind = reshape({0, 5, kRead}, {5, 10, kWrite}, true);
    EXPECT_FALSE(other_kind.absorbed);
    ASSERT_EQ(other_kind.piece_count, 1u);
    EXPECT_EQ(other_kind.pieces[0].end, 5u);
}

TEST(LockRange, ClearingTheMiddleSplitsInTwo) {
    auto split = reshape({0, 10, kWrite}, {3, 5, kWrite}, false);
    EXPECT_FALSE(split.absorbed);
    ASSERT_EQ(split.piece_count, 2u);
    EXPECT_EQ(split.pieces[0].start, 0u);
    EXPECT_EQ(split.pieces[0].end, 3u);
    EXPECT_TRUE(split.pieces[0].write);
    EXPECT_EQ(split.pieces[1].start, 5u);
    EXPECT_EQ(split.pieces[1].end, 10u);
}

TEST(LockRange, ClearingNeverJoinsEvenOfTheSameKind) {
    auto cleared = reshape({0, 5, kWrite}, {5, 10, kWrite}, false);
    EXPECT_FALSE(cleared.absorbed);
    ASSERT_EQ(cleared.piece_count, 1u);
    EXPECT_EQ(cleared.pieces[0].end, 5u);
}

TEST(LockRange, AnotherKindInTheMiddleSplitsAndAtTheEdgeTrims) {
    auto middle = reshape({0, kToEnd, kWrite}, {4, 5, kRead}, true);
    ASSERT_EQ(middle.piece_count, 2u);
    EXPECT_EQ(middle.pieces[0].end, 4u);
    EXPECT_EQ(middle.pieces[1].start, 5u);
    EXPECT_EQ(middle.pieces[1].end, kToEnd);
    auto front = reshape({0, 10, kRead}, {0, 4, kWrite}, true);
    ASSERT_EQ(front.piece_count, 1u);
    EXPECT_EQ(front.pieces[0].start, 4u);
    EXPECT_EQ(front.pieces[0].end, 10u);
    EXPECT_FALSE(front.pieces[0].write);
}

TEST(LockRange, ARangeCoveringTheLockRemovesIt) {
    auto gone = reshape({3, 5, kRead}, {0, kToEnd, kWrite}, true);
    EXPECT_FALSE(gone.absorbed);
    EXPECT_EQ(gone.piece_count, 0u);
    auto cleared = reshape({3, 5, kRead}, {3, 5, kRead}, false);
    EXPECT_EQ(cleared.piece_count, 0u);
}

}  // namespace
