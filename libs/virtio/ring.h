// The split virtqueue's memory format (virtio 1.2, section 2.7): what driver and device
// share. Little-endian, as x86 is; the rings live in one block laid out by ring_layout().
#pragma once

#include "base/types.h"

namespace virtio {

// A descriptor: one buffer in guest-physical memory (2.7.5).
struct Descriptor {
    u64 address;
    u32 length;
    u16 flags;
    u16 next;
};
static_assert(sizeof(Descriptor) == 16);

constexpr u16 kDescriptorNext = 1;      // the chain continues at `next`
constexpr u16 kDescriptorWrite = 2;     // device-writable (otherwise device-readable)
constexpr u16 kDescriptorIndirect = 4;  // the buffer is a table of descriptors (not used)

// One used-ring element: the head of a chain the device is done with, and how many bytes
// it wrote into the chain's writable part (2.7.8).
struct UsedElement {
    u32 id;
    u32 length;
};
static_assert(sizeof(UsedElement) == 8);

constexpr u16 kAvailNoInterrupt = 1;  // avail.flags: the driver asks for no interrupts
constexpr u16 kUsedNoNotify = 1;      // used.flags: the device asks for no notifications

// Where each part of a queue of `size` entries lies in its block:
//   descriptor table  size * 16 bytes, 16-aligned
//   available ring    flags, idx, ring[size], used_event   (2-aligned)
//   used ring         flags, idx, ring[size] (8 each), avail_event   (4-aligned)
struct RingLayout {
    usize descriptors;
    usize available;
    usize used;
    usize total;
};

constexpr RingLayout ring_layout(u16 size) {
    usize descriptors = 0;
    usize available = descriptors + 16 * usize(size);
    usize used = align_up(available + 4 + 2 * usize(size) + 2, 4);
    usize total = used + 4 + 8 * usize(size) + 2;
    return {descriptors, available, used, total};
}

// The event-index test both sides use (2.7.7.2 and 2.7.10): an index moved from `old_index`
// to `new_index`, and the other side asked to hear when it passes `event`.
constexpr bool need_event(u16 event, u16 new_index, u16 old_index) {
    return u16(new_index - event - 1) < u16(new_index - old_index);
}

// The fences between driver and device. On x86 the first two cost nothing but keep the
// compiler from reordering; the full one is an mfence (a store followed by a load of a
// different location is the one reordering x86 does). The compiler's builtins, not
// <atomic>, which the kernel keeps out (kernel/lib/atomic.h says why).
inline void fence_before_publish() { __atomic_thread_fence(__ATOMIC_RELEASE); }
inline void fence_after_observe() { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
inline void fence_full() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

}  // namespace virtio
