#include "mm/vma_set.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <random>
#include <vector>

namespace {

using mm::kPageSize;
using mm::kProtExec;
using mm::kProtNone;
using mm::kProtRead;
using mm::kProtWrite;
using mm::RemapRequest;
using mm::Vma;
using mm::VmaAttrs;
using mm::VmaMove;
using mm::VmaRegion;
using mm::VmaSet;

constexpr u64 P = kPageSize;
constexpr u64 kRw = kProtRead | kProtWrite;

// new/delete with a count of live areas, and a switch to fail after N more allocations.
class CountingAllocator final : public mm::VmaAllocator {
public:
    ~CountingAllocator() { EXPECT_EQ(live, 0) << "areas leaked"; }
    Vma* allocate() override {
        if (fail_after >= 0) {
            if (fail_after == 0) {
                failures++;
                return nullptr;
            }
            fail_after--;
        }
        live++;
        allocations++;
        return new Vma;
    }
    void release(Vma* vma) override {
        live--;
        delete vma;
    }
    long live = 0;
    long allocations = 0;
    long fail_after = -1;  // -1: never fail
    long failures = 0;
};

VmaAttrs anon(u32 prot = kRw, u32 tag = 0) {
    VmaAttrs a;
    a.prot = prot;
    a.tag = tag;
    return a;
}

VmaAttrs file(u64 object, u64 offset, u32 prot = kProtRead) {
    VmaAttrs a;
    a.prot = prot;
    a.flags = mm::kVmaFile;
    a.object = object;
    a.offset = offset;
    return a;
}

VmaAttrs stack() {
    VmaAttrs a = anon();
    a.flags = mm::kVmaGrowsDown;
    return a;
}

struct Range {
    u64 start, end;
    bool operator==(const Range&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Range& r) {
    return os << std::hex << "[" << r.start << ", " << r.end << ")";
}

std::vector<Range> ranges(const VmaSet& set) {
    std::vector<Range> out;
    set.for_each([&](const Vma& v) { out.push_back({v.start(), v.end()}); });
    return out;
}

struct Recorder {
    std::vector<VmaRegion> regions;
    std::vector<Range> list() const {
        std::vector<Range> out;
        for (auto& r : regions) out.push_back({r.start, r.end});
        return out;
    }
    auto callback() {
        return [this](const VmaRegion& r) { regions.push_back(r); };
    }
};

constexpr u64 A = 0x10000000;  // a base address for the examples

RemapRequest remap_of(u64 old_start, u64 old_length, u64 new_length, bool may_move = false,
                      std::optional<u64> fixed = std::nullopt, u64 low = kPageSize,
                      u64 high = mm::kUserEnd) {
    RemapRequest r;
    r.old_start = old_start;
    r.old_length = old_length;
    r.new_length = new_length;
    r.may_move = may_move;
    r.fixed_address = fixed;
    r.low_limit = low;
    r.high_limit = high;
    return r;
}

class VmaSetTest : public ::testing::Test {
protected:
    void TearDown() override {
        EXPECT_TRUE(set.verify());
        EXPECT_EQ(alloc.live, static_cast<long>(set.count()));
    }
    CountingAllocator alloc;
    VmaSet set{alloc};
};

// ---- Lookup and map ----

TEST_F(VmaSetTest, MapCreatesAreaFoundByEveryAddressInIt) {
    ASSERT_EQ(set.map(A, 3 * P, anon()).value(), A);
    EXPECT_EQ(set.find(A)->start(), A);
    EXPECT_EQ(set.find(A + 3 * P - 1)->end(), A + 3 * P);
    EXPECT_EQ(set.find(A - 1), nullptr);
    EXPECT_EQ(set.find(A + 3 * P), nullptr);
    EXPECT_EQ(set.mapped_bytes(), 3 * P);
    EXPECT_EQ(set.count(), 1u);
}

TEST_F(VmaSetTest, FirstAtOrAfterFindsContainingOrNextArea) {
    ASSERT_TRUE(set.map(A, P, anon()).is_ok());
    ASSERT_TRUE(set.map(A + 4 * P, P, anon(kProtRead)).is_ok());
    EXPECT_EQ(set.first_at_or_after(0)->start(), A);
    EXPECT_EQ(set.first_at_or_after(A + 10)->start(), A);
    EXPECT_EQ(set.first_at_or_after(A + P)->start(), A + 4 * P);
    EXPECT_EQ(set.first_at_or_after(A + 5 * P), nullptr);
}

TEST_F(VmaSetTest, MapRoundsLengthUpToPages) {
    ASSERT_TRUE(set.map(A, P + 1, anon()).is_ok());
    EXPECT_EQ(set.find(A)->end(), A + 2 * P);
}

TEST_F(VmaSetTest, MapRejectsBadArguments) {
    EXPECT_EQ(set.map(A, 0, anon()).error(), EINVAL);
    EXPECT_EQ(set.map(A + 1, P, anon()).error(), EINVAL);
    EXPECT_EQ(set.map(A, P, file(1, 100)).error(), EINVAL);
    EXPECT_EQ(set.map(mm::kUserEnd - P, 2 * P, anon()).error(), ENOMEM);
    EXPECT_EQ(set.map(A, ~u64{0}, anon()).error(), ENOMEM);
    EXPECT_EQ(set.map(A, P, file(1, ~u64{0} & ~(P - 1))).error(), EOVERFLOW);
    EXPECT_TRUE(set.map(mm::kUserEnd - P, P, anon()).is_ok());
    EXPECT_EQ(set.count(), 1u);
}

TEST_F(VmaSetTest, MapOverExistingAreasReportsReplacedRanges) {
    ASSERT_TRUE(set.map(A, 4 * P, anon(kProtRead)).is_ok());
    ASSERT_TRUE(set.map(A + 6 * P, 4 * P, file(7, 0x10000)).is_ok());
    Recorder removed;
    ASSERT_TRUE(set.map(A + 2 * P, 6 * P, anon(kRw), removed.callback()).is_ok());
    EXPECT_EQ(removed.list(), (std::vector<Range>{{A + 2 * P, A + 4 * P}, {A + 6 * P, A + 8 * P}}));
    EXPECT_EQ(removed.regions[1].attrs.offset, 0x10000u);
    EXPECT_EQ(ranges(set), (std::vector<Range>{
                               {A, A + 2 * P}, {A + 2 * P, A + 8 * P}, {A + 8 * P, A + 10 * P}}));
    EXPECT_EQ(set.find(A + 8 * P)->attrs().offset, 0x12000u);  // front trimmed by two pages
    EXPECT_EQ(set.mapped_bytes(), 10 * P);
}

TEST_F(VmaSetTest, MapInsideAnAreaSplitsItInThree) {
    ASSERT_TRUE(set.map(A, 10 * P, file(3, 0)).is_ok());
    Recorder removed;
    ASSERT_TRUE(set.map(A + 4 * P, 2 * P, anon(), removed.callback()).is_ok());
    EXPECT_EQ(removed.list(), (std::vector<Range>{{A + 4 * P, A + 6 * P}}));
    EXPECT_EQ(removed.regions[0].attrs.offset, 4 * P);
    EXPECT_EQ(ranges(set), (std::vector<Range>{
                               {A, A + 4 * P}, {A + 4 * P, A + 6 * P}, {A + 6 * P, A + 10 * P}}));
    EXPECT_EQ(set.find(A + 6 * P)->attrs().offset, 6 * P);
}

TEST_F(VmaSetTest, MapNoReplaceFailsWithEEXISTOnOverlap) {
    ASSERT_TRUE(set.map(A, 2 * P, anon()).is_ok());
    EXPECT_EQ(set.map_noreplace(A + P, 2 * P, anon()).error(), EEXIST);
    EXPECT_EQ(set.map_noreplace(A - P, 2 * P, anon()).error(), EEXIST);
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 2 * P}}));
    EXPECT_EQ(set.map_noreplace(A + 2 * P, P, anon(kProtRead)).value(), A + 2 * P);
    EXPECT_EQ(set.count(), 2u);
}

