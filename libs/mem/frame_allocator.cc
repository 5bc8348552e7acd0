#include "mem/frame_allocator.h"

#include <algorithm>
#include <bit>
#include <limits>

namespace mem {

namespace {

// The largest order whose block starts at `phys` (natural alignment) and ends by `end`.
unsigned largest_fitting_order(u64 phys, u64 end, unsigned max_order) {
    unsigned order = max_order;
    u64 frame_number = phys / kFrameSize;
    if (frame_number != 0) order = std::min<unsigned>(order, std::countr_zero(frame_number));
    while ((kFrameSize << order) > end - phys) order--;
    return order;
}

}  // namespace

bool FrameAllocator::is_managed(u64 phys, u64 bytes) const {
    if (phys > std::numeric_limits<u64>::max() - bytes) return false;
    for (usize i = 0; i < m_range_count; i++) {
        if (m_ranges[i].start <= phys && phys + bytes <= m_ranges[i].end) return true;
    }
    return false;
}

bool FrameAllocator::is_free_block(u64 phys, unsigned order) const {
    if (order > kMaxOrder || !is_aligned(phys, block_bytes(order))) return false;
    if (!is_managed(phys, block_bytes(order))) return false;
    const FreeBlock* block = header(phys);
    if (block->magic != (kFreeMagic ^ phys) || block->order != order) return false;
    // The magic alone could be forged by data in an allocated block; list membership
    // cannot, because a neighbour on the list must point back at it.
    bool linked_before = block->prev ? block->prev->next == block : m_free_lists[order] == block;
    bool linked_after = !block->next || block->next->prev == block;
    return linked_before && linked_after;
}

void FrameAllocator::push(u64 phys, unsigned order) {
    FreeBlock* block = header(phys);
    block->magic = kFreeMagic ^ phys;
    block->order = order;
    block->prev = nullptr;
    block->next = m_free_lists[order];
    if (block->next) block->next->prev = block;
    m_free_lists[order] = block;
    m_free_block_count[order]++;
}

void FrameAllocator::unlink(FreeBlock* block, unsigned order) {
    if (block->prev)
        block->prev->next = block->next;
    else
        m_free_lists[order] = block->next;
    if (block->next) block->next->prev = block->prev;
    // A block that leaves the lists must stop looking free, or a later double free or a
    // buddy check would trust the stale header.
    block->magic = 0;
    m_free_block_count[order]--;
}

void FrameAllocator::insert_and_merge(u64 phys, unsigned order) {
    m_frames_free += usize{1} << order;
    while (order < kMaxOrder) {
        u64 buddy = phys ^ block_bytes(order);
        if (!is_free_block(buddy, order)) break;
        unlink(header(buddy), order);
        phys = std::min(phys, buddy);
        order++;
    }
    push(phys, order);
}

void FrameAllocator::insert_range(u64 start, u64 end) {
    while (start < end) {
        unsigned order = largest_fitting_order(start, end, kMaxOrder);
        insert_and_merge(start, order);
        start += block_bytes(order);
    }
}

void FrameAllocator::add_range(u64 start, u64 end) {
    u64 first = align_up(start, block_bytes(kMaxOrder)), last = align_down(end, block_bytes(kMaxOrder));
    if (first >= last || m_untouched_count == kMaxRanges) {
        insert_range(start, end);
        return;
    }
    insert_range(start, first);
    insert_range(last, end);
    m_untouched[m_untouched_count++] = {first, last};
    usize blocks = (last - first) / block_bytes(kMaxOrder);
    m_untouched_blocks += blocks;
    m_frames_free += blocks << kMaxOrder;
}

bool FrameAllocator::touch_one_block() {
    if (m_untouched_count == 0) return false;
    // The lowest block of the last run: memory is backed from low addresses up.
    Range& run = m_untouched[m_untouched_count - 1];
    u64 phys = run.start;
    run.start += block_bytes(kMaxOrder);
    if (run.start == run.end) m_untouched_count--;
    m_untouched_blocks--;
    push(phys, kMaxOrder);
    return true;
}

bool FrameAllocator::is_untouched(u64 phys, u64 bytes) const {
    for (usize i = 0; i < m_untouched_count; i++)
        if (phys < m_untouched[i].end && m_untouched[i].start < phys + bytes) return true;
    return false;
}

void FrameAllocator::report(const char* what, u64 phys) {
    if (!m_on_corruption) __builtin_trap();
    m_on_corruption(what, phys);
}

Result<void> FrameAllocator::add_free_range(u64 phys_start, u64 phys_end) {
    if (phys_end < phys_start) return Error(EINVAL);
    if (phys_start > std::numeric_limits<u64>::max() - (kFrameSize - 1)) return {};
    u64 start = align_up(phys_start, kFrameSize);
    u64 end = align_down(phys_end, kFrameSize);
    if (start >= end) return {};

    bool has_neighbour = false;
    for (usize i = 0; i < m_range_count; i++) {
        const Range& r = m_ranges[i];
        if (start < r.end && r.start < end) return Error(EINVAL);
        if (r.end == start || r.start == end) has_neighbour = true;
    }
    if (!has_neighbour && m_range_count == kMaxRanges) return Error(ENOSPC);

    // Coalesce with the ranges that touch it, so a buddy pair spanning two calls is one
    // managed range and can merge.
    Range merged{start, end};
    for (usize i = 0; i < m_range_count;) {
        if (m_ranges[i].end == merged.start || m_ranges[i].start == merged.end) {
            merged.start = std::min(merged.start, m_ranges[i].start);
            merged.end = std::max(merged.end, m_ranges[i].end);
            m_ranges[i] = m_ranges[--m_range_count];
        } else {
            i++;
        }
    }
    m_ranges[m_range_count++] = merged;

    m_frames_total += (end - start) / kFrameSize;
    add_range(start, end);
    return {};
}

Result<u64> FrameAllocator::allocate(unsigned order) {
    if (order > kMaxOrder) return Error(EINVAL);
    unsigned found = order;
    while (found <= kMaxOrder && !m_free_lists[found]) found++;
    if (found > kMaxOrder) {
        if (!touch_one_block()) return Error(ENOMEM);
        found = kMaxOrder;
    }

    FreeBlock* block = m_free_lists[found];
    u64 phys = phys_of(block);
    unlink(block, found);
    // Split down, keeping the lower half and freeing the upper halves.
    while (found > order) {
        found--;
        push(phys + block_bytes(found), found);
    }
    m_frames_free -= usize{1} << order;
    return phys;
}

bool FrameAllocator::check_free(u64 phys, unsigned order) {
    if (order > kMaxOrder) {
        report("frame free with order above kMaxOrder", phys);
        return false;
    }
    if (!is_aligned(phys, block_bytes(order))) {
        report("frame free of a misaligned block", phys);
        return false;
    }
    if (!is_managed(phys, block_bytes(order))) {
        report("frame free of memory the allocator does not manage", phys);
        return false;
    }
    // Never handed out: still untouched.
    if (is_untouched(phys, block_bytes(order))) {
        report("frame double free", phys);
        return false;
    }
    // The block is free itself, or lies inside a larger free block it was merged into.
    for (unsigned o = order; o <= kMaxOrder; o++) {
        if (is_free_block(align_down(phys, block_bytes(o)), o)) {
            report("frame double free", phys);
            return false;
        }
    }
    // FIXME: a free whose order is too large, covering a smaller block that is already
    // free, is not caught; catching it means checking 2^order sub-blocks.
    return true;
}

void FrameAllocator::free(u64 phys, unsigned order) {
    if (check_free(phys, order)) insert_and_merge(phys, order);
}

Result<u64> FrameAllocator::allocate_frames(usize count) {
    if (count == 0) return Error(EINVAL);
    if (count > (usize{1} << kMaxOrder)) return Error(ENOMEM);
    unsigned order = std::bit_width(count - 1);
    u64 phys = TRY(allocate(order));
    insert_range(phys + count * kFrameSize, phys + block_bytes(order));
    return phys;
}

void FrameAllocator::free_frames(u64 phys, usize count) {
    if (!is_aligned(phys, kFrameSize)) {
        report("frame free of a misaligned block", phys);
        return;
    }
    if (count == 0) return;
    if (!is_managed(phys, count * kFrameSize)) {
        report("frame free of memory the allocator does not manage", phys);
        return;
    }
    u64 end = phys + count * kFrameSize;
    // Check every piece before changing anything, so a bad call leaves the lists intact.
    for (u64 p = phys; p < end;) {
        unsigned order = largest_fitting_order(p, end, kMaxOrder);
        if (!check_free(p, order)) return;
        p += block_bytes(order);
    }
    for (u64 p = phys; p < end;) {
        unsigned order = largest_fitting_order(p, end, kMaxOrder);
        insert_and_merge(p, order);
        p += block_bytes(order);
    }
}

}  // namespace mem
