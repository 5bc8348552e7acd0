// Physical page-frame allocator: a binary buddy allocator over 4 KiB frames.
//
// It hands out physical addresses but keeps no per-frame array: each free block carries
// its own header (magic, order, list links) in its first bytes, reached through the
// direct map (virtual = physical + direct_map_offset). Whether a buddy is free is an O(1)
// check of that header plus its doubly linked list neighbours, so a stale or forged header
// in allocated memory is not mistaken for a free block.
//
// Memory given to it is not touched until it is needed: the whole maximal blocks of a range
// wait on an untouched list (no header written) and go to the free lists one at a time when
// those run dry. A VM's RAM is host memory that the host backs on first touch (QEMU asks
// for transparent huge pages, zeroed 2 MiB at a time): writing a header into every 4 MiB
// block at boot made the host back all of the guest's RAM before the program ran.
//
// Not thread-safe: the kernel wraps the allocator in its own lock.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace mem {

constexpr u64 kFrameSize = 4 * KiB;

class FrameAllocator {
public:
    // Blocks of order n are 2^n frames; order 10 is 4 MiB.
    static constexpr unsigned kMaxOrder = 10;
    // The free ranges are remembered (adjacent ones coalesced) so the allocator never
    // reads a buddy header outside memory it was given. Firmware maps have far fewer.
    static constexpr usize kMaxRanges = 64;

    // Called on misuse (double free, free of memory never added, misaligned free). The
    // kernel passes its panic; if the handler returns, the call is ignored and the free
    // lists are left untouched. nullptr traps.
    using CorruptionHandler = void (*)(const char* what, u64 phys);

    constexpr explicit FrameAllocator(u64 direct_map_offset, CorruptionHandler on_corruption = nullptr)
        : m_direct_map_offset(direct_map_offset), m_on_corruption(on_corruption) {}
    FrameAllocator(const FrameAllocator&) = delete;
    FrameAllocator& operator=(const FrameAllocator&) = delete;

    // Gives [phys_start, phys_end) to the allocator. Any alignment: the range is trimmed to
    // whole frames and split into maximal naturally aligned blocks, which merge with
    // blocks of adjacent ranges. EINVAL if it overlaps memory already given; ENOSPC if
    // the range table is full (the memory is then not used).
    Result<void> add_free_range(u64 phys_start, u64 phys_end);

    // 2^order contiguous frames, aligned to their size. EINVAL for order > kMaxOrder,
    // ENOMEM when no block is large enough.
    Result<u64> allocate(unsigned order);
    void free(u64 phys, unsigned order);

    // `count` contiguous frames (1 <= count <= 2^kMaxOrder), aligned to the next power of
    // two. The tail of the rounded-up block goes straight back to the free lists, so
    // exactly `count` frames are used. free_frames() may release any run of allocated
    // frames, e.g. part of what allocate_frames() returned.
    Result<u64> allocate_frames(usize count);
    void free_frames(u64 phys, usize count);

    usize frames_free() const { return m_frames_free; }
    usize frames_total() const { return m_frames_total; }
    // How many free blocks of exactly this order exist (untouched ones are of kMaxOrder):
    // lets tests see merging.
    usize free_blocks(unsigned order) const {
        if (order > kMaxOrder) return 0;
        return m_free_block_count[order] + (order == kMaxOrder ? m_untouched_blocks : 0);
    }
    // The blocks (of kMaxOrder) never touched yet.
    usize untouched_blocks() const { return m_untouched_blocks; }
    // Whether [phys, phys + 2^order frames) is one free block on the free lists.
    bool is_free_block(u64 phys, unsigned order) const;

private:
    struct FreeBlock {
        u64 magic;  // kFreeMagic ^ physical address: a copied page does not look free
        u64 order;
        FreeBlock* prev;
        FreeBlock* next;
    };
    struct Range {
        u64 start;
        u64 end;
    };

    static constexpr u64 kFreeMagic = 0x6f73707265794642;  // "osprey" "FB"
    static constexpr u64 block_bytes(unsigned order) { return kFrameSize << order; }

    FreeBlock* header(u64 phys) const { return reinterpret_cast<FreeBlock*>(phys + m_direct_map_offset); }
    u64 phys_of(const FreeBlock* block) const { return reinterpret_cast<uptr>(block) - m_direct_map_offset; }
    bool is_managed(u64 phys, u64 bytes) const;
    void push(u64 phys, unsigned order);
    void unlink(FreeBlock* block, unsigned order);
    // Inserts a block that is known not to be free, merging it with free buddies.
    void insert_and_merge(u64 phys, unsigned order);
    // Inserts [start, end) (frame aligned) as maximal aligned blocks.
    void insert_range(u64 start, u64 end);
    // Memory given by add_free_range: its whole kMaxOrder blocks to the untouched list, the
    // pieces before and after them to the free lists.
    void add_range(u64 start, u64 end);
    // Moves one untouched block to the kMaxOrder free list; false when there is none.
    bool touch_one_block();
    bool is_untouched(u64 phys, u64 bytes) const;
    // Checks that a free of [phys, 2^order frames) is legal; reports and returns false if not.
    bool check_free(u64 phys, unsigned order);
    void report(const char* what, u64 phys);

    u64 m_direct_map_offset;
    CorruptionHandler m_on_corruption;
    FreeBlock* m_free_lists[kMaxOrder + 1] = {};
    usize m_free_block_count[kMaxOrder + 1] = {};
    Range m_ranges[kMaxRanges] = {};
    usize m_range_count = 0;
    // Runs of whole kMaxOrder blocks not yet touched (one per range given, at most).
    Range m_untouched[kMaxRanges] = {};
    usize m_untouched_count = 0;
    usize m_untouched_blocks = 0;
    usize m_frames_free = 0;
    usize m_frames_total = 0;
};

}  // namespace mem
