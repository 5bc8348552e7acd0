#include "boot/ranges.h"

#include <algorithm>

#include "boot/pvh.h"

namespace boot {

// Element loops rather than std::copy, which lowers to memmove, absent from the kernel.
void RangeSet::erase(usize first, usize last) {
    for (usize from = last, to = first; from < m_count; ++from, ++to) m_ranges[to] = m_ranges[from];
    m_count -= last - first;
}

void RangeSet::insert_at(usize index, PhysRange range) {
    for (usize i = m_count; i > index; --i) m_ranges[i] = m_ranges[i - 1];
    m_ranges[index] = range;
    ++m_count;
}

Result<void> RangeSet::add(u64 start, u64 end) {
    if (start >= end) return {};
    // [first, last) are the ranges that touch [start, end), adjacency included.
    usize first = 0;
    while (first < m_count && m_ranges[first].end < start) ++first;
    usize last = first;
    while (last < m_count && m_ranges[last].start <= end) ++last;
    if (first == last) {
        if (m_count == kCapacity) return Error(ENOSPC);
        insert_at(first, {start, end});
        return {};
    }
    PhysRange merged {std::min(start, m_ranges[first].start),
                      std::max(end, m_ranges[last - 1].end)};
    m_ranges[first] = merged;
    erase(first + 1, last);
    return {};
}

Result<void> RangeSet::subtract(u64 start, u64 end) {
    if (start >= end) return {};
    usize first = 0;
    while (first < m_count && m_ranges[first].end <= start) ++first;
    if (first == m_count) return {};

    PhysRange& around = m_ranges[first];
    if (around.start < start && around.end > end) {
        if (m_count == kCapacity) return Error(ENOSPC);
        PhysRange upper {end, around.end};
        around.end = start;
        insert_at(first + 1, upper);
        return {};
    }

    // Ranges are disjoint, so at most the first is cut at its end and the last at its start;
    // everything in between lies inside [start, end) and goes.
    usize write = first;
    usize read = first;
    for (; read < m_count && m_ranges[read].start < end; ++read) {
        PhysRange range = m_ranges[read];
        if (range.start < start)
            range.end = start;
        else if (range.end > end)
            range.start = end;
        else
            continue;
        m_ranges[write++] = range;
    }
    erase(write, read);
    return {};
}

void RangeSet::align_inward(u64 alignment) {
    usize write = 0;
    for (usize read = 0; read < m_count; ++read) {
        PhysRange range = m_ranges[read];
        // align_up would wrap for a start in the last alignment unit of the address space.
        if (range.start > align_down(~u64(0), alignment)) continue;
        range.start = align_up(range.start, alignment);
        range.end = align_down(range.end, alignment);
        if (range.empty()) continue;
        m_ranges[write++] = range;
    }
    m_count = write;
}

bool RangeSet::contains(u64 start, u64 end) const {
    for (const PhysRange& range : ranges())
        if (range.start <= start && end <= range.end) return true;
    return false;
}

u64 RangeSet::total() const {
    u64 sum = 0;
    for (const PhysRange& range : ranges()) sum += range.size();
    return sum;
}

Result<void> compute_free_memory(const BootInfo& info, std::span<const PhysRange> extra_reserved,
                                 RangeSet& free) {
    free.clear();
    for (const MemoryRegion& region : info.memory_map())
        if (region.type == MemoryType::Ram) TRY(free.add(region.start(), region.end()));
    // Subtract after all RAM is in: a reserved entry listed before the RAM entry it
    // overlaps must still win.
    for (const MemoryRegion& region : info.memory_map())
        if (region.type != MemoryType::Ram) TRY(free.subtract(region.start(), region.end()));
    for (const PhysRange& range : info.reserved_ranges()) TRY(free.subtract(range.start, range.end));
    for (const PhysRange& range : extra_reserved) TRY(free.subtract(range.start, range.end));
    TRY(free.subtract(0, kLowMemoryEnd));
    free.align_inward(4096);
    return {};
}

}  // namespace boot
