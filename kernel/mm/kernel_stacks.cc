#include "mm/kernel_stacks.h"

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "mm/frames.h"
#include "sync/spinlock.h"

namespace kernel_stacks {

namespace {

// Every stack occupies a fixed-size slot: [guard page][stack pages][unused]. Fixed slots
// make guard_page_owner() a division and let freed slots be reused without fragmentation.
constexpr u64 kSlotSize = 256 * KiB;
constexpr u64 kSlotCount = (layout::kKernelStacksLimit - layout::kKernelStacksBase) / kSlotSize;

struct Slots {
    u64 next_unused = 0;      // slots below this have been handed out at least once
    u64 free_list[1024];      // recycled slot numbers
    usize free_count = 0;
    usize live = 0;           // stacks handed out and not yet freed
};
Guarded<Slots> g_slots{LockName{"kernel stacks"}};

u64 slot_base(u64 slot) { return layout::kKernelStacksBase + slot * kSlotSize; }

}  // namespace

Result<Stack> allocate(u64 size) {
    size = align_up(size, layout::kPageSize);
    if (size == 0 || size > kSlotSize - layout::kPageSize) return Error(EINVAL);
    auto slot = g_slots.with([](Slots& s) -> Result<u64> {
        if (s.free_count == 0 && s.next_unused >= kSlotCount) return Error(ENOMEM);
        s.live++;
        return s.free_count ? s.free_list[--s.free_count] : s.next_unused++;
    });
    u64 number = TRY(slot);
    u64 bottom = slot_base(number) + layout::kPageSize;
    u64 pages = size / layout::kPageSize;
    for (u64 i = 0; i < pages; i++) {
        auto frame = frames::allocate(0);
        auto mapped = frame.is_ok() ? paging::kernel_space().map(bottom + i * layout::kPageSize, frame.value(),
                                                                 layout::kPageSize, paging::kKernelData)
                                    : Result<void>(Error(ENOMEM));
        if (frame.is_error() || mapped.is_error()) {
            if (frame.is_ok()) frames::free(frame.value());
            free({bottom, bottom + i * layout::kPageSize});
            return Error(ENOMEM);
        }
    }
    return Stack{bottom, bottom + size};
}

void free(const Stack& stack) {
    // The frames are noted first and freed only after the unmapping, which is one TLB
    // shootdown for the whole stack when other CPUs run (they may have cached it).
    constexpr usize kMaxPages = kSlotSize / layout::kPageSize;
    u64 frames_of[kMaxPages];
    usize count = 0;
    for (u64 page = stack.bottom; page < stack.top && count < kMaxPages; page += layout::kPageSize)
        if (auto phys = paging::kernel_space().translate(page)) frames_of[count++] = *phys;
    if (stack.top > stack.bottom) (void)paging::kernel_space().unmap(stack.bottom, stack.top - stack.bottom);
    for (usize i = 0; i < count; i++) frames::free(frames_of[i]);
    u64 number = (stack.bottom - layout::kPageSize - layout::kKernelStacksBase) / kSlotSize;
    g_slots.with([&](Slots& s) {
        if (s.free_count < sizeof s.free_list / sizeof s.free_list[0]) s.free_list[s.free_count++] = number;
        s.live--;
    });
}

std::optional<Stack> guard_page_owner(u64 addr) {
    if (addr < layout::kKernelStacksBase || addr >= layout::kKernelStacksLimit) return std::nullopt;
    u64 offset = (addr - layout::kKernelStacksBase) % kSlotSize;
    if (offset >= layout::kPageSize) return std::nullopt;
    u64 bottom = addr - offset + layout::kPageSize;
    u64 top = bottom;
    while (top < bottom + kSlotSize - layout::kPageSize && paging::kernel_space().translate(top)) top += layout::kPageSize;
    return Stack{bottom, top};
}

usize live_count() {
    return g_slots.with([](Slots& s) { return s.live; });
}

}  // namespace kernel_stacks
