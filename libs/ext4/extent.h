// Extent tree nodes (Documentation/filesystems/ext4/dynamic.rst, "Extent Tree"). A node is
// a 12-byte header and 12-byte entries: indexes pointing at child nodes (depth > 0) or
// extents mapping a run of logical blocks to physical ones (depth 0). The root lives in the
// inode's i_block (4 entries); other nodes fill a block, with a crc32c tail after eh_max
// entries under metadata_csum. The walk itself (reading the children) is in volume.h.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4 {

constexpr u16 kExtentMagic = 0xF30A;
constexpr u16 kMaxExtentDepth = 5;
constexpr usize kExtentEntrySize = 12;
constexpr u32 kMaxInitExtentLength = 32768;  // longer ee_len values mark unwritten extents

struct ExtentHeader {
    u16 entries = 0;
    u16 max = 0;
    u16 depth = 0;
};

struct Extent {
    u32 logical = 0;
    u32 length = 0;  // blocks, 1 .. 32768
    u64 physical = 0;
    bool unwritten = false;  // allocated but never written: reads as zeros
};

struct ExtentIndex {
    u32 logical = 0;  // first logical block the child covers
    u64 child = 0;    // block of the child node
};

// Checks a node: magic, entries <= max, max fits the node, depth no more than the limit,
// entries sorted by logical block without overlap, every block inside the volume and,
// when `logical_end` is given, every extent ending at or before it (the parent's bound).
// EINVAL with `diagnosis` otherwise.
Result<ExtentHeader> check_extent_node(const Superblock& sb, std::span<const u8> node,
                                       u64 logical_end, Diagnosis* diagnosis = nullptr);

Extent extent_at(std::span<const u8> node, u16 index);
ExtentIndex extent_index_at(std::span<const u8> node, u16 index);

// Tail checksum of a node block (metadata_csum): crc32c from the inode's seed over the
// header and eh_max entries; the tail follows them.
u32 extent_block_checksum(std::span<const u8> node, u32 inode_seed);
u32 stored_extent_checksum(std::span<const u8> node);
// Offset of the tail: 12 + 12 * eh_max.
inline usize extent_tail_offset(u16 max) { return kExtentEntrySize * (usize(max) + 1); }

// Writers (for the kernel's write path): an empty leaf root in i_block, and adding one
// extent to a leaf node in order. ENOSPC when the node is full, EINVAL when the extent
// overlaps one already there or the node is not a leaf.
void init_extent_root(std::span<u8> i_block);
Result<void> insert_extent(std::span<u8> node, const Extent& extent);
void set_extent_block_checksum(std::span<u8> node, u32 inode_seed);

}  // namespace ext4
