#include "mem/heap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "mem/frame_allocator.h"

namespace {

using mem::Heap;
using mem::kPageSize;

std::vector<std::string> g_heap_reports;
void record_heap_report(const char* what, const void*) { g_heap_reports.push_back(what); }

// Pages from the host, checked on return: a wrong pointer or count fails the test.
class FakePages final : public mem::PageProvider {
public:
    explicit FakePages(usize limit = ~usize{0}) : m_limit(limit) {}
    ~FakePages() {
        for (auto [p, count] : m_blocks) std::free(p);
    }
    Result<void*> allocate_pages(usize count) override {
        if (m_outstanding + count > m_limit) return Error(ENOMEM);
        void* p = std::aligned_alloc(kPageSize, count * kPageSize);
        m_blocks[p] = count;
        m_outstanding += count;
        m_allocate_calls++;
        return p;
    }
    void free_pages(void* p, usize count) override {
        auto it = m_blocks.find(p);
        ASSERT_NE(it, m_blocks.end()) << "freed pages never allocated";
        EXPECT_EQ(it->second, count);
        m_outstanding -= it->second;
        m_blocks.erase(it);
        std::free(p);
    }
    usize outstanding() const { return m_outstanding; }
    usize allocate_calls() const { return m_allocate_calls; }
    void set_limit(usize limit) { m_limit = limit; }

private:
    std::map<void*, usize> m_blocks;
    usize m_outstanding = 0;
    usize m_allocate_calls = 0;
    usize m_limit;
};

void fill(void* p, usize size, u8 seed) {
    auto* bytes = static_cast<u8*>(p);
    for (usize i = 0; i < size; i++) bytes[i] = static_cast<u8>(seed + i * 31);
}
bool check(const void* p, usize size, u8 seed) {
    auto* bytes = static_cast<const u8*>(p);
    for (usize i = 0; i < size; i++)
        if (bytes[i] != static_cast<u8>(seed + i * 31)) return false;
    return true;
}

class HeapTest : public ::testing::Test {
protected:
    HeapTest() : heap(pages, record_heap_report) { g_heap_reports.clear(); }
    FakePages pages;
    Heap heap;
};

TEST_F(HeapTest, SmallAndLargeAllocationsAreAlignedAndDistinct) {
    const usize sizes[] = {0, 1, 8, 15, 16, 17, 24, 33, 100, 500, 1000, 1024, 1025, 3000, 4096, 4097, 10000, 100000};
    struct Block {
        u8* p;
        usize size;
    };
    std::vector<Block> blocks;
    for (int round = 0; round < 40; round++) {
        for (usize size : sizes) {
            auto* p = static_cast<u8*>(heap.allocate(size).value());
            EXPECT_EQ(reinterpret_cast<uptr>(p) % Heap::kMinAlign, 0u);
            EXPECT_GE(heap.usable_size(p), size);
            fill(p, size, static_cast<u8>(blocks.size()));
            blocks.push_back({p, size});
        }
    }
    for (usize i = 0; i < blocks.size(); i++) EXPECT_TRUE(check(blocks[i].p, blocks[i].size, static_cast<u8>(i)));
    std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) { return a.p < b.p; });
    for (usize i = 1; i < blocks.size(); i++)
        EXPECT_LE(blocks[i - 1].p + std::max<usize>(blocks[i - 1].size, 1), blocks[i].p);
    for (const Block& b : blocks) heap.free(b.p);
    EXPECT_TRUE(g_heap_reports.empty());
    EXPECT_EQ(heap.allocated_bytes(), 0u);
}

TEST_F(HeapTest, AlignmentLargerThanTheSizeClassIsHonoured) {
    const std::pair<usize, usize> requests[] = {{24, 64},   {1, 512},      {8, 1024},   {100, 4096},
                                                {2000, 2048}, {5000, 16384}, {1, 65536}, {0, 128}};
    std::vector<void*> live;
    for (auto [size, align] : requests) {
        void* p = heap.allocate(size, align).value();
        EXPECT_EQ(reinterpret_cast<uptr>(p) % align, 0u) << size << " aligned to " << align;
        EXPECT_GE(heap.usable_size(p), size);
        fill(p, size, 1);
        live.push_back(p);
    }
    for (void* p : live) heap.free(p);
    heap.trim();
    EXPECT_TRUE(g_heap_reports.empty());
    EXPECT_EQ(pages.outstanding(), 0u);
}

TEST_F(HeapTest, BadAlignmentIsEINVALAndHugeSizeIsENOMEM) {
    EXPECT_EQ(heap.allocate(16, 24).error(), EINVAL);
    EXPECT_EQ(heap.allocate(16, 0).error(), EINVAL);
    EXPECT_EQ(heap.allocate(~usize{0}).error(), ENOMEM);
    EXPECT_EQ(heap.allocate(~usize{0} - kPageSize, 16).error(), ENOMEM);
    EXPECT_EQ(pages.outstanding(), 0u);
}

