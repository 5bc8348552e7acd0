#include "fs/ext4/shared_pages.h"

#include "mm/frames.h"
#include "mm/heap.h"

namespace fs::ext4fs {

SharedPages::~SharedPages() {
    for (usize i = 0; i < m_count; i++) frames::free(m_pages[i].frame);
    for (usize i = 0; i < m_retired_count; i++) frames::free(m_retired[i].frame);
    heap::free(m_pages);
    heap::free(m_retired);
}

usize SharedPages::lower_bound(u64 index) const {
    usize low = 0, high = m_count;
    while (low < high) {
        usize middle = (low + high) / 2;
        if (m_pages[middle].index < index)
            low = middle + 1;
        else
            high = middle;
    }
    return low;
}

u64 SharedPages::find(u64 index) const {
    usize at = lower_bound(index);
    return at < m_count && m_pages[at].index == index ? m_pages[at].frame : 0;
}

Result<void> SharedPages::grow(Page*& pages, usize count, usize& capacity) {
    if (count < capacity) return {};
    usize bigger = capacity ? capacity * 2 : 16;
    auto* grown = static_cast<Page*>(TRY(heap::allocate(bigger * sizeof(Page))));
    for (usize i = 0; i < count; i++) grown[i] = pages[i];
    heap::free(pages);
    pages = grown;
    capacity = bigger;
    return {};
}

Result<void> SharedPages::insert(u64 index, u64 frame) {
    TRY(grow(m_pages, m_count, m_capacity));
    usize at = lower_bound(index);
    for (usize i = m_count; i > at; i--) m_pages[i] = m_pages[i - 1];
    m_pages[at] = {index, frame};
    m_count++;
    return {};
}

Result<void> SharedPages::retire_from(u64 index) {
    usize at = lower_bound(index);
    while (m_count > at) {
        TRY(grow(m_retired, m_retired_count, m_retired_capacity));
        m_retired[m_retired_count++] = m_pages[--m_count];
    }
    return {};
}

}  // namespace fs::ext4fs
