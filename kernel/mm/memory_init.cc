#include "mm/memory_init.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "boot/ranges.h"
#include "lib/log.h"
#include "mm/frames.h"

namespace memory {

namespace {

// What the boot page tables (arch/x86_64/boot.S) reach through the direct map.
constexpr u64 kBootMappedLimit = 1 * GiB;

// Static: 4 KiB each is too much for the boot stack.
boot::RangeSet g_free;
boot::RangeSet g_mapped;
u64 g_usable_bytes = 0;

bool is_direct_mapped_type(boot::MemoryType type) {
    // ACPI tables live in reclaimable and NVS memory; the kernel reads them later.
    return type == boot::MemoryType::Ram || type == boot::MemoryType::AcpiReclaimable ||
           type == boot::MemoryType::AcpiNvs;
}

Result<void> add_frames(u64 start, u64 end) {
    if (start >= end) return {};
    return frames::add_free_range(start, end);
}

}  // namespace

Result<void> init(const boot::BootInfo& info) {
    if (info.memory_map().empty()) {
        klog::error("the boot loader passed no memory map (PVH start_info version {})", info.version);
        return Error(EINVAL);
    }
    const boot::PhysRange kernel_image[] = {
        {layout::kernel_image_to_phys(__kernel_start), layout::kernel_image_to_phys(__kernel_end)}};
    TRY(boot::compute_free_memory(info, kernel_image, g_free));
    g_usable_bytes = g_free.total();

    // Phase 1: only memory the boot tables map can hold free-list headers yet.
    for (const auto& r : g_free) TRY(add_frames(r.start, r.end < kBootMappedLimit ? r.end : kBootMappedLimit));

    // Page-aligned outward and merged, so neighbouring entries never map a page twice.
    g_mapped.clear();
    for (const auto& region : info.memory_map())
        if (is_direct_mapped_type(region.type))
            TRY(g_mapped.add(align_down(region.start(), layout::kPageSize), align_up(region.end(), layout::kPageSize)));
    static paging::RamRange ram[boot::RangeSet::kCapacity];
    usize count = 0;
    for (const auto& r : g_mapped) ram[count++] = {r.start, r.end};
    TRY(paging::init_kernel_space({ram, count}));

    // Phase 2: the rest, now that the direct map covers all RAM.
    for (const auto& r : g_free) TRY(add_frames(r.start > kBootMappedLimit ? r.start : kBootMappedLimit, r.end));
    u64 highest = 0;
    for (const auto& r : g_free) highest = r.end > highest ? r.end : highest;
    TRY(frames::init_sharing(highest));

    klog::info("memory: {} KiB usable, {} frames free, kernel image {:#x}-{:#x}", g_usable_bytes / KiB,
               frames::free_count(), kernel_image[0].start, kernel_image[0].end);
    return {};
}

u64 usable_bytes() { return g_usable_bytes; }

}  // namespace memory
