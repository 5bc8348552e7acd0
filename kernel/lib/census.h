// The kernel's own use of memory and objects at one moment: what a leak check compares
// (docs/reliability.md). /proc/osprey/objects shows it; the kernel log gets it at power-off.
#pragma once

#include "base/types.h"
#include "lib/object_counts.h"
#include "text/format.h"

namespace census {

struct Census {
    u64 free_frames;
    u64 heap_bytes;        // allocated from the kernel heap, live
    u64 heap_allocations;  // live heap objects
    u64 heap_pages;        // pages the heap holds (live objects and cached slabs)
    u64 threads;           // kernel and application threads, the idle ones included
    u64 kernel_stacks;
    u64 objects[static_cast<usize>(objects::Kind::Count)];
};

Census take();
// `name value` lines, one per figure.
void render(text::Sink& out, const Census& census);
// One line on the kernel log (at info level).
void log(const char* when);

}  // namespace census
