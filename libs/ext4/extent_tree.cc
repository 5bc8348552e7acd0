#include "ext4/extent_tree.h"

#include <cstring>

#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kTreeEntries = 2, kTreeMax = 4, kTreeDepth = 6;

u16 entries_of(std::span<const u8> node) { return le16(node, kTreeEntries); }
u16 max_of(std::span<const u8> node) { return le16(node, kTreeMax); }
u16 depth_of(std::span<const u8> node) { return le16(node, kTreeDepth); }
usize at(u16 index) { return kExtentEntrySize * (usize(index) + 1); }
// Leaf extents and indexes both start with their first logical block.
u32 first_logical(std::span<const u8> node, u16 index) { return le32(node, at(index)); }

void put_extent(u8* entry, const Extent& e) {
    std::span<u8> bytes(entry, kExtentEntrySize);
    put32(bytes, 0, e.logical);
    put16(bytes, 4, u16(e.unwritten ? e.length + kMaxInitExtentLength : e.length));
    put16(bytes, 6, u16(e.physical >> 32));
    put32(bytes, 8, u32(e.physical));
}

void put_index(u8* entry, u32 logical, u64 child) {
    std::span<u8> bytes(entry, kExtentEntrySize);
    put32(bytes, 0, logical);
    put32(bytes, 4, u32(child));
    put16(bytes, 8, u16(child >> 32));
    put16(bytes, 10, 0);
}

void insert_raw(std::span<u8> node, u16 position, const u8* entry) {
    u16 count = entries_of(node);
    std::memmove(node.data() + at(u16(position + 1)), node.data() + at(position), (count - position) * kExtentEntrySize);
    std::memcpy(node.data() + at(position), entry, kExtentEntrySize);
    put16(node, kTreeEntries, u16(count + 1));
}

void init_node(std::span<u8> node, u16 max, u16 depth) {
    put16(node, 0, kExtentMagic);
    put16(node, kTreeEntries, 0);
    put16(node, kTreeMax, max);
    put16(node, kTreeDepth, depth);
    put32(node, 8, 0);  // eh_generation
}

}  // namespace

void ExtentTree::seal(const Inode& inode, const Level& level) {
    if (level.block != 0 && m_sb.metadata_csum()) set_extent_block_checksum(level.node, inode.checksum_seed);
}

// Fills path[0..depth] from the root down to the leaf that covers (or should hold)
// `logical`; returns the leaf's level.
Result<int> ExtentTree::walk(Inode& inode, u32 logical, Level* path) {
    path[0] = Level{std::span<u8>(inode.block, kInodeBlockBytes), 0, 0};
    for (int level = 0;; level++) {
        ExtentHeader header = TRY(check_extent_node(m_sb, path[level].node, u64(1) << 32));
        if (level > 0 && m_sb.metadata_csum() &&
            extent_block_checksum(path[level].node, inode.checksum_seed) != stored_extent_checksum(path[level].node))
            return Error(EINVAL);
        if (header.depth == 0) return level;
        if (level + 1 >= kLevels || header.entries == 0) return Error(EINVAL);
        if (level > 0 && header.depth != depth_of(path[level - 1].node) - 1) return Error(EINVAL);
        u16 chosen = 0;
        for (u16 i = 1; i < header.entries && first_logical(path[level].node, i) <= logical; i++) chosen = i;
        path[level].index = chosen;
        u64 child = extent_index_at(path[level].node, chosen).child;
        path[level + 1] = Level{TRY(m_store.get(child)), child, 0};
    }
}

Result<u64> ExtentTree::new_tree_block(Inode& inode, u64 goal) {
    BlockRun run = TRY(m_allocator.allocate_blocks(goal, 1));
    inode.blocks_512 += m_sb.block_size / 512;
    return run.start;
}

// Propagates a node's new first logical block up through the parents that point at it
// with their first entry (an index must name the first block its child maps; e2fsck
// checks that).
void ExtentTree::fix_parent_index(const Inode& inode, Level* path, int level) {
    while (level > 0) {
        Level& parent = path[level - 1];
        put32(parent.node, at(parent.index), first_logical(path[level].node, 0));
        seal(inode, parent);
        if (parent.index != 0) return;
        level--;
    }
}

