#include "mm/physical_view.h"

#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"

namespace physical_view {

namespace {

class DirectMapView final : public boot::PhysicalMemory {
public:
    const void* view(u64 phys, usize length) const override {
        u64 end = phys + (length ? length : 1);
        if (end < phys || end > layout::kDirectMapLimit) return nullptr;
        for (u64 page = align_down(phys, layout::kPageSize); page < end; page += layout::kPageSize)
            if (!ensure_mapped(page)) return nullptr;
        return layout::phys_to_virt(phys);
    }

private:
    static bool ensure_mapped(u64 page) {
        u64 virt = layout::kDirectMapBase + page;
        if (auto mapped = paging::kernel_space().translate(virt)) return *mapped == page;
        u64 nx = cpu_features::has(cpu_features::kNx) ? u64(paging::kNoExecute) : 0;
        return paging::kernel_space().map(virt, page, layout::kPageSize, paging::kPresent | nx).is_ok();
    }
};

const DirectMapView g_view;

}  // namespace

const boot::PhysicalMemory& direct_map() { return g_view; }

}  // namespace physical_view
