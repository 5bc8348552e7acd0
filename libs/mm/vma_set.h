// VmaSet: the virtual memory areas (VMAs) of one address space, as pure logic: which user
// ranges are mapped, with what protection and backing. It implements the bookkeeping of
// mmap, munmap, mprotect and mremap with Linux semantics; the kernel wraps it and does the
// page-table work the callbacks report (frames to free, PTEs to change or move).
//
// Areas live in an intrusive AVL tree ordered by start address: lookup, insert and erase
// are O(log n). Each node also carries the gap before its area and the largest gap in its
// subtree, so find_free() finds the highest hole that fits in O(log n) as well (Go and
// glibc make thousands of mappings). Adjacent areas with identical attributes are merged
// (file-backed ones only when their offsets are contiguous), so the set stays small.
//
// Every operation that needs new areas (splits) takes them from the allocator before it
// changes anything: an ENOMEM (or any other error) leaves the set exactly as it was.
// Callbacks run while the set is being changed: they must not call back into the set.
//
// Not thread-safe: the kernel keeps it under its address-space lock.
#pragma once

#include <optional>
#include <type_traits>
#include <utility>

#include "base/result.h"
#include "base/types.h"

namespace mm {

constexpr u64 kPageSize = 4 * KiB;
// The end of user space: areas lie below it (the lower half of the canonical addresses).
constexpr u64 kUserEnd = 0x0000800000000000;
// find_free() leaves this much free below a grows-down (stack) area.
constexpr u64 kStackGuardGap = kPageSize;

// Linux PROT_* bits.
constexpr u32 kProtNone = 0;
constexpr u32 kProtRead = 1;
constexpr u32 kProtWrite = 2;
constexpr u32 kProtExec = 4;

// VmaAttrs::flags.
constexpr u32 kVmaShared = 1u << 0;     // MAP_SHARED (else private)
constexpr u32 kVmaFile = 1u << 1;       // file-backed (else anonymous)
constexpr u32 kVmaGrowsDown = 1u << 2;  // MAP_GROWSDOWN: a stack
constexpr u32 kVmaNoReserve = 1u << 3;  // MAP_NORESERVE

struct VmaAttrs {
    u32 prot = kProtNone;
    u32 flags = 0;
    u64 object = 0;  // opaque backing object (file, shared memory); 0 for private anonymous
    u64 offset = 0;  // offset of the area's start in `object`; moves with front trims/splits
    u32 tag = 0;     // name in /proc/self/maps ([heap], [stack], a path id...)

    bool shared() const { return flags & kVmaShared; }
    bool file_backed() const { return flags & kVmaFile; }
    bool grows_down() const { return flags & kVmaGrowsDown; }
    bool operator==(const VmaAttrs&) const = default;
};

// A piece of an area, as reported to callbacks: attrs.offset is the offset of `start`.
struct VmaRegion {
    u64 start = 0;
    u64 end = 0;
    VmaAttrs attrs;
    u64 length() const { return end - start; }
};

// mremap moved `length` bytes of pages from old_start to new_start (the kernel moves the
// page mappings); any growth beyond `length` at the new place is fresh, unbacked memory.
struct VmaMove {
    u64 old_start = 0;
    u64 new_start = 0;
    u64 length = 0;
    VmaAttrs attrs;  // offset of new_start
};

class Vma {
public:
    u64 start() const { return m_start; }
    u64 end() const { return m_end; }
    u64 length() const { return m_end - m_start; }
    const VmaAttrs& attrs() const { return m_attrs; }
    VmaRegion region() const { return {m_start, m_end, m_attrs}; }

private:
    friend class VmaSet;
    u64 m_start = 0;
    u64 m_end = 0;
    VmaAttrs m_attrs;
    // Tree links, owned by the VmaSet the area is in.
    Vma* m_left = nullptr;
    Vma* m_right = nullptr;
    Vma* m_parent = nullptr;
    i32 m_height = 1;
    u64 m_gap = 0;      // m_start minus the end of the previous area (or minus 0)
    u64 m_max_gap = 0;  // the largest usable gap (guard excluded) before an area of the subtree
};

// Storage for areas. allocate() returns a default-constructed Vma or nullptr when out of
// memory; release() takes back what allocate() returned. Kernel: the heap; tests: new/delete.
class VmaAllocator {
public:
    virtual Vma* allocate() = 0;
    virtual void release(Vma* vma) = 0;

protected:
    ~VmaAllocator() = default;
};

// A non-owning reference to a callable (std::function without allocation). A default one
// does nothing. The callable must outlive the call it is passed to.
template <typename Signature>
class FunctionRef;

template <typename... Args>
class FunctionRef<void(Args...)> {
public:
    FunctionRef() = default;
    template <typename F>
        requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
                 std::is_invocable_v<F&, Args...>)
    FunctionRef(F&& f)  // NOLINT: implicit, so lambdas pass straight in
        : m_object(const_cast<void*>(static_cast<const void*>(&f))),
          m_call([](void* object, Args... args) {
              (*static_cast<std::remove_reference_t<F>*>(object))(std::forward<Args>(args)...);
          }) {}