TEST_F(VmaSetTest, AdjacentAnonymousAreasWithSameAttributesMerge) {
    ASSERT_TRUE(set.map(A, P, anon()).is_ok());
    ASSERT_TRUE(set.map(A + 2 * P, P, anon()).is_ok());
    ASSERT_TRUE(set.map(A + P, P, anon()).is_ok());
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 3 * P}}));
    ASSERT_TRUE(set.map(A + 3 * P, P, anon(kRw, /*tag=*/5)).is_ok());
    EXPECT_EQ(set.count(), 2u);  // a different name keeps its own area
}

TEST_F(VmaSetTest, FileAreasMergeOnlyWithContiguousOffsets) {
    ASSERT_TRUE(set.map(A, P, file(1, 0)).is_ok());
    ASSERT_TRUE(set.map(A + P, P, file(1, 5 * P)).is_ok());
    EXPECT_EQ(set.count(), 2u);
    ASSERT_TRUE(set.map(A + 2 * P, P, file(1, 6 * P)).is_ok());
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + P}, {A + P, A + 3 * P}}));
    ASSERT_TRUE(set.map(A + 3 * P, P, file(2, 7 * P)).is_ok());
    EXPECT_EQ(set.count(), 3u);  // another object
}

// ---- unmap ----

TEST_F(VmaSetTest, UnmapInTheMiddleSplitsAreaAndReportsRange) {
    ASSERT_TRUE(set.map(A, 8 * P, anon()).is_ok());
    Recorder removed;
    ASSERT_TRUE(set.unmap(A + 3 * P, 2 * P, removed.callback()).is_ok());
    EXPECT_EQ(removed.list(), (std::vector<Range>{{A + 3 * P, A + 5 * P}}));
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 3 * P}, {A + 5 * P, A + 8 * P}}));
    EXPECT_EQ(set.mapped_bytes(), 6 * P);
}

