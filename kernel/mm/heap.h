// The kernel heap: libs/mem's size-class heap behind a lock, with pages from the frame
// allocator reached through the direct map. operator new/delete use it.
#pragma once

#include "base/result.h"

namespace heap {

Result<void*> allocate(usize size, usize align = 16);
void free(void* p);

struct Stats {
    usize allocated_bytes;
    usize live_allocations;
    usize pages_held;
};
Stats stats();
// Gives cached empty slabs back to the frame allocator (for memory-level checks).
void trim();

}  // namespace heap
