// The kernel heap behind operator new/delete.
//
// Small requests (up to kLargestClass bytes) come from power-of-two size classes carved
// out of single-page slabs. A slab's header sits at the start of its page, so a slab
// object is never page aligned and free() finds the header by rounding the pointer down.
// Large requests take whole pages from the PageProvider and are always page aligned;
// their size lives in a small record found through a hash on the address. So free()
// needs no size, and a pointer the heap never returned is caught instead of trusted.
//
// Not thread-safe: the kernel wraps the heap in its own lock.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace mem {

constexpr usize kPageSize = 4 * KiB;

// Where the heap gets its memory. Pages must be kPageSize aligned; free_pages() gets back
// exactly the pointer and count that allocate_pages() returned.
class PageProvider {
public:
    virtual Result<void*> allocate_pages(usize count) = 0;
    virtual void free_pages(void* pages, usize count) = 0;

protected:
    ~PageProvider() = default;
};

class Heap {
public:
    static constexpr usize kMinAlign = 16;
    static constexpr usize kSmallestClass = 16;
    static constexpr usize kLargestClass = 1024;
    static constexpr usize kClassCount = 7;  // 16, 32, ..., 1024
    // Larger requests are refused with ENOMEM rather than overflowing size arithmetic.
    static constexpr usize kMaxAllocation = usize{1} << 40;

    // Called on misuse (double free, pointer not from this heap, pointer into the middle
    // of an object). The kernel passes its panic; if the handler returns, the free is
    // ignored and the heap is left untouched. nullptr traps.
    using CorruptionHandler = void (*)(const char* what, const void* address);

    constexpr explicit Heap(PageProvider& pages, CorruptionHandler on_corruption = nullptr)
        : m_pages(pages), m_on_corruption(on_corruption) {}
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;

    // `size` bytes aligned to `align` (a power of two; smaller than kMinAlign means
    // kMinAlign, any larger alignment works). size 0 gives a distinct minimal object.
    // EINVAL for a bad alignment, ENOMEM when the provider has no pages.
    Result<void*> allocate(usize size, usize align = kMinAlign);
    // Frees what allocate() returned; nullptr is ignored.
    void free(void* p);
    // Bytes usable at p (its size class or its whole pages); 0 and a report if p is not
    // a live allocation.
    usize usable_size(const void* p);
    // Returns the empty slabs kept (one per class) to avoid page churn.
    void trim();

    // Live bytes, counted as rounded up: the size class, or whole pages for large ones.
    usize allocated_bytes() const { return m_allocated_bytes; }
    usize live_allocations() const { return m_live_allocations; }
    // Pages currently taken from the provider, including slab and bookkeeping pages.
    usize pages_held() const { return m_pages_held; }

private:
    struct Slab;
    struct LargeBlock;
    struct SizeClass {
        Slab* partial = nullptr;  // slabs with at least one free and one used object
        Slab* full = nullptr;
        Slab* empty = nullptr;  // at most one cached empty slab
    };
    static constexpr usize kLargeBuckets = 64;

    Result<void*> allocate_small(unsigned class_index);
    // Frees a slab object; returns its class size, or 0 (after a report) if p is not one.
    usize free_small(void* p);
    Slab* slab_of(const void* p);
    Result<void> create_slab(unsigned class_index);
    void release_slab(Slab* slab);
    LargeBlock** find_large(const void* p);
    void report(const char* what, const void* p);
    u64 slab_magic(const void* page) const;

    PageProvider& m_pages;
    CorruptionHandler m_on_corruption;
    SizeClass m_classes[kClassCount] = {};
    LargeBlock* m_large_buckets[kLargeBuckets] = {};
    usize m_allocated_bytes = 0;
    usize m_live_allocations = 0;
    usize m_pages_held = 0;
};

}  // namespace mem
