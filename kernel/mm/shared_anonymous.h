// The memory of a MAP_SHARED|MAP_ANONYMOUS mapping: pages made on first touch and kept
// here, so every address space mapping it (the processes a fork made) sees the same
// frames. Freed with the last area mapping it, in the last address space.
#pragma once

#include "mm/address_space.h"

namespace mm {

class SharedAnonymous final : public Backing {
public:
    // `bytes` rounded up to pages. Check valid() (the page list may not be had).
    explicit SharedAnonymous(u64 bytes);
    ~SharedAnonymous() override;
    bool valid() const { return m_frames != nullptr; }

    Result<void> fill(u64 offset, u8* page) override;
    // The page at `offset`, zeroed when first asked for. ENXIO past the end, ENOMEM.
    Result<u64> shared_frame(u64 offset) override;
    const char* path() const override { return "/dev/zero (deleted)"; }
    bool freed_with_last_mapping() const override { return true; }

private:
    u64 m_pages;
    u64* m_frames;  // physical frame of each page, 0 until touched; set with compare-exchange
};

}  // namespace mm
