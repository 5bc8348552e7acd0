#include "mm/frames.h"

#include <cstring>

#include "arch/x86_64/layout.h"
#include "lib/panic.h"
#include "sync/spinlock.h"

namespace frames {

namespace {

void on_corruption(const char* what, u64 phys) { panic("frame allocator: {} at {:#x}", what, phys); }

Guarded<mem::FrameAllocator> g_allocator(layout::kDirectMapBase, on_corruption);

}  // namespace

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