// The root is full: its entries move into a new block below it and the root becomes an
// index of one entry, one level deeper.
Result<void> ExtentTree::grow(Inode& inode, Level* path, int& leaf_level, u64 goal) {
    if (leaf_level + 1 >= kLevels) return Error(EFBIG);
    u64 block = TRY(new_tree_block(inode, goal));
    auto child = TRY(m_store.get_new(block));
    std::span<u8> root = path[0].node;
    u16 count = entries_of(root), depth = depth_of(root);
    init_node(child, u16((m_sb.block_size - kExtentEntrySize) / kExtentEntrySize), depth);
    std::memcpy(child.data() + at(0), root.data() + at(0), count * kExtentEntrySize);
    put16(child, kTreeEntries, count);
    u32 first = count ? first_logical(child, 0) : 0;
    std::memset(root.data() + at(0), 0, root.size() - at(0));
    put16(root, kTreeEntries, 0);
    put16(root, kTreeDepth, u16(depth + 1));
    u8 entry[kExtentEntrySize];
    put_index(entry, first, block);
    insert_raw(root, 0, entry);
    for (int level = leaf_level; level >= 1; level--) path[level + 1] = path[level];
    path[1] = Level{child, block, path[0].index};
    path[0].index = 0;
    leaf_level++;
    seal(inode, path[1]);
    return {};
}

Result<void> ExtentTree::insert_entry(Inode& inode, Level* path, int& leaf_level, int level, u16 position,
                                      const u8* entry) {
    u64 goal = level == leaf_level ? le32(std::span<const u8>(entry, kExtentEntrySize), 8) : path[level].block;
    std::span<u8> node = path[level].node;
    if (entries_of(node) < max_of(node)) {
        insert_raw(node, position, entry);
        seal(inode, path[level]);
        if (position == 0) fix_parent_index(inode, path, level);
        return {};
    }
    if (level == 0) {
        TRY(grow(inode, path, leaf_level, goal));
        return insert_entry(inode, path, leaf_level, 1, position, entry);
    }
    // Split. Appending (the usual case: a file written front to back) starts a new empty
    // sibling, leaving this node full; otherwise the upper half moves over.
    u64 block = TRY(new_tree_block(inode, goal));
    auto sibling_bytes = TRY(m_store.get_new(block));
    Level sibling{sibling_bytes, block, 0};
    init_node(sibling.node, max_of(node), depth_of(node));
    u16 count = entries_of(node);
    if (position == count) {
        insert_raw(sibling.node, 0, entry);
    } else {
        u16 middle = u16(count / 2);
        std::memcpy(sibling.node.data() + at(0), node.data() + at(middle), (count - middle) * kExtentEntrySize);
        put16(sibling.node, kTreeEntries, u16(count - middle));
        std::memset(node.data() + at(middle), 0, (count - middle) * kExtentEntrySize);
        put16(node, kTreeEntries, middle);
        if (position <= middle) {
            insert_raw(node, position, entry);
            if (position == 0) fix_parent_index(inode, path, level);
        } else {
            insert_raw(sibling.node, u16(position - middle), entry);
        }
    }
    seal(inode, path[level]);
    seal(inode, sibling);
    u8 index[kExtentEntrySize];
    put_index(index, first_logical(sibling.node, 0), block);
    return insert_entry(inode, path, leaf_level, level - 1, u16(path[level - 1].index + 1), index);
}