TEST_F(VmaSetTest, UnmapAcrossSeveralAreasTrimsEndsAndRemovesMiddle) {
    ASSERT_TRUE(set.map(A, 4 * P, anon(kProtRead)).is_ok());
    ASSERT_TRUE(set.map(A + 4 * P, 2 * P, anon(kRw)).is_ok());
    ASSERT_TRUE(set.map(A + 8 * P, 4 * P, anon(kProtExec)).is_ok());
    Recorder removed;
    ASSERT_TRUE(set.unmap(A + 2 * P, 8 * P, removed.callback()).is_ok());
    EXPECT_EQ(removed.list(),
              (std::vector<Range>{
                  {A + 2 * P, A + 4 * P}, {A + 4 * P, A + 6 * P}, {A + 8 * P, A + 10 * P}}));
    EXPECT_EQ(removed.regions[1].attrs.prot, kRw);
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 2 * P}, {A + 10 * P, A + 12 * P}}));
    EXPECT_EQ(set.mapped_bytes(), 4 * P);
}

TEST_F(VmaSetTest, UnmapOfUnmappedSpaceSucceedsAndReportsNothing) {
    Recorder removed;
    EXPECT_TRUE(set.unmap(A, 100 * P, removed.callback()).is_ok());
    EXPECT_TRUE(removed.regions.empty());
}

TEST_F(VmaSetTest, UnmapRejectsBadArgumentsWithEINVAL) {
    EXPECT_EQ(set.unmap(A, 0).error(), EINVAL);
    EXPECT_EQ(set.unmap(A + 1, P).error(), EINVAL);
    EXPECT_EQ(set.unmap(mm::kUserEnd - P, 2 * P).error(), EINVAL);
    EXPECT_EQ(set.unmap(A, ~u64{0}).error(), EINVAL);
}

TEST_F(VmaSetTest, OffsetsFollowFrontTrimAndSplit) {
    ASSERT_TRUE(set.map(A, 10 * P, file(9, 0x100000)).is_ok());
    ASSERT_TRUE(set.unmap(A, 2 * P).is_ok());
    EXPECT_EQ(set.find(A + 2 * P)->attrs().offset, 0x100000 + 2 * P);
    ASSERT_TRUE(set.unmap(A + 5 * P, P).is_ok());
    EXPECT_EQ(set.find(A + 2 * P)->attrs().offset, 0x100000 + 2 * P);
    EXPECT_EQ(set.find(A + 6 * P)->attrs().offset, 0x100000 + 6 * P);
    ASSERT_TRUE(set.protect(A + 7 * P, P, kProtNone).is_ok());
    EXPECT_EQ(set.find(A + 7 * P)->attrs().offset, 0x100000 + 7 * P);
    EXPECT_EQ(set.find(A + 8 * P)->attrs().offset, 0x100000 + 8 * P);
}

// ---- protect ----

TEST_F(VmaSetTest, ProtectSplitsAreaAndReportsChangedRange) {
    ASSERT_TRUE(set.map(A, 6 * P, anon(kRw)).is_ok());
    std::vector<std::pair<VmaRegion, u32>> changed;
    ASSERT_TRUE(set.protect(A + 2 * P, 2 * P, kProtRead,
                            [&](const VmaRegion& r, u32 old) {
                                changed.push_back({r, old});
                            })
                    .is_ok());
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].first.start, A + 2 * P);
    EXPECT_EQ(changed[0].first.end, A + 4 * P);
    EXPECT_EQ(changed[0].first.attrs.prot, kProtRead);
    EXPECT_EQ(changed[0].second, kRw);
    EXPECT_EQ(ranges(set),
              (std::vector<Range>{{A, A + 2 * P}, {A + 2 * P, A + 4 * P}, {A + 4 * P, A + 6 * P}}));
}

TEST_F(VmaSetTest, ProtectBackToOriginalMergesAreasAgain) {
    ASSERT_TRUE(set.map(A, 6 * P, anon(kRw)).is_ok());
    ASSERT_TRUE(set.protect(A + 2 * P, 2 * P, kProtNone).is_ok());
    ASSERT_TRUE(set.protect(A + 2 * P, 2 * P, kRw).is_ok());
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 6 * P}}));
}

TEST_F(VmaSetTest, ProtectAcrossAreasChangesEachAndReportsOnlyChangedOnes) {
    ASSERT_TRUE(set.map(A, 2 * P, anon(kProtRead)).is_ok());
    ASSERT_TRUE(set.map(A + 2 * P, 2 * P, file(1, 0, kRw)).is_ok());
    int reports = 0;
    ASSERT_TRUE(
        set.protect(A, 4 * P, kProtRead, [&](const VmaRegion&, u32) { reports++; }).is_ok());
    EXPECT_EQ(reports, 1);
    EXPECT_EQ(set.find(A + 3 * P)->attrs().prot, kProtRead);
}

TEST_F(VmaSetTest, ProtectOfPartiallyUnmappedRangeFailsWithENOMEMAndChangesNothing) {
    ASSERT_TRUE(set.map(A, 2 * P, anon(kRw)).is_ok());
    ASSERT_TRUE(set.map(A + 3 * P, 2 * P, anon(kProtRead)).is_ok());
    int reports = 0;
    auto count = [&](const VmaRegion&, u32) { reports++; };
    EXPECT_EQ(set.protect(A + P, 3 * P, kProtNone, count).error(), ENOMEM);
    EXPECT_EQ(set.protect(A - P, 2 * P, kProtNone, count).error(), ENOMEM);
    EXPECT_EQ(set.protect(A + 4 * P, 2 * P, kProtNone, count).error(), ENOMEM);
    EXPECT_EQ(reports, 0);
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 2 * P}, {A + 3 * P, A + 5 * P}}));
    EXPECT_EQ(set.find(A)->attrs().prot, kRw);
    EXPECT_EQ(set.find(A + 4 * P)->attrs().prot, kProtRead);
}

