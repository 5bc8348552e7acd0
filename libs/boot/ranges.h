// Physical address range arithmetic for computing free memory at boot: a fixed-capacity set
// of disjoint, sorted, half-open [start, end) ranges. It never allocates, because it runs
// before the frame allocator exists (it is what the frame allocator is seeded from).
#pragma once

#include <array>
#include <span>

#include "base/result.h"
#include "base/types.h"

namespace boot {

struct BootInfo;

struct PhysRange {
    u64 start;
    u64 end;  // exclusive
    u64 size() const { return end > start ? end - start : 0; }
    bool empty() const { return end <= start; }
    bool operator==(const PhysRange&) const = default;
};

// Half-open ranges cannot reach 2^64; the last byte of the address space is never usable
// memory anyway, so ranges that would end there are clamped to u64 max.
constexpr u64 range_end(u64 start, u64 size) {
    return size > ~u64(0) - start ? ~u64(0) : start + size;
}

class RangeSet {
public:
    static constexpr usize kCapacity = 256;

    // Adds [start, end), merging with overlapping and adjacent ranges. ENOSPC when the range
    // needs a new slot and the set is full; the set is then unchanged.
    Result<void> add(u64 start, u64 end);
    // Removes [start, end), splitting a range that contains it. ENOSPC when a split needs a
    // slot and the set is full; the set is then unchanged.
    Result<void> subtract(u64 start, u64 end);
    // Shrinks every range to whole alignment units (start up, end down); drops empty ones.
    void align_inward(u64 alignment);
    void clear() { m_count = 0; }

    bool contains(u64 start, u64 end) const;  // [start, end) lies entirely inside one range
    u64 total() const;
    usize size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    std::span<const PhysRange> ranges() const { return {m_ranges.data(), m_count}; }
    const PhysRange* begin() const { return m_ranges.data(); }
    const PhysRange* end() const { return m_ranges.data() + m_count; }

private:
    void erase(usize first, usize last);
    void insert_at(usize index, PhysRange range);

    std::array<PhysRange, kCapacity> m_ranges {};
    usize m_count = 0;
};

// Memory below 1 MiB holds the BIOS data area, EBDA, VGA and option ROMs on PC machines;
// firmware maps do not always mark all of it, so it is never handed out.
constexpr u64 kLowMemoryEnd = 1 * MiB;

// Fills `free` with page-aligned usable memory: RAM entries of the memory map, minus every
// non-RAM entry (firmware maps can overlap), minus the ranges the boot handed over, minus
// `extra_reserved` (kernel image, early page tables), minus the first 1 MiB. An out
// parameter rather than Result<RangeSet> because the set is 4 KiB and this runs on the
// small early-boot stack. ENOSPC if the map is too fragmented for the set.
Result<void> compute_free_memory(const BootInfo& info, std::span<const PhysRange> extra_reserved,
                                 RangeSet& free);

}  // namespace boot
