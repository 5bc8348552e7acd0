// Hashed directory index (directory.rst, "Hash Tree Directories"). Block 0 of an indexed
// directory is the dx_root: "." and ".." entries, then dx_root_info (hash version, depth)
// and an array of (hash, block) pairs whose first slot holds limit and count instead of a
// hash. Deeper levels are dx_node blocks: a fake empty entry over the whole block, then
// the same array. Under metadata_csum a dx_tail (reserved, crc32c) follows `limit` slots.
// The lookup that walks these (reading blocks) is in volume.h.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4 {

struct DxNode {
    u32 entries_offset = 0;  // of the limit/count slot
    u16 limit = 0;
    u16 count = 0;           // entries in use, the first included
    u8 hash_version = 0;     // dx_root only
    u8 indirect_levels = 0;  // dx_root only: levels of dx_node below the root
};

struct DxEntry {
    u32 hash = 0;  // the first entry's hash is 0: it covers everything below entry 1
    u32 block = 0; // logical block of the directory
};

// Checks a dx_root or dx_node block: fake entries, root info, limit as the block size
// gives it, 1 <= count <= limit, hashes in order and (metadata_csum) the dx_tail crc32c.
// EINVAL with `diagnosis` otherwise.
Result<DxNode> parse_dx_root(const Superblock& sb, std::span<const u8> block, u32 inode_seed,
                             Diagnosis* diagnosis = nullptr);
Result<DxNode> parse_dx_node(const Superblock& sb, std::span<const u8> block, u32 inode_seed,
                             Diagnosis* diagnosis = nullptr);

// The dx_tail crc32c (metadata_csum): over the entries in use and the whole tail with its
// checksum field as zero.
u32 dx_checksum(std::span<const u8> block, const DxNode& node, u32 inode_seed);

DxEntry dx_entry_at(std::span<const u8> block, const DxNode& node, u16 index);

// The entry whose subtree holds `hash`: the last one with entry.hash <= hash.
u16 dx_find(std::span<const u8> block, const DxNode& node, u32 hash);

// Deepest dx_node level allowed below the root (2 with largedir, else 1).
inline u8 dx_max_levels(const Superblock& sb) { return sb.has_incompat(incompat::kLargeDir) ? 2 : 1; }

}  // namespace ext4