TEST_F(VmaSetTest, ProtectOfZeroLengthSucceedsAndBadArgumentsFail) {
    EXPECT_TRUE(set.protect(A, 0, kProtRead).is_ok());
    EXPECT_EQ(set.protect(A + 1, P, kProtRead).error(), EINVAL);
    ASSERT_TRUE(set.map(A, P, anon()).is_ok());
    EXPECT_EQ(set.protect(A, P, 0x100).error(), EINVAL);
}

// ---- find_free ----

TEST_F(VmaSetTest, FindFreeReturnsHintWhenItIsFree) {
    ASSERT_TRUE(set.map(A, 4 * P, anon()).is_ok());
    EXPECT_EQ(set.find_free(2 * P, A + 4 * P, P, mm::kUserEnd).value(), A + 4 * P);
    EXPECT_EQ(set.find_free(2 * P, A - 2 * P - 100, P, mm::kUserEnd).value(),
              A - 2 * P);  // rounded up
}

TEST_F(VmaSetTest, FindFreeIsTopDownWhenHintIsTaken) {
    const u64 high = A + 100 * P;
    ASSERT_TRUE(set.map(high - 10 * P, 10 * P, anon()).is_ok());
    ASSERT_TRUE(set.map(high - 30 * P, 18 * P, anon(kProtRead)).is_ok());  // 2-page hole at -12
    EXPECT_EQ(set.find_free(2 * P, A + 95 * P, A, high).value(), high - 12 * P);
    EXPECT_EQ(set.find_free(3 * P, 0, A, high).value(), high - 33 * P);
    EXPECT_EQ(set.find_free(2 * P, 0, A, high - 20 * P).value(), high - 32 * P);
}

TEST_F(VmaSetTest, FindFreeKeepsAGuardGapBelowAStack) {
    const u64 high = A + 100 * P;
    ASSERT_TRUE(set.map(high - 10 * P, 10 * P, stack()).is_ok());
    EXPECT_EQ(set.find_free(P, 0, A, high).value(), high - 10 * P - mm::kStackGuardGap - P);
    // A hint touching the stack is refused too.
    EXPECT_EQ(set.find_free(P, high - 11 * P, A, high).value(), high - 12 * P);
    // A one-page hole below a stack holds nothing.
    ASSERT_TRUE(set.map(A, 89 * P, anon()).is_ok());
    EXPECT_EQ(set.find_free(P, 0, A, high).error(), ENOMEM);
}

TEST_F(VmaSetTest, FindFreeFailsWithENOMEMWhenNothingFitsAndRespectsLowLimit) {
    ASSERT_TRUE(set.map(A + 2 * P, 2 * P, anon()).is_ok());
    EXPECT_EQ(set.find_free(3 * P, 0, A, A + 4 * P).error(), ENOMEM);
    EXPECT_EQ(set.find_free(2 * P, 0, A, A + 4 * P).value(), A);
    EXPECT_EQ(set.find_free(2 * P, 0, A + P, A + 4 * P).error(), ENOMEM);
    EXPECT_EQ(set.find_free(0, 0, A, A + 4 * P).error(), EINVAL);
}

TEST_F(VmaSetTest, FindFreeAmongThousandsOfAreasFindsTheOnlyHole) {
    const u64 base = A;
    for (u64 i = 0; i < 3000; i++)  // alternate attributes so nothing merges
        ASSERT_TRUE(set.map(base + i * P, P, anon(i % 2 ? kProtRead : kRw)).is_ok());
    ASSERT_TRUE(set.unmap(base + 1234 * P, 3 * P).is_ok());
    EXPECT_EQ(set.count(), 2997u);
    EXPECT_EQ(set.find_free(3 * P, 0, base, base + 3000 * P).value(), base + 1234 * P);
    EXPECT_EQ(set.find_free(2 * P, 0, base, base + 3000 * P).value(), base + 1235 * P);
    EXPECT_EQ(set.find_free(4 * P, 0, base, base + 3000 * P).error(), ENOMEM);
    for (u64 i = 0; i < 3000; i += 7) {
        const Vma* v = set.find(base + i * P + 5);
        if (i >= 1234 && i < 1237) {
            EXPECT_EQ(v, nullptr);
        } else {
            ASSERT_TRUE(v && v->start() == base + i * P);
        }
    }
}

// ---- remap ----

TEST_F(VmaSetTest, RemapShrinksInPlaceAndReportsTheTail) {
    ASSERT_TRUE(set.map(A, 8 * P, anon()).is_ok());
    Recorder removed;
    EXPECT_EQ(set.remap(remap_of(A, 8 * P, 3 * P), {}, removed.callback()).value(), A);
    EXPECT_EQ(removed.list(), (std::vector<Range>{{A + 3 * P, A + 8 * P}}));
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 3 * P}}));
}

