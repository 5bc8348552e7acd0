// The pages of an ext4 file that MAP_SHARED mappings map: the file's one copy of each page
// while it is mapped, so every mapping (and read(2) and write(2)) sees the same bytes, as
// with Linux's page cache (docs/storage.md, "Shared mappings of disk files"). A page is
// read from the disk at its first fault and kept, with its frame, until the inode goes
// (the mappings hold the inode), past a truncate too: a mapping may still have it in its
// page tables, and a file grown again finds the same page.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace fs::ext4fs {

class SharedPages {
public:
    SharedPages() = default;
    SharedPages(const SharedPages&) = delete;
    SharedPages& operator=(const SharedPages&) = delete;
    ~SharedPages();  // every frame freed

    bool empty() const { return m_count == 0; }
    // The frame of page `index` (of kPage bytes), 0 when it has none.
    u64 find(u64 index) const;
    // Takes `frame` (a physical address) as page `index`'s. ENOMEM.
    Result<void> insert(u64 index, u64 frame);
    // f(index, frame) for each page in [first, last], in order.
    template <typename F>
    void for_range(u64 first, u64 last, F&& f) const {
        for (usize i = lower_bound(first); i < m_count && m_pages[i].index <= last; i++) f(m_pages[i].index, m_pages[i].frame);
    }

private:
    struct Page {
        u64 index;
        u64 frame;
    };
    usize lower_bound(u64 index) const;

    Page* m_pages = nullptr;  // sorted by index
    usize m_count = 0, m_capacity = 0;
};

}  // namespace fs::ext4fs
