// The kernel's physical frame allocator: libs/mem's buddy allocator behind a lock, fed from
// the PVH memory map (mm/memory_init.cc).
#pragma once

#include "base/result.h"
#include "mem/frame_allocator.h"

namespace frames {

constexpr u64 kFrameSize = mem::kFrameSize;

Result<void> add_free_range(u64 start, u64 end);
Result<u64> allocate(unsigned order = 0);
void free(u64 phys, unsigned order = 0);
Result<u64> allocate_frames(usize count);
void free_frames(u64 phys, usize count);
// One frame, filled with zeros (page tables, fresh stacks).
Result<u64> allocate_zeroed();

usize free_count();
usize total_count();

}  // namespace frames