TEST_F(VmaSetTest, RemapGrowsInPlaceWhenTheSpaceAfterIsFree) {
    ASSERT_TRUE(set.map(A, 2 * P, file(4, 8 * P)).is_ok());
    ASSERT_TRUE(set.map(A + 6 * P, P, anon()).is_ok());
    bool moved = false;
    EXPECT_EQ(set.remap(remap_of(A, 2 * P, 6 * P), [&](const VmaMove&) { moved = true; }).value(),
              A);
    EXPECT_FALSE(moved);
    EXPECT_EQ(set.find(A)->end(), A + 6 * P);
    EXPECT_EQ(set.find(A)->attrs().offset, 8 * P);
    EXPECT_EQ(set.mapped_bytes(), 7 * P);
}

TEST_F(VmaSetTest, RemapMovesWhenBlockedAndMayMove) {
    ASSERT_TRUE(set.map(A, 4 * P, file(4, 16 * P, kRw)).is_ok());
    ASSERT_TRUE(set.map(A + 4 * P, P, anon(kProtRead)).is_ok());
    std::vector<VmaMove> moves;
    RemapRequest request =
        remap_of(A + P, 3 * P, 5 * P, /*may_move=*/true, std::nullopt, A, A + 64 * P);
    u64 dest = set.remap(request, [&](const VmaMove& m) { moves.push_back(m); }).value();
    EXPECT_EQ(dest, A + 59 * P);  // top-down
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].old_start, A + P);
    EXPECT_EQ(moves[0].new_start, dest);
    EXPECT_EQ(moves[0].length, 3 * P);
    EXPECT_EQ(moves[0].attrs.offset, 17 * P);
    EXPECT_EQ(ranges(set),
              (std::vector<Range>{{A, A + P}, {A + 4 * P, A + 5 * P}, {dest, dest + 5 * P}}));
    EXPECT_EQ(set.find(dest)->attrs().offset, 17 * P);
    EXPECT_EQ(set.find(dest)->attrs().object, 4u);
}

TEST_F(VmaSetTest, RemapFailsWithENOMEMWhenBlockedAndMayNotMove) {
    ASSERT_TRUE(set.map(A, 2 * P, anon()).is_ok());
    ASSERT_TRUE(set.map(A + 2 * P, P, anon(kProtRead)).is_ok());
    EXPECT_EQ(set.remap(remap_of(A, 2 * P, 4 * P)).error(), ENOMEM);
    EXPECT_EQ(set.remap(remap_of(A, P, 2 * P)).error(), ENOMEM);  // not the area's end
    EXPECT_EQ(ranges(set), (std::vector<Range>{{A, A + 2 * P}, {A + 2 * P, A + 3 * P}}));
}

TEST_F(VmaSetTest, RemapFailsWithEFAULTWhenOldRangeIsNotOneArea) {
    ASSERT_TRUE(set.map(A, 2 * P, anon()).is_ok());
    ASSERT_TRUE(set.map(A + 2 * P, P, anon(kProtRead)).is_ok());
    EXPECT_EQ(set.remap(remap_of(A + 8 * P, P, 2 * P, true)).error(), EFAULT);
    EXPECT_EQ(set.remap(remap_of(A, 3 * P, 4 * P, true)).error(), EFAULT);
    EXPECT_EQ(set.remap(remap_of(A, P, 0)).error(), EINVAL);
    EXPECT_EQ(set.remap(remap_of(A + 1, P, 2 * P)).error(), EINVAL);
    EXPECT_EQ(set.count(), 2u);
}

TEST_F(VmaSetTest, RemapFixedReplacesDestinationAndMovesPages) {
    ASSERT_TRUE(set.map(A, 4 * P, anon(kRw)).is_ok());
    ASSERT_TRUE(set.map(A + 10 * P, 4 * P, anon(kProtRead)).is_ok());
    Recorder removed;
    std::vector<VmaMove> moves;
    RemapRequest request = remap_of(A, 4 * P, 2 * P, true, A + 11 * P);
    EXPECT_EQ(set.remap(
                     request, [&](const VmaMove& m) { moves.push_back(m); }, removed.callback())
                  .value(),
              A + 11 * P);
    EXPECT_EQ(removed.list(),
              (std::vector<Range>{{A + 2 * P, A + 4 * P}, {A + 11 * P, A + 13 * P}}));
    ASSERT_EQ(moves.size(), 1u);
    EXPECT_EQ(moves[0].length, 2 * P);
    EXPECT_EQ(ranges(set),
              (std::vector<Range>{
                  {A + 10 * P, A + 11 * P}, {A + 11 * P, A + 13 * P}, {A + 13 * P, A + 14 * P}}));
    EXPECT_EQ(set.remap(remap_of(A + 11 * P, P, P, true, A + 11 * P)).error(), EINVAL);  // overlap
    EXPECT_EQ(set.remap(remap_of(A + 11 * P, P, P, false, A + 20 * P)).error(),
              EINVAL);  // not may_move
}

