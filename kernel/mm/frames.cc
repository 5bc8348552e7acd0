#include "mm/frames.h"

#include <cstring>

#include "arch/x86_64/layout.h"
#include "lib/panic.h"
#include "sync/spinlock.h"

namespace frames {

namespace {

void on_corruption(const char* what, u64 phys) { panic("frame allocator: {} at {:#x}", what, phys); }

Guarded<mem::FrameAllocator> g_allocator(LockName{"frames"}, layout::kDirectMapBase, on_corruption);

// Extra owners per frame, indexed by frame number (mm/frames.h). Updated with atomics:
// two address spaces sharing a frame change its count under different locks.
u16* g_extra_owners = nullptr;
u64 g_tracked_frames = 0;

u16& extra_owners(u64 phys) {
    u64 frame = phys / kFrameSize;
    if (frame >= g_tracked_frames) panic("frames: {:#x} is outside the sharing table", phys);
    return g_extra_owners[frame];
}

}  // namespace

Result<void> init_sharing(u64 highest_address) {
    u64 count = align_up(highest_address, kFrameSize) / kFrameSize;
    usize table_frames = align_up(count * sizeof(u16), kFrameSize) / kFrameSize;
    u64 table = TRY(allocate_frames(table_frames));
    memset(layout::phys_to_virt(table), 0, table_frames * kFrameSize);
    g_extra_owners = static_cast<u16*>(layout::phys_to_virt(table));
    g_tracked_frames = count;
    return {};
}

void share(u64 phys) {
    u16 before = __atomic_fetch_add(&extra_owners(phys), 1, __ATOMIC_RELAXED);
    if (before == 0xffff) panic("frames: {:#x} has too many owners", phys);
}

bool release(u64 phys) {
    u16& owners = extra_owners(phys);
    // The common case, a frame never shared, frees without an atomic read-modify-write.
    if (__atomic_load_n(&owners, __ATOMIC_ACQUIRE) == 0) {
        free(phys);
        return true;
    }
    u16 before = __atomic_fetch_sub(&owners, 1, __ATOMIC_ACQ_REL);
    if (before != 0) return false;
    // Another owner released it between the load and the subtraction: it was ours.
    __atomic_store_n(&owners, 0, __ATOMIC_RELEASE);
    free(phys);
    return true;
}

bool is_shared(u64 phys) { return __atomic_load_n(&extra_owners(phys), __ATOMIC_ACQUIRE) != 0; }

Result<void> add_free_range(u64 start, u64 end) {
    return g_allocator.with([&](auto& a) { return a.add_free_range(start, end); });
}
Result<u64> allocate(unsigned order) {
    return g_allocator.with([&](auto& a) { return a.allocate(order); });
}
void free(u64 phys, unsigned order) {
    g_allocator.with([&](auto& a) { a.free(phys, order); });
}
Result<u64> allocate_frames(usize count) {
    return g_allocator.with([&](auto& a) { return a.allocate_frames(count); });
}
void free_frames(u64 phys, usize count) {
    g_allocator.with([&](auto& a) { a.free_frames(phys, count); });
}
Result<u64> allocate_zeroed() {
    u64 phys = TRY(allocate(0));
    memset(layout::phys_to_virt(phys), 0, kFrameSize);
    return phys;
}
usize free_count() {
    return g_allocator.with([](auto& a) { return a.frames_free(); });
}
usize total_count() {
    return g_allocator.with([](auto& a) { return a.frames_total(); });
}

}  // namespace frames
