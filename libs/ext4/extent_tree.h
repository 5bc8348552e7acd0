// Changes to a file's extent tree (extent.h has the node format; Volume::map_block reads
// it): mapping a run of new blocks, which may split full nodes and deepen the tree, and
// cutting the file short, which frees blocks and the tree blocks left empty. Every node
// changed gets its tail checksum; the root lives in the Inode's i_block and is written
// with the inode by the caller. inode.blocks_512 follows both the file's blocks and the
// tree's own blocks.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "ext4/allocator.h"
#include "ext4/extent.h"
#include "ext4/inode.h"
#include "ext4/transaction.h"

namespace ext4 {

class ExtentTree {
public:
    ExtentTree(BlockStore& store, const Superblock& sb, Allocator& allocator)
        : m_store(store), m_sb(sb), m_allocator(allocator) {}

    // Maps `extent` (not unwritten) into the file; its logical range must be a hole
    // (EEXIST otherwise). Joins the extent before when the two are contiguous on disk.
    // New tree blocks are allocated near the extent. EOPNOTSUPP for a file without extents.
    Result<void> insert(Inode& inode, const Extent& extent);

    // Unmaps and frees every block at or past logical block `first`, and the tree blocks
    // this empties; a tree left empty becomes an empty root of depth 0 again.
    Result<void> truncate(Inode& inode, u64 first);

    // The same, from the end, but stopping after `max_extents` extents were removed or
    // cut, so that one transaction stays small. Returns the logical block from which on
    // nothing is mapped any more: `first` (or less) when done, more when it stopped.
    Result<u64> truncate_some(Inode& inode, u64 first, u32 max_extents);

private:
    struct Level {
        std::span<u8> node;
        u64 block = 0;   // 0 for the root in i_block
        u16 index = 0;   // the entry followed to the next level
    };
    static constexpr int kLevels = kMaxExtentDepth + 1;

    Result<int> walk(Inode& inode, u32 logical, Level* path);
    Result<void> insert_entry(Inode& inode, Level* path, int& leaf_level, int level, u16 position, const u8* entry);
    Result<void> grow(Inode& inode, Level* path, int& leaf_level, u64 goal);
    void fix_parent_index(const Inode& inode, Level* path, int level);
    Result<u64> new_tree_block(Inode& inode, u64 goal);
    struct Budget {
        u32 left;        // extents still to remove or cut
        u64 unmapped;    // nothing is mapped from this logical block on
        bool stopped = false;
        u16 parent_depth = 0;  // of the node whose child trim() is entering
    };
    Result<void> trim(Inode& inode, std::span<u8> node, bool root, u64 first, Budget& budget);
    void seal(const Inode& inode, const Level& level);

    BlockStore& m_store;
    const Superblock& m_sb;
    Allocator& m_allocator;
};

}  // namespace ext4