// ---- allocation failure ----

TEST_F(VmaSetTest, AllocatorFailureLeavesSetUnchanged) {
    ASSERT_TRUE(set.map(A, 10 * P, file(1, 0, kRw)).is_ok());
    ASSERT_TRUE(set.map(A + 20 * P, 10 * P, anon(kRw)).is_ok());
    const auto before = ranges(set);
    const u64 bytes = set.mapped_bytes();
    int reports = 0;
    auto on_unmapped = [&](const VmaRegion&) { reports++; };
    for (long n = 0; n < 2; n++) {
        alloc.fail_after = n;
        alloc.failures = 0;
        EXPECT_EQ(set.map(A + 2 * P, P, anon()).error(), ENOMEM) << n;
        EXPECT_EQ(set.protect(A + 2 * P, P, kProtRead).error(), ENOMEM) << n;
        EXPECT_EQ(
            set.remap(remap_of(A + 2 * P, P, 2 * P, true, A + 24 * P), {}, on_unmapped).error(),
            ENOMEM)
            << n;
        EXPECT_EQ(set.remap(remap_of(A + 2 * P, P, 2 * P, true), {}, on_unmapped).error(), ENOMEM)
            << n;
        if (n == 0) {
            EXPECT_EQ(set.unmap(A + 2 * P, P, on_unmapped).error(), ENOMEM);
        }
        EXPECT_GT(alloc.failures, 0);
        EXPECT_EQ(ranges(set), before);
        EXPECT_EQ(set.mapped_bytes(), bytes);
        EXPECT_EQ(reports, 0);
        EXPECT_TRUE(set.verify());
    }
    alloc.fail_after = 0;
    EXPECT_TRUE(set.unmap(A, 2 * P).is_ok());  // a trim needs no new area
    alloc.fail_after = -1;
    EXPECT_TRUE(set.map(A + 5 * P, P, anon()).is_ok());
}

TEST(VmaSetLifetime, DestructionReleasesEveryArea) {
    CountingAllocator alloc;
    {
        VmaSet set(alloc);
        for (u64 i = 0; i < 500; i++) ASSERT_TRUE(set.map(A + 2 * i * P, P, anon()).is_ok());
        EXPECT_EQ(alloc.live, 500);
    }
    EXPECT_EQ(alloc.live, 0);
}

TEST(VmaSetLifetime, ClearReportsEveryArea) {
    CountingAllocator alloc;
    VmaSet set(alloc);
    for (u64 i = 0; i < 10; i++) ASSERT_TRUE(set.map(A + 2 * i * P, P, anon()).is_ok());
    int reports = 0;
    set.clear([&](const VmaRegion&) { reports++; });
    EXPECT_EQ(reports, 10);
    EXPECT_EQ(set.count(), 0u);
    EXPECT_EQ(set.mapped_bytes(), 0u);
    EXPECT_EQ(alloc.live, 0);
}

// ---- Randomized comparison with a page-granular model ----

constexpr int kPages = 64;
constexpr u64 kBase = 0x100000;
constexpr u64 kEnd = kBase + kPages * P;  // the set's user_end: nothing can leave the window

struct Page {
    bool mapped = false;
    VmaAttrs attrs;  // attrs.offset: this page's own offset
};
using Model = std::array<Page, kPages>;

bool backed(const VmaAttrs& a) { return a.file_backed() || a.object != 0; }

bool same_area(const Model& m, int p) {  // pages p and p+1 belong to one (merged) area
    const Page& a = m[p];
    const Page& b = m[p + 1];
    if (!a.mapped || !b.mapped) return false;
    VmaAttrs x = a.attrs, y = b.attrs;
    if (x.prot != y.prot || x.flags != y.flags || x.object != y.object || x.tag != y.tag)
        return false;
    return !backed(x) || x.offset + P == y.offset;
}

int area_end(const Model& m, int p) {
    while (p + 1 < kPages && same_area(m, p)) p++;
    return p + 1;
}

std::optional<int> model_find_free(const Model& m, int n, std::optional<int> hint) {
    auto fits = [&](int a) {
        if (a < 0 || a + n > kPages) return false;
        for (int i = a; i < a + n; i++)
            if (m[i].mapped) return false;
        return !(a + n < kPages && m[a + n].mapped && m[a + n].attrs.grows_down());
    };
    if (hint && fits(*hint)) return *hint;
    for (int a = kPages - n; a >= 0; a--)
        if (fits(a)) return a;
    return std::nullopt;
}

u64 addr(int page) { return kBase + u64(page) * P; }

void check_matches(const VmaSet& set, const Model& m, const CountingAllocator& alloc) {
    ASSERT_TRUE(set.verify());
    ASSERT_EQ(alloc.live, static_cast<long>(set.count()));
    u64 mapped = 0;
    usize areas = 0;
    for (int p = 0; p < kPages; p++) {
        const Vma* v = set.find(addr(p));
        ASSERT_EQ(v != nullptr, m[p].mapped) << "page " << p;
        if (!v) continue;
        mapped += P;
        if (p == 0 || !same_area(m, p - 1)) {
            areas++;
            ASSERT_EQ(v->start(), addr(p)) << "page " << p;
        }
        VmaAttrs got = v->attrs();
        got.offset += addr(p) - v->start();
        VmaAttrs want = m[p].attrs;
        if (!backed(want)) got.offset = want.offset = 0;
        ASSERT_EQ(got, want) << "page " << p;
    }
    ASSERT_EQ(set.mapped_bytes(), mapped);
    ASSERT_EQ(set.count(), areas);  // maximally merged
    if (set.first()) {
        ASSERT_GE(set.first()->start(), kBase);
    }
}

