// Block group descriptors (32 bytes, or desc_size >= 64 with the 64bit feature), stored in
// the blocks after the superblock, or spread over the groups with meta_bg. Each says where
// its group's bitmaps and inode table lie and how much of the group is free.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4 {

// bg_flags
constexpr u16 kGroupInodeUninit = 0x1;  // inode bitmap and table never initialised: all free
constexpr u16 kGroupBlockUninit = 0x2;  // block bitmap never initialised
constexpr u16 kGroupInodeZeroed = 0x4;

struct GroupDesc {
    u64 block_bitmap = 0;
    u64 inode_bitmap = 0;
    u64 inode_table = 0;
    u32 free_blocks = 0;
    u32 free_inodes = 0;
    u32 used_dirs = 0;
    u32 itable_unused = 0;
    u16 flags = 0;
    u32 block_bitmap_csum = 0;  // low 16 bits only with 32-byte descriptors
    u32 inode_bitmap_csum = 0;
    u16 checksum = 0;
};

// Where the descriptor of `group` lies: a block number and a byte offset inside it.
struct DescLocation {
    u64 block = 0;
    u32 offset = 0;
};
DescLocation group_desc_location(const Superblock& sb, u32 group);

// Parses one descriptor (sb.desc_size bytes) and checks it: its checksum (metadata_csum or
// gdt_csum), bitmaps and inode table inside the volume (inside the group without flex_bg),
// free counts no more than the group holds. EINVAL with `diagnosis` otherwise.
Result<GroupDesc> parse_group_desc(const Superblock& sb, std::span<const u8> bytes, u32 group,
                                   Diagnosis* diagnosis = nullptr);

// Writes `desc` into `bytes` (sb.desc_size of them) and its checksum, leaving fields this
// library does not model (exclude bitmap, reserved) as they were.
void encode_group_desc(const Superblock& sb, const GroupDesc& desc, std::span<u8> bytes, u32 group);

// The descriptor's checksum as the stored one should be: crc32c (metadata_csum), crc16
// (gdt_csum), or 0 when neither feature is on.
u16 group_desc_checksum(const Superblock& sb, std::span<const u8> bytes, u32 group);

// Bitmap checksums (metadata_csum): crc32c over the bits the group uses.
u32 block_bitmap_checksum(const Superblock& sb, std::span<const u8> bitmap);
u32 inode_bitmap_checksum(const Superblock& sb, std::span<const u8> bitmap);

// What a group's bitmaps hold while the *_UNINIT flags say they were never written, as
// Linux builds them when it first allocates there: the block bitmap marks the group's
// superblock copy, descriptor and reserved descriptor blocks, its own bitmaps and inode
// table when they lie inside it, and the bits past the group's last block; the inode
// bitmap marks only the bits past inodes_per_group. `bitmap` is block_size bytes.
void fill_uninit_block_bitmap(const Superblock& sb, u32 group, const GroupDesc& desc, std::span<u8> bitmap);
void fill_uninit_inode_bitmap(const Superblock& sb, std::span<u8> bitmap);

// Whether the *_UNINIT flags mean anything: only with gdt_csum or metadata_csum.
inline bool uninit_flags_apply(const Superblock& sb) {
    return sb.metadata_csum() || sb.has_ro_compat(ro_compat::kGdtCsum);
}

// Blocks one group's inode table takes.
inline u32 inode_table_blocks(const Superblock& sb) {
    return u32((u64(sb.inodes_per_group) * sb.inode_size + sb.block_size - 1) / sb.block_size);
}

}  // namespace ext4
