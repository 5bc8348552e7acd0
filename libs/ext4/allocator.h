// Block and inode allocation for the ext4 writer: bitmaps, group descriptors and the
// superblock's free counts changed together, with their checksums (crc32c under
// metadata_csum, crc16 under gdt_csum), through a BlockStore. A group whose bitmap was
// never initialised (*_UNINIT) gets the bitmap Linux would build the first time it is
// used. ENOSPC when nothing is free, found before anything is changed; after any other
// failure (the store's, or a bitmap that disagrees with its descriptor: EINVAL) the
// caller drops the transaction.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "ext4/group_desc.h"
#include "ext4/superblock.h"
#include "ext4/transaction.h"

namespace ext4 {

struct BlockRun {
    u64 start = 0;
    u32 count = 0;
};

class Allocator {
public:
    Allocator(BlockStore& store, const Superblock& sb) : m_store(store), m_sb(sb) {}

    // 1 .. `want` contiguous free blocks, the first free one at or after `goal` (wrapping
    // over the groups), as long a run from there as is free.
    Result<BlockRun> allocate_blocks(u64 goal, u32 want);
    // Frees blocks (the run may cross groups). EINVAL when one of them was not in use.
    Result<void> free_blocks(u64 start, u64 count);

    // A free inode: a file's in its parent's group (or the next with one free); a
    // directory's, to spread them, in the group with free inodes and blocks above the
    // average that holds the fewest directories (Orlov, much simplified).
    Result<u32> allocate_inode(u32 parent, bool directory);
    Result<void> free_inode(u32 number, bool directory);

    Result<GroupDesc> read_desc(u32 group);
    // The superblock's free counts moved by these amounts.
    Result<void> adjust_free_counts(i64 blocks, i64 inodes);

private:
    Result<void> write_desc(u32 group, const GroupDesc& desc);
    // The group's bitmap, modifiable; initialised (and the flag cleared in `desc`) when
    // never written. The caller writes `desc` back.
    Result<std::span<u8>> block_bitmap(u32 group, GroupDesc& desc);
    Result<std::span<u8>> inode_bitmap(u32 group, GroupDesc& desc);
    Result<u32> directory_group(u32 parent_group);
    Result<u32> allocate_in_group(u32 group, bool directory);

    BlockStore& m_store;
    const Superblock& m_sb;
};

}  // namespace ext4
