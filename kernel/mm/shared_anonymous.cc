#include "mm/shared_anonymous.h"

#include <cstring>
#include <new>

#include "arch/x86_64/layout.h"
#include "mm/frames.h"

namespace mm {

SharedAnonymous::SharedAnonymous(u64 bytes)
    : m_pages(align_up(bytes, kPageSize) / kPageSize), m_frames(new (std::nothrow) u64[m_pages]()) {}

SharedAnonymous::~SharedAnonymous() {
    if (!m_frames) return;
    for (u64 i = 0; i < m_pages; i++)
        if (m_frames[i]) frames::free(m_frames[i]);
    delete[] m_frames;
}

Result<void> SharedAnonymous::fill(u64 offset, u8* page) {
    u64 frame = TRY(shared_frame(offset));
    memcpy(page, layout::phys_to_virt(frame), kPageSize);
    return {};
}

Result<u64> SharedAnonymous::shared_frame(u64 offset) {
    u64 index = offset / kPageSize;
    if (index >= m_pages) return Error(ENXIO);
    if (u64 frame = __atomic_load_n(&m_frames[index], __ATOMIC_ACQUIRE)) return frame;
    // Two address spaces may fault the page at once (under their own locks): the first
    // to store its zeroed frame wins, the other frees its own.
    u64 frame = TRY(frames::allocate_zeroed());
    u64 expected = 0;
    if (__atomic_compare_exchange_n(&m_frames[index], &expected, frame, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return frame;
    frames::free(frame);
    return expected;
}

}  // namespace mm
