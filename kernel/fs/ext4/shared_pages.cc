#include "fs/ext4/shared_pages.h"

#include "mm/frames.h"
#include "mm/heap.h"

namespace fs::ext4fs {

SharedPages::~SharedPages() {
    for (usize i = 0; i < m_count; i++) frames::free(m_pages[i].frame);
    heap::free(m_pages);
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

Result<void> SharedPages::insert(u64 index, u64 frame) {
    if (m_count == m_capacity) {
        usize bigger = m_capacity ? m_capacity * 2 : 16;
        auto* grown = static_cast<Page*>(TRY(heap::allocate(bigger * sizeof(Page))));
        for (usize i = 0; i < m_count; i++) grown[i] = m_pages[i];
        heap::free(m_pages);
        m_pages = grown;
        m_capacity = bigger;
    }
    usize at = lower_bound(index);
    for (usize i = m_count; i > at; i--) m_pages[i] = m_pages[i - 1];
    m_pages[at] = {index, frame};
    m_count++;
    return {};
}

}  // namespace fs::ext4fs