    void operator()(Args... args) const {
        if (m_call) m_call(m_object, std::forward<Args>(args)...);
    }

private:
    void* m_object = nullptr;
    void (*m_call)(void*, Args...) = nullptr;
};

// Called for each range removed from the set (pages to unmap and free).
using UnmapCallback = FunctionRef<void(const VmaRegion&)>;
// Called for each range whose protection changed (region.attrs holds the new one).
using ProtectCallback = FunctionRef<void(const VmaRegion& region, u32 old_prot)>;
using MoveCallback = FunctionRef<void(const VmaMove&)>;

struct RemapRequest {
    u64 old_start = 0;
    u64 old_length = 0;
    u64 new_length = 0;
    bool may_move = false;             // MREMAP_MAYMOVE
    std::optional<u64> fixed_address;  // MREMAP_FIXED (needs may_move)
    u64 low_limit = kPageSize;         // where a moved area may go when not fixed
    u64 high_limit = kUserEnd;
};

// Errors follow Linux for the corresponding system call:
//   map:     EINVAL for length 0, an unaligned start or file offset; ENOMEM when the
//            rounded range wraps or passes user_end(); EOVERFLOW when offset+length wraps.
//   unmap:   EINVAL for length 0, an unaligned start, a range wrapping or past user_end().
//   protect: EINVAL for an unaligned start or unknown prot bits; length 0 succeeds and does
//            nothing; ENOMEM when any page of the range is unmapped (then nothing changes,
//            unlike Linux, which changes the areas before the hole).
//   remap:   see remap().
class VmaSet {
public:
    explicit VmaSet(VmaAllocator& allocator, u64 user_end = kUserEnd);
    VmaSet(const VmaSet&) = delete;
    VmaSet& operator=(const VmaSet&) = delete;
    // Releases every area without callbacks.
    ~VmaSet();

    // The area containing address, or nullptr.
    const Vma* find(u64 address) const;
    // The area containing address, else the first area above it, else nullptr.
    const Vma* first_at_or_after(u64 address) const;
    const Vma* first() const;
    const Vma* last() const;
    const Vma* next(const Vma* vma) const;  // in address order; nullptr after the last
    const Vma* prev(const Vma* vma) const;
    template <typename F>
    void for_each(F&& f) const {
        for (const Vma* v = first(); v; v = next(v)) f(*v);
    }
    usize count() const { return m_count; }
    u64 mapped_bytes() const { return m_mapped_bytes; }
    u64 user_end() const { return m_user_end; }
    // True when no area overlaps [start, start + length).
    bool is_free(u64 start, u64 length) const;

    // mmap with MAP_FIXED: maps [start, start + length) (length rounded up to pages),
    // replacing whatever was there; every replaced range goes to on_unmapped. Returns start.
    Result<u64> map(u64 start, u64 length, const VmaAttrs& attrs, UnmapCallback on_unmapped = {});
    // MAP_FIXED_NOREPLACE: EEXIST if anything overlaps the range.
    Result<u64> map_noreplace(u64 start, u64 length, const VmaAttrs& attrs);