TEST_F(HeapTest, ZeroSizeAllocationsAreDistinct) {
    void* a = heap.allocate(0).value();
    void* b = heap.allocate(0).value();
    EXPECT_NE(a, b);
    heap.free(a);
    heap.free(b);
    heap.free(nullptr);
    EXPECT_TRUE(g_heap_reports.empty());
}

TEST_F(HeapTest, AllocatedBytesCountsRoundedSizes) {
    void* small = heap.allocate(20).value();
    EXPECT_EQ(heap.allocated_bytes(), 32u);
    void* large = heap.allocate(5000).value();
    EXPECT_EQ(heap.allocated_bytes(), 32u + 2 * kPageSize);
    EXPECT_EQ(heap.live_allocations(), 2u);
    heap.free(small);
    heap.free(large);
    EXPECT_EQ(heap.allocated_bytes(), 0u);
    EXPECT_EQ(heap.live_allocations(), 0u);
}

TEST_F(HeapTest, FreeWithoutSizeOfLargeBlockReturnsItsPages) {
    void* warm = heap.allocate(32).value();  // the large-block record's slab, held throughout
    usize before = pages.outstanding();
    void* p = heap.allocate(3 * kPageSize + 1).value();
    EXPECT_EQ(reinterpret_cast<uptr>(p) % kPageSize, 0u);
    EXPECT_EQ(pages.outstanding(), before + 4);
    fill(p, 3 * kPageSize + 1, 9);
    heap.free(p);
    EXPECT_EQ(pages.outstanding(), before);
    heap.free(warm);
    heap.trim();
    EXPECT_EQ(pages.outstanding(), 0u);
    EXPECT_EQ(heap.pages_held(), 0u);
}

TEST_F(HeapTest, OneEmptySlabPerClassIsKeptAndTrimReleasesIt) {
    // 1024-byte objects: three per page after the slab header.
    std::vector<void*> objects;
    for (int i = 0; i < 9; i++) objects.push_back(heap.allocate(1024).value());
    EXPECT_EQ(pages.outstanding(), 3u);
    for (void* p : objects) heap.free(p);
    EXPECT_EQ(pages.outstanding(), 1u);
    EXPECT_EQ(heap.pages_held(), 1u);
    heap.trim();
    EXPECT_EQ(pages.outstanding(), 0u);
}

TEST_F(HeapTest, AllocFreeLoopDoesNotChurnTheProvider) {
    for (int i = 0; i < 1000; i++) heap.free(heap.allocate(64).value());
    EXPECT_EQ(pages.allocate_calls(), 1u);
}

TEST_F(HeapTest, DoubleFreeOfSmallObjectIsDetected) {
    void* a = heap.allocate(48).value();
    void* b = heap.allocate(48).value();
    heap.free(a);
    heap.free(a);
    ASSERT_EQ(g_heap_reports.size(), 1u);
    EXPECT_EQ(g_heap_reports[0], "heap: double free");
    EXPECT_EQ(heap.live_allocations(), 1u);
    // The heap is still consistent: the slot is handed out once, not twice.
    void* c = heap.allocate(48).value();
    void* d = heap.allocate(48).value();
    EXPECT_NE(c, d);
    EXPECT_NE(c, b);
    EXPECT_NE(d, b);
}

TEST_F(HeapTest, DoubleFreeOfLargeBlockIsDetected) {
    void* p = heap.allocate(20000).value();
    heap.free(p);
    usize outstanding = pages.outstanding();
    heap.free(p);
    EXPECT_EQ(g_heap_reports.size(), 1u);
    EXPECT_EQ(pages.outstanding(), outstanding);
}

TEST_F(HeapTest, DoubleFreeIntoTheCachedEmptySlabIsDetected) {
    void* p = heap.allocate(64).value();
    heap.free(p);  // its slab is now the class's cached empty slab
    heap.free(p);
    EXPECT_EQ(g_heap_reports.size(), 1u);
    EXPECT_EQ(heap.live_allocations(), 0u);
}

TEST_F(HeapTest, FreeOfPointerNotFromTheHeapIsDetected) {
    void* foreign_page = std::aligned_alloc(kPageSize, kPageSize);
    std::memset(foreign_page, 0, kPageSize);
    heap.free(foreign_page);                                  // page aligned: not a large block
    heap.free(static_cast<u8*>(foreign_page) + 64);           // no slab header there
    auto* object = static_cast<u8*>(heap.allocate(64).value());
    heap.free(object + 16);                                   // inside a live object
    FakePages other_pages;
    Heap other(other_pages, record_heap_report);
    void* others = other.allocate(64).value();
    heap.free(others);                                        // another heap's object
    EXPECT_EQ(g_heap_reports.size(), 4u);
    EXPECT_EQ(heap.live_allocations(), 1u);
    other.free(others);
    heap.free(object);
    EXPECT_EQ(g_heap_reports.size(), 4u);
    std::free(foreign_page);
}

