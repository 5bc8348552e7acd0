#include "boot/real_mode.h"

namespace boot {

std::optional<u64> find_real_mode_pages(const BootInfo& info, usize pages) {
    constexpr u64 kPage = 4096;
    if (pages == 0 || pages > (kRealModeAreaEnd - kRealModeAreaStart) / kPage) return std::nullopt;
    // Static: the set is 4 KiB, and this runs on kernel stacks (one boot CPU, once).
    static RangeSet free;
    free.clear();
    bool fits = true;
    for (const MemoryRegion& region : info.memory_map()) {
        if (region.type != MemoryType::Ram) continue;
        u64 start = region.start() > kRealModeAreaStart ? region.start() : kRealModeAreaStart;
        u64 end = region.end() < kRealModeAreaEnd ? region.end() : kRealModeAreaEnd;
        if (start < end) fits = fits && free.add(start, end).is_ok();
    }
    // As in compute_free_memory: any other entry wins over RAM it overlaps.
    for (const MemoryRegion& region : info.memory_map())
        if (region.type != MemoryType::Ram) fits = fits && free.subtract(region.start(), region.end()).is_ok();
    for (const PhysRange& range : info.reserved_ranges()) fits = fits && free.subtract(range.start, range.end).is_ok();
    if (!fits) return std::nullopt;
    free.align_inward(kPage);
    for (usize i = free.size(); i-- > 0;) {
        const PhysRange& range = free.ranges()[i];
        if (range.size() >= pages * kPage) return range.end - pages * kPage;
    }
    return std::nullopt;
}

}  // namespace boot