    // A free range for length bytes: the hint (rounded up to a page) if [hint, hint+length)
    // is free, within [low_limit, high_limit) and off a stack's guard gap; else the highest
    // such range below high_limit (top-down, as Linux places mmaps below the stack).
    // EINVAL for length 0; ENOMEM when nothing fits. A hint of 0 means none.
    Result<u64> find_free(u64 length, u64 hint, u64 low_limit, u64 high_limit) const;

    // munmap: removes whatever overlaps the range (a hole is fine), splitting areas.
    Result<void> unmap(u64 start, u64 length, UnmapCallback on_unmapped = {});

    // mprotect: sets prot on the range, splitting areas at its ends.
    Result<void> protect(u64 start, u64 length, u32 prot, ProtectCallback on_changed = {});

    // mremap. Returns the new start. Without fixed_address: shrinking unmaps the tail
    // (on_unmapped); growing extends in place when the area ends at old_start+old_length
    // and the space after it is free, else moves (if may_move) to find_free(new_length, 0,
    // low_limit, high_limit), reporting on_moved. With fixed_address: whatever is at the
    // destination is unmapped first (on_unmapped), then the area moves there.
    // Errors: EINVAL for an unaligned address, new_length 0, old_length 0 (duplicating a
    // shared mapping is not supported), fixed_address without may_move, a destination
    // overlapping the source or past user_end(); EFAULT when old_start is unmapped or,
    // when growing or moving, the old range is not within one area; ENOMEM when it cannot
    // grow in place and may not move, or no free range fits.
    Result<u64> remap(const RemapRequest& request, MoveCallback on_moved = {},
                      UnmapCallback on_unmapped = {});

    // Removes every area, reporting each.
    void clear(UnmapCallback on_unmapped = {});

    // Checks every internal invariant (order, no overlap, alignment, gaps, balance,
    // counters, maximal merging). For tests and debug builds.
    bool verify() const;

    // Whether two adjacent areas would be merged into one.
    static bool mergeable(const Vma& a, const Vma& b);

private:
    class Reservation;

    Vma* mutable_find(u64 address) const;
    Vma* find_last_at_or_below(u64 address) const;  // last area with start <= address
    Vma* mutable_first_at_or_after(u64 address) const;
    static Vma* successor(const Vma* v);
    static Vma* predecessor(const Vma* v);
    static Vma* leftmost(Vma* v);
    static Vma* rightmost(Vma* v);

    // Tree maintenance.
    static i32 height(const Vma* v) { return v ? v->m_height : 0; }
    static u64 usable_gap(const Vma* v);
    static void recompute(Vma* v);
    static void update_upward(Vma* v);
    void replace_child(Vma* parent, Vma* old_child, Vma* new_child);
    void rotate_left(Vma* x);
    void rotate_right(Vma* x);
    void rebalance_upward(Vma* v);
    void tree_insert(Vma* v);
    void tree_erase(Vma* v);

    // Set operations on top of the tree; none can fail.
    void add(Vma* fresh, u64 start, u64 end, const VmaAttrs& attrs);
    void remove(Vma* v);
    void set_bounds(Vma* v, u64 start, u64 end);
    Vma* split(Vma* v, u64 at, Vma* fresh);  // returns the upper part (fresh)
    // Whether removing [start, end) must split one area in two.
    bool carve_needs_split(u64 start, u64 end) const;
    void carve(u64 start, u64 end, Reservation& reserve, UnmapCallback on_unmapped);
    Vma* merge_with_next(Vma* v);
    void merge_range(u64 start, u64 end);

    std::optional<u64> search_top_down(const Vma* v, u64 length, u64 low, u64 high) const;
    bool verify_subtree(const Vma* v, const Vma* parent, u64& max_gap, i32& height) const;

    VmaAllocator& m_allocator;
    u64 m_user_end;
    Vma* m_root = nullptr;
    usize m_count = 0;
    u64 m_mapped_bytes = 0;
};

}  // namespace mm