Result<void> ExtentTree::insert(Inode& inode, const Extent& extent) {
    if (!inode.uses_extents()) return Error(EOPNOTSUPP);
    if (extent.length == 0 || extent.length > kMaxInitExtentLength || extent.unwritten ||
        u64(extent.logical) + extent.length > (u64(1) << 32))
        return Error(EINVAL);
    Level path[kLevels];
    int leaf_level = TRY(walk(inode, extent.logical, path));
    std::span<u8> leaf = path[leaf_level].node;
    u16 count = entries_of(leaf), position = 0;
    while (position < count && first_logical(leaf, position) <= extent.logical) position++;
    u64 end = u64(extent.logical) + extent.length;
    if (position < count && first_logical(leaf, position) < end) return Error(EEXIST);
    // The next leaf's first extent may start inside the run too.
    for (int level = leaf_level - 1; level >= 0 && position == count; level--) {
        u16 next = u16(path[level].index + 1);
        if (next < entries_of(path[level].node)) {
            if (first_logical(path[level].node, next) < end) return Error(EEXIST);
            break;
        }
    }
    if (position > 0) {
        Extent before = extent_at(leaf, u16(position - 1));
        u64 before_end = u64(before.logical) + before.length;
        if (before_end > extent.logical) return Error(EEXIST);
        if (!before.unwritten && before_end == extent.logical && before.physical + before.length == extent.physical &&
            before.length + extent.length <= kMaxInitExtentLength) {
            before.length += extent.length;
            put_extent(leaf.data() + at(u16(position - 1)), before);
            seal(inode, path[leaf_level]);
            inode.blocks_512 += u64(extent.length) * (m_sb.block_size / 512);
            return {};
        }
    }
    u8 entry[kExtentEntrySize];
    put_extent(entry, extent);
    TRY(insert_entry(inode, path, leaf_level, leaf_level, position, entry));
    inode.blocks_512 += u64(extent.length) * (m_sb.block_size / 512);
    return {};
}

Result<void> ExtentTree::trim(Inode& inode, std::span<u8> node, bool root, u64 first, Budget& budget) {
    ExtentHeader header = TRY(check_extent_node(m_sb, node, u64(1) << 32));
    // Each level one less deep than its parent: an index naming its own node (or one
    // above) would otherwise recurse without end on a hostile tree.
    if (!root && header.depth + 1 != budget.parent_depth) return Error(EINVAL);
    u64 per_block = m_sb.block_size / 512;
    if (header.depth == 0) {
        for (u16 i = header.entries; i-- > 0;) {
            Extent e = extent_at(node, i);
            u64 end = u64(e.logical) + e.length;
            if (end <= first) break;
            if (budget.left == 0) {
                budget.stopped = true;
                break;
            }
            budget.left--;
            u32 keep = e.logical >= first ? 0 : u32(first - e.logical);
            TRY(m_allocator.free_blocks(e.physical + keep, e.length - keep));
            inode.blocks_512 -= (e.length - keep) * per_block;
            budget.unmapped = e.logical + keep;
            if (keep == 0) {
                std::memset(node.data() + at(i), 0, kExtentEntrySize);
                put16(node, kTreeEntries, i);
            } else {
                e.length = keep;
                put_extent(node.data() + at(i), e);
                break;
            }
        }
    } else {
        for (u16 i = header.entries; i-- > 0;) {
            ExtentIndex index = extent_index_at(node, i);
            auto child = TRY(m_store.get(index.child));
            if (m_sb.metadata_csum() && extent_block_checksum(child, inode.checksum_seed) != stored_extent_checksum(child))
                return Error(EINVAL);
            budget.parent_depth = header.depth;
            TRY(trim(inode, child, false, first, budget));
            if (entries_of(child) == 0) {
                TRY(m_allocator.free_blocks(index.child, 1));
                inode.blocks_512 -= per_block;
                std::memset(node.data() + at(i), 0, kExtentEntrySize);
                put16(node, kTreeEntries, i);
            } else if (m_sb.metadata_csum()) {
                set_extent_block_checksum(child, inode.checksum_seed);
            }
            if (budget.stopped || index.logical <= first) break;
        }
    }
    if (root && entries_of(node) == 0) init_extent_root(node);
    return {};
}

Result<u64> ExtentTree::truncate_some(Inode& inode, u64 first, u32 max_extents) {
    if (!inode.uses_extents()) return Error(EOPNOTSUPP);
    if (max_extents == 0) return Error(EINVAL);  // each call must get somewhere
    Budget budget{max_extents, first};
    TRY(trim(inode, std::span<u8>(inode.block, kInodeBlockBytes), true, first, budget));
    return budget.stopped ? budget.unmapped : first;
}

Result<void> ExtentTree::truncate(Inode& inode, u64 first) {
    TRY(truncate_some(inode, first, ~0u));
    return {};
}

}  // namespace ext4