TEST_F(HeapTest, ProviderExhaustionReturnsENOMEMAndLeavesNoTrace) {
    pages.set_limit(2);
    EXPECT_EQ(heap.allocate(2 * kPageSize).error(), ENOMEM);  // record slab + 2 pages > 2
    EXPECT_EQ(heap.allocated_bytes(), 0u);
    EXPECT_EQ(heap.live_allocations(), 0u);
    void* p = heap.allocate(kPageSize).value();  // record slab + 1 page fits
    EXPECT_EQ(heap.allocate(16, 16).error(), ENOMEM);  // a 16-byte slab needs another page
    heap.free(p);
    heap.trim();
    EXPECT_EQ(pages.outstanding(), 0u);
}

TEST_F(HeapTest, MemoryReturnsToBaselineAfterStress) {
    struct Live {
        void* p;
        usize size;
        u8 seed;
    };
    std::vector<Live> live;
    std::mt19937_64 rng(4242);
    usize peak_pages = 0;
    for (int step = 0; step < 30000; step++) {
        if (live.empty() || rng() % 100 < 52) {
            usize size;
            switch (rng() % 4) {
            case 0: size = rng() % 64; break;
            case 1: size = rng() % 512; break;
            case 2: size = rng() % 2048; break;
            default: size = rng() % (5 * kPageSize); break;
            }
            usize align = rng() % 8 == 0 ? usize{1} << (rng() % 14) : 16;
            void* p = heap.allocate(size, align).value();
            ASSERT_EQ(reinterpret_cast<uptr>(p) % align, 0u);
            u8 seed = static_cast<u8>(rng());
            fill(p, size, seed);
            live.push_back({p, size, seed});
        } else {
            usize i = rng() % live.size();
            ASSERT_TRUE(check(live[i].p, live[i].size, live[i].seed)) << "step " << step;
            heap.free(live[i].p);
            live[i] = live.back();
            live.pop_back();
        }
        peak_pages = std::max(peak_pages, heap.pages_held());
    }
    usize live_bytes = 0;
    for (const Live& l : live) live_bytes += heap.usable_size(l.p);
    EXPECT_EQ(heap.allocated_bytes(), live_bytes);
    EXPECT_EQ(heap.live_allocations(), live.size());
    EXPECT_EQ(heap.pages_held(), pages.outstanding());
    for (const Live& l : live) {
        ASSERT_TRUE(check(l.p, l.size, l.seed));
        heap.free(l.p);
    }
    EXPECT_TRUE(g_heap_reports.empty());
    EXPECT_EQ(heap.allocated_bytes(), 0u);
    EXPECT_LE(heap.pages_held(), Heap::kClassCount);  // at most one cached slab per class
    heap.trim();
    EXPECT_EQ(heap.pages_held(), 0u);
    EXPECT_EQ(pages.outstanding(), 0u);
    EXPECT_GT(peak_pages, 100u);  // the stress really did grow the heap
}

// The kernel's arrangement: heap pages come from the buddy allocator through the direct map.
class FramePages final : public mem::PageProvider {
public:
    FramePages(mem::FrameAllocator& frames, u64 offset) : m_frames(frames), m_offset(offset) {}
    Result<void*> allocate_pages(usize count) override {
        u64 phys = TRY(m_frames.allocate_frames(count));
        return reinterpret_cast<void*>(phys + m_offset);
    }
    void free_pages(void* p, usize count) override {
        m_frames.free_frames(reinterpret_cast<uptr>(p) - m_offset, count);
    }

private:
    mem::FrameAllocator& m_frames;
    u64 m_offset;
};

TEST(HeapOnFrameAllocator, AllFramesComeBackAfterUse) {
    constexpr u64 kBase = 0x200000;
    constexpr usize kBytes = 16 * MiB;
    auto* arena = static_cast<u8*>(std::aligned_alloc(4 * MiB, kBytes));
    u64 offset = reinterpret_cast<uptr>(arena) - kBase;
    mem::FrameAllocator frames(offset);
    ASSERT_TRUE(frames.add_free_range(kBase, kBase + kBytes).is_ok());
    const usize max_blocks = frames.free_blocks(mem::FrameAllocator::kMaxOrder);
    FramePages provider(frames, offset);
    Heap heap(provider);
    std::vector<void*> live;
    for (usize i = 0; i < 3000; i++) {
        usize size = (i * 37) % 3000;
        auto result = heap.allocate(size, i % 5 == 0 ? 256 : 16);
        ASSERT_TRUE(result.is_ok()) << i;
        void* p = result.value();
        fill(p, size, static_cast<u8>(i));
        live.push_back(p);
    }
    EXPECT_LT(frames.frames_free(), frames.frames_total());
    for (usize i = 0; i < live.size(); i++) {
        EXPECT_TRUE(check(live[i], (i * 37) % 3000, static_cast<u8>(i)));
        heap.free(live[i]);
    }
    heap.trim();
    EXPECT_EQ(frames.frames_free(), frames.frames_total());
    EXPECT_EQ(frames.free_blocks(mem::FrameAllocator::kMaxOrder), max_blocks);
    std::free(arena);
}

}  // namespace