// Pages reported by callbacks, each once.
struct Reports {
    std::array<int, kPages> unmapped{};
    std::array<int, kPages> changed{};
    std::vector<VmaMove> moves;
    void add(std::array<int, kPages>& pages, const VmaRegion& r, const Model& before) {
        for (u64 a = r.start; a < r.end; a += P) {
            int p = int((a - kBase) / P);
            ASSERT_TRUE(p >= 0 && p < kPages);
            pages[p]++;
            ASSERT_TRUE(before[p].mapped);
            EXPECT_EQ(r.attrs.tag, before[p].attrs.tag);
            if (backed(r.attrs)) {
                EXPECT_EQ(r.attrs.offset + (a - r.start), before[p].attrs.offset);
            }
        }
    }
};

VmaAttrs random_attrs(std::mt19937_64& rng) {
    VmaAttrs a;
    a.prot = u32(rng() % 8);
    switch (rng() % 5) {
    case 0:
    case 1: break;  // private anonymous
    case 2: a.flags = mm::kVmaGrowsDown; break;
    case 3:
        a.flags = mm::kVmaFile | (rng() % 2 ? mm::kVmaShared : 0);
        a.object = 1 + rng() % 2;
        break;
    case 4: a.flags = mm::kVmaNoReserve; break;
    }
    a.offset = (rng() % 16) * P;
    a.tag = u32(rng() % 2);
    return a;
}

