// Stress tests for the frame allocator and the kernel heap: many allocations of mixed
// sizes, each filled with a pattern that is checked before it is freed (any overlap
// between two live allocations breaks a pattern), and the free counts back to where they
// started at the end.
#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

struct Random {
    u64 state;
    u64 next() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
};

u64 pattern_for(u64 address, u64 salt) { return (address * 0x9e3779b97f4a7c15ull) ^ salt; }

void fill(void* p, usize bytes, u64 salt) {
    auto* words = static_cast<u64*>(p);
    for (usize i = 0; i < bytes / 8; i++) words[i] = pattern_for(reinterpret_cast<u64>(&words[i]), salt);
}

bool intact(const void* p, usize bytes, u64 salt) {
    auto* words = static_cast<const u64*>(p);
    for (usize i = 0; i < bytes / 8; i++)
        if (words[i] != pattern_for(reinterpret_cast<u64>(&words[i]), salt)) return false;
    return true;
}

bool frames_stress() {
    constexpr usize kSlots = 512;
    struct Block {
        u64 phys;
        unsigned order;
    };
    static Block blocks[kSlots];
    usize free_before = frames::free_count();
    Random random{0x5eed};
    for (auto& b : blocks) b.phys = 0;

    for (int round = 0; round < 20000; round++) {
        Block& b = blocks[random.next() % kSlots];
        if (b.phys) {
            SELFTEST_CHECK(intact(layout::phys_to_virt(b.phys), mem::kFrameSize << b.order, b.phys));
            frames::free(b.phys, b.order);
            b.phys = 0;
        } else {
            unsigned order = random.next() % 4;
            auto r = frames::allocate(order);
            if (r.is_error()) continue;  // small machines run out: that is allowed here
            b = {r.value(), order};
            SELFTEST_CHECK(is_aligned(b.phys, mem::kFrameSize << order));
            fill(layout::phys_to_virt(b.phys), mem::kFrameSize << order, b.phys);
        }
    }
    for (auto& b : blocks) {
        if (!b.phys) continue;
        SELFTEST_CHECK(intact(layout::phys_to_virt(b.phys), mem::kFrameSize << b.order, b.phys));
        frames::free(b.phys, b.order);
    }

    // Exhaustion: take every single frame, then give them all back.
    usize taken = 0;
    u64 chain = 0;  // a linked list threaded through the taken frames
    for (;;) {
        auto r = frames::allocate(0);
        if (r.is_error()) break;
        *static_cast<u64*>(layout::phys_to_virt(r.value())) = chain;
        chain = r.value();
        taken++;
    }
    SELFTEST_CHECK(frames::free_count() == 0);
    while (chain) {
        u64 next = *static_cast<u64*>(layout::phys_to_virt(chain));
        frames::free(chain, 0);
        chain = next;
    }
    klog::print("  {} frames taken to exhaustion and returned\n", taken);
    SELFTEST_CHECK(taken == free_before);
    SELFTEST_CHECK(frames::free_count() == free_before);
    return true;
}

bool heap_stress() {
    constexpr usize kSlots = 1024;
    struct Allocation {
        void* p;
        usize size;
    };
    static Allocation live[kSlots];
    heap::trim();
    auto before = heap::stats();
    usize frames_before = frames::free_count();
    Random random{0xfeed};
    usize out_of_memory = 0;
    for (auto& a : live) a.p = nullptr;

    for (int round = 0; round < 100000; round++) {
        Allocation& a = live[random.next() % kSlots];
        if (a.p) {
            SELFTEST_CHECK(intact(a.p, a.size, a.size));
            heap::free(a.p);
            a.p = nullptr;
            continue;
        }
        // Mostly small objects, sometimes whole pages, occasionally a large buffer.
        u64 pick = random.next() % 100;
        usize size = pick < 85 ? 8 + random.next() % 1024 : pick < 98 ? 4096 + random.next() % 16384 : 256 * KiB;
        size = align_up(size, 8);
        usize align = (random.next() % 8 == 0) ? 64 << (random.next() % 6) : 16;
        auto r = heap::allocate(size, align);
        if (r.is_error()) {
            SELFTEST_CHECK(r.error() == ENOMEM);  // a small machine runs out: allowed
            out_of_memory++;
            continue;
        }
        a = {r.value(), size};
        SELFTEST_CHECK(is_aligned(reinterpret_cast<u64>(a.p), align));
        fill(a.p, a.size, a.size);
    }
    for (auto& a : live) {
        if (!a.p) continue;
        SELFTEST_CHECK(intact(a.p, a.size, a.size));
        heap::free(a.p);
    }
    // new/delete go through the same heap.
    auto* array = new u64[1000];
    for (int i = 0; i < 1000; i++) array[i] = i;
    SELFTEST_CHECK(array[999] == 999);
    delete[] array;

    heap::trim();
    auto after = heap::stats();
    klog::print("  heap: {} live allocations, {} pages held (before: {}, {}); {} allocations met ENOMEM\n",
                after.live_allocations, after.pages_held, before.live_allocations, before.pages_held, out_of_memory);
    SELFTEST_CHECK(after.live_allocations == before.live_allocations);
    SELFTEST_CHECK(after.allocated_bytes == before.allocated_bytes);
    SELFTEST_CHECK(after.pages_held == before.pages_held);
    SELFTEST_CHECK(frames::free_count() == frames_before);
    return true;
}

const Test kMemoryTests[] = {
    {"frames", frames_stress, false},
    {"heap", heap_stress, false},
};

}  // namespace

std::span<const Test> memory_tests() { return kMemoryTests; }

}  // namespace selftest
