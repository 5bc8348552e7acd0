#include "mm/heap.h"

#include <new>

#include "arch/x86_64/layout.h"
#include "lib/panic.h"
#include "mem/heap.h"
#include "mm/frames.h"
#include "sync/spinlock.h"

namespace heap {

namespace {

class FramePages final : public mem::PageProvider {
public:
    Result<void*> allocate_pages(usize count) override {
        u64 phys = TRY(frames::allocate_frames(count));
        return layout::phys_to_virt(phys);
    }
    void free_pages(void* pages, usize count) override {
        frames::free_frames(layout::virt_to_phys_direct(pages), count);
    }
};

void on_corruption(const char* what, const void* address) { panic("kernel heap: {} at {}", what, address); }

FramePages g_pages;
Guarded<mem::Heap> g_heap(LockName{"heap"}, g_pages, on_corruption);

}  // namespace

Result<void*> allocate(usize size, usize align) {
    return g_heap.with([&](mem::Heap& h) { return h.allocate(size, align); });
}

void free(void* p) {
    g_heap.with([&](mem::Heap& h) { h.free(p); });
}

Stats stats() {
    return g_heap.with([](mem::Heap& h) {
        return Stats{h.allocated_bytes(), h.live_allocations(), h.pages_held()};
    });
}

void trim() {
    g_heap.with([](mem::Heap& h) { h.trim(); });
}

}  // namespace heap

namespace {
void* allocate_or_panic(usize size, usize align) {
    auto result = heap::allocate(size, align);
    if (result.is_error()) panic("out of kernel memory allocating {} bytes", size);
    return result.value();
}
void* allocate_or_null(usize size, usize align) { return heap::allocate(size, align).value_or(nullptr); }
}  // namespace

void* operator new(usize size) { return allocate_or_panic(size, 16); }
void* operator new[](usize size) { return allocate_or_panic(size, 16); }
void* operator new(usize size, std::align_val_t align) { return allocate_or_panic(size, static_cast<usize>(align)); }
void* operator new[](usize size, std::align_val_t align) { return allocate_or_panic(size, static_cast<usize>(align)); }
void* operator new(usize size, const std::nothrow_t&) noexcept { return allocate_or_null(size, 16); }
void* operator new[](usize size, const std::nothrow_t&) noexcept { return allocate_or_null(size, 16); }
void operator delete(void* p) noexcept { heap::free(p); }
void operator delete[](void* p) noexcept { heap::free(p); }
void operator delete(void* p, usize) noexcept { heap::free(p); }
void operator delete[](void* p, usize) noexcept { heap::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { heap::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { heap::free(p); }
void operator delete(void* p, usize, std::align_val_t) noexcept { heap::free(p); }
void operator delete[](void* p, usize, std::align_val_t) noexcept { heap::free(p); }