void run_random(u64 seed, int steps) {
    std::mt19937_64 rng(seed);
    CountingAllocator alloc;
    VmaSet set(alloc, kEnd);
    Model model{};
    int counts[8] = {};
    int successes[8] = {};
    int injected = 0;
    int moves = 0;
    for (int step = 0; step < steps; step++) {
        SCOPED_TRACE(testing::Message() << "seed " << seed << " step " << step);
        const Model before = model;
        Model after = model;
        Reports got, want;
        int expect_error = 0;
        std::optional<u64> expect_value;
        alloc.failures = 0;
        alloc.fail_after = rng() % 6 == 0 ? long(rng() % 3) : -1;

        int start = int(rng() % kPages);
        int n = 1 + int(rng() % 12);
        auto unmap_model = [&](int from, int to) {
            for (int p = from; p < to && p < kPages; p++) {
                if (after[p].mapped) want.unmapped[p]++;
                after[p] = Page{};
            }
        };
        auto fill = [&](int from, int count, VmaAttrs a) {
            for (int i = 0; i < count; i++) {
                after[from + i] = Page{true, a};
                after[from + i].attrs.offset = a.offset + u64(i) * P;
            }
        };
        auto on_unmapped = [&](const VmaRegion& r) { got.add(got.unmapped, r, before); };
        std::optional<Result<u64>> result;
        int op = int(rng() % 7);
        counts[op]++;
        switch (op) {
        case 0:
        case 1: {  // map (fixed) and map_noreplace
            VmaAttrs a = random_attrs(rng);
            if (start + n > kPages) {
                expect_error = ENOMEM;
            } else if (op == 1) {
                bool busy = false;
                for (int p = start; p < start + n; p++) busy |= before[p].mapped;
                if (busy) expect_error = EEXIST;
            }
            if (!expect_error) {
                unmap_model(start, start + n);
                fill(start, n, a);
                expect_value = addr(start);
            }
            result.emplace(op == 0 ? set.map(addr(start), n * P - (rng() % 2), a, on_unmapped)
                                   : set.map_noreplace(addr(start), n * P, a));
            break;
        }
        case 2: {  // unmap
            if (start + n > kPages)
                expect_error = EINVAL;
            else
                unmap_model(start, start + n);
            auto r = set.unmap(addr(start), n * P, on_unmapped);
            result.emplace(r.is_ok() ? Result<u64>(0) : Result<u64>(Error(r.error())));
            if (!expect_error) expect_value = 0;
            break;
        }
        case 3: {  // protect
            u32 prot = u32(rng() % 8);
            for (int p = start; p < start + n; p++)
                if (p >= kPages || !before[p].mapped) expect_error = ENOMEM;
            if (!expect_error) {
                for (int p = start; p < start + n; p++) {
                    if (after[p].attrs.prot != prot) want.changed[p]++;
                    after[p].attrs.prot = prot;
                }
                expect_value = 0;
            }
            auto r = set.protect(addr(start), n * P, prot, [&](const VmaRegion& region, u32 old) {
                got.add(got.changed, region, before);
                EXPECT_EQ(region.attrs.prot, prot);
                EXPECT_EQ(old, before[(region.start - kBase) / P].attrs.prot);
            });
            result.emplace(r.is_ok() ? Result<u64>(0) : Result<u64>(Error(r.error())));
            break;
        }
        case 4:
        case 5: {  // remap
            int old_n = n;
            int new_n = 1 + int(rng() % 12);
            bool may_move = rng() % 4 != 0;
            std::optional<int> fixed;
            if (op == 5) fixed = int(rng() % kPages);
            [&] {
                if (fixed) {
                    bool overlap = *fixed < start + old_n && start < *fixed + new_n;
                    if (!may_move || *fixed + new_n > kPages || start + old_n > kPages || overlap) {
                        expect_error = EINVAL;
                        return;
                    }
                }
                if (!before[start].mapped) {
                    expect_error = EFAULT;
                    return;
                }
                if (!fixed && new_n <= old_n) {
                    if (new_n < old_n && start + old_n > kPages) {
                        expect_error = EINVAL;
                        return;
                    }
                    unmap_model(start + new_n, start + old_n);
                    expect_value = addr(start);
                    return;
                }
                int moved = std::min(old_n, new_n);
                int end = area_end(before, start);
                if (moved > end - start) {
                    expect_error = EFAULT;
                    return;
                }
                VmaAttrs a = before[start].attrs;
                int dest;
                if (!fixed) {
                    bool free_after = start + new_n <= kPages;
                    for (int p = start + old_n; free_after && p < start + new_n; p++)
                        free_after = !before[p].mapped;
                    if (end == start + old_n && free_after) {
                        fill(start, new_n, a);
                        expect_value = addr(start);
                        return;
                    }
                    if (!may_move) {
                        expect_error = ENOMEM;
                        return;
                    }
                    auto found = model_find_free(before, new_n, std::nullopt);
                    if (!found) {
                        expect_error = ENOMEM;
                        return;
                    }
                    dest = *found;
                } else {
                    dest = *fixed;
                    unmap_model(start + moved, start + old_n);
                    unmap_model(dest, dest + new_n);
                }
                for (int p = start; p < start + moved; p++) after[p] = Page{};
                fill(dest, new_n, a);
                want.moves.push_back({addr(start), addr(dest), u64(moved) * P, a});
                expect_value = addr(dest);
            }();
            RemapRequest request =
                remap_of(addr(start), u64(old_n) * P, u64(new_n) * P, may_move,
                         fixed ? std::optional<u64>(addr(*fixed)) : std::nullopt, kBase, kEnd);
            result.emplace(set.remap(
                request, [&](const VmaMove& m) { got.moves.push_back(m); }, on_unmapped));
            break;
        }
        case 6: {  // find_free (no change)
            std::optional<int> hint;
            u64 hint_address = 0;
            if (rng() % 2) {
                hint = int(rng() % kPages);
                hint_address = addr(*hint) - (rng() % 2 ? P - 1 : 0);  // rounded up to the page
            }
            auto found = model_find_free(before, n, hint);
            if (found)
                expect_value = addr(*found);
            else
                expect_error = ENOMEM;
            result.emplace(set.find_free(n * P, hint_address, kBase, kEnd));
            break;
        }
        }

        if (alloc.failures > 0) {
            // The allocator refused: the operation must fail and leave everything as it was.
            ASSERT_EQ(result->error(), ENOMEM);
            for (int p = 0; p < kPages; p++) ASSERT_EQ(got.unmapped[p] + got.changed[p], 0);
            ASSERT_TRUE(got.moves.empty());
            check_matches(set, before, alloc);
            injected++;
            continue;
        }
        ASSERT_EQ(result->error(), expect_error) << "op " << op;
        if (expect_error) {
            after = before;
            want = Reports{};
        } else if (expect_value) {
            ASSERT_EQ(result->value(), *expect_value) << "op " << op;
        }
        ASSERT_EQ(got.unmapped, want.unmapped) << "op " << op;
        ASSERT_EQ(got.changed, want.changed) << "op " << op;
        ASSERT_EQ(got.moves.size(), want.moves.size());
        for (usize i = 0; i < got.moves.size(); i++) {
            EXPECT_EQ(got.moves[i].old_start, want.moves[i].old_start);
            EXPECT_EQ(got.moves[i].new_start, want.moves[i].new_start);
            EXPECT_EQ(got.moves[i].length, want.moves[i].length);
        }
        if (!expect_error) successes[op]++;
        moves += int(got.moves.size());
        model = after;
        check_matches(set, model, alloc);
    }
    for (int op = 0; op < 7; op++) EXPECT_GT(successes[op], steps / 100) << "op " << op;
    EXPECT_GT(injected, steps / 100);
    EXPECT_GT(moves, steps / 200);
    if (getenv("VMA_STATS")) {
        for (int op = 0; op < 7; op++) printf("op %d: %d/%d ", op, successes[op], counts[op]);
        printf("injected %d moves %d\n", injected, moves);
    }
}

TEST(VmaSetRandom, MatchesPageModelOverThousandsOfOperations) {
    for (u64 seed = 1; seed <= 6; seed++) {
        run_random(seed, 5000);
        if (HasFatalFailure()) return;
    }
}

}  // namespace
