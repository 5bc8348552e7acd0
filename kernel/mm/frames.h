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

// Frames mapped by more than one page table (private memory after fork, copy-on-write;
// shared anonymous memory). Each frame of RAM has a count of its *extra* owners, 0 for a
// frame that has one (every frame as allocate() returns it), so memory never shared costs
// nothing to track. Counts live in one table made at boot (init_sharing), 2 bytes a frame.
Result<void> init_sharing(u64 highest_address);
// One more owner of the frame (a page table mapping it too).
void share(u64 phys);
// One owner fewer: the last one frees the frame. Returns true when it was freed.
bool release(u64 phys);
// Whether other owners map the frame (a write must copy it first).
bool is_shared(u64 phys);

}  // namespace frames
