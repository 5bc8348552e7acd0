#include "ext4/allocator.h"

#include "ext4/bitmap.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kMaxDescSize = 1024;

// First clear bit in [from, to), skipping whole bytes of used bits.
std::optional<u32> find_clear(std::span<const u8> bitmap, u32 from, u32 to) {
    for (u32 bit = from; bit < to;) {
        if (bit % 8 == 0 && to - bit >= 8 && bitmap[bit / 8] == 0xFF) {
            bit += 8;
            continue;
        }
        if (!test_bit(bitmap, bit)) return bit;
        bit++;
    }
    return std::nullopt;
}

}  // namespace

Result<GroupDesc> Allocator::read_desc(u32 group) {
    if (group >= m_sb.group_count) return Error(EINVAL);
    DescLocation where = group_desc_location(m_sb, group);
    u8 bytes[kMaxDescSize];
    std::span<u8> desc(bytes, m_sb.desc_size);
    TRY(m_store.read(where.block * m_sb.block_size + where.offset, desc));
    return parse_group_desc(m_sb, desc, group);
}

Result<void> Allocator::write_desc(u32 group, const GroupDesc& desc) {
    DescLocation where = group_desc_location(m_sb, group);
    auto block = TRY(m_store.get(where.block));
    encode_group_desc(m_sb, desc, block.subspan(where.offset, m_sb.desc_size), group);
    return {};
}

Result<void> Allocator::adjust_free_counts(i64 blocks, i64 inodes) {
    auto block = TRY(m_store.get(m_sb.superblock_block()));
    auto bytes = block.subspan(m_sb.superblock_offset_in_block(), kSuperblockSize);
    Superblock now = TRY(parse_superblock(bytes));
    set_superblock_free_counts(now, bytes, u64(i64(now.free_blocks) + blocks), u32(i64(now.free_inodes) + inodes));
    return {};
}

Result<std::span<u8>> Allocator::block_bitmap(u32 group, GroupDesc& desc) {
    if (uninit_flags_apply(m_sb) && (desc.flags & kGroupBlockUninit)) {
        auto bitmap = TRY(m_store.get_new(desc.block_bitmap));
        fill_uninit_block_bitmap(m_sb, group, desc, bitmap);
        desc.flags &= u16(~kGroupBlockUninit);
        return bitmap;
    }
    return m_store.get(desc.block_bitmap);
}

Result<std::span<u8>> Allocator::inode_bitmap(u32, GroupDesc& desc) {
    if (uninit_flags_apply(m_sb) && (desc.flags & kGroupInodeUninit)) {
        auto bitmap = TRY(m_store.get_new(desc.inode_bitmap));
        fill_uninit_inode_bitmap(m_sb, bitmap);
        desc.flags &= u16(~kGroupInodeUninit);
        return bitmap;
    }
    return m_store.get(desc.inode_bitmap);
}

Result<BlockRun> Allocator::allocate_blocks(u64 goal, u32 want) {
    if (want == 0) return Error(EINVAL);
    if (goal < m_sb.first_data_block || goal >= m_sb.blocks_count) goal = m_sb.first_data_block;
    u32 goal_group = u32((goal - m_sb.first_data_block) / m_sb.blocks_per_group);
    for (u32 step = 0; step < m_sb.group_count; step++) {
        u32 group = (goal_group + step) % m_sb.group_count;
        GroupDesc desc = TRY(read_desc(group));
        if (desc.free_blocks == 0) continue;
        auto bitmap = TRY(block_bitmap(group, desc));
        u32 size = m_sb.blocks_in_group(group);
        u32 from = step == 0 ? u32(goal - m_sb.group_first_block(group)) : 0;
        auto bit = find_clear(bitmap, from, size);
        if (!bit) bit = find_clear(bitmap, 0, from);
        if (!bit) return Error(EINVAL);  // the descriptor counts free blocks the bitmap lacks
        u32 count = 0;
        while (count < want && *bit + count < size && !test_bit(bitmap, *bit + count)) {
            set_bit(bitmap, *bit + count);
            count++;
        }
        if (count > desc.free_blocks) return Error(EINVAL);
        desc.free_blocks -= count;
        if (m_sb.metadata_csum()) desc.block_bitmap_csum = block_bitmap_checksum(m_sb, bitmap);
        TRY(write_desc(group, desc));
        TRY(adjust_free_counts(-i64(count), 0));
        return BlockRun{m_sb.group_first_block(group) + *bit, count};
    }
    return Error(ENOSPC);
}

Result<void> Allocator::free_blocks(u64 start, u64 count) {
    if (start < m_sb.first_data_block || start >= m_sb.blocks_count || count > m_sb.blocks_count - start)
        return Error(EINVAL);
    while (count > 0) {
        u32 group = u32((start - m_sb.first_data_block) / m_sb.blocks_per_group);
        u32 bit = u32(start - m_sb.group_first_block(group));
        u32 piece = u32(m_sb.blocks_in_group(group) - bit < count ? m_sb.blocks_in_group(group) - bit : count);
        GroupDesc desc = TRY(read_desc(group));
        auto bitmap = TRY(block_bitmap(group, desc));
        for (u32 i = 0; i < piece; i++) {
            if (!test_bit(bitmap, bit + i)) return Error(EINVAL);
            clear_bit(bitmap, bit + i);
            m_store.forget(start + i);
        }
        desc.free_blocks += piece;
        if (m_sb.metadata_csum()) desc.block_bitmap_csum = block_bitmap_checksum(m_sb, bitmap);
        TRY(write_desc(group, desc));
        TRY(adjust_free_counts(piece, 0));
        start += piece;
        count -= piece;
    }
    return {};
}

Result<u32> Allocator::directory_group(u32 parent_group) {
    u64 free_inodes = 0, free_blocks = 0;
    for (u32 group = 0; group < m_sb.group_count; group++) {
        GroupDesc desc = TRY(read_desc(group));
        free_inodes += desc.free_inodes;
        free_blocks += desc.free_blocks;
    }
    u64 average_inodes = free_inodes / m_sb.group_count, average_blocks = free_blocks / m_sb.group_count;
    std::optional<u32> best, fallback;
    u32 best_dirs = 0;
    for (u32 step = 0; step < m_sb.group_count; step++) {
        u32 group = (parent_group + step) % m_sb.group_count;
        GroupDesc desc = TRY(read_desc(group));
        if (desc.free_inodes == 0) continue;
        if (!fallback) fallback = group;
        if (desc.free_inodes < average_inodes || desc.free_blocks < average_blocks) continue;
        if (!best || desc.used_dirs < best_dirs) {
            best = group;
            best_dirs = desc.used_dirs;
        }
    }
    if (best) return *best;
    if (fallback) return *fallback;
    return Error(ENOSPC);
}

Result<u32> Allocator::allocate_in_group(u32 group, bool directory) {
    GroupDesc desc = TRY(read_desc(group));
    auto bitmap = TRY(inode_bitmap(group, desc));
    // First fit: the new inode is at most the first never-used one, so the inode table
    // never has an unzeroed gap below itable_unused's mark.
    auto bit = find_clear(bitmap, 0, m_sb.inodes_per_group);
    if (!bit) return Error(EINVAL);  // the descriptor counts free inodes the bitmap lacks
    u32 number = group * m_sb.inodes_per_group + *bit + 1;
    if (number < m_sb.first_ino) return Error(EINVAL);  // a reserved inode marked free
    set_bit(bitmap, *bit);
    desc.free_inodes--;
    if (directory) desc.used_dirs++;
    if (uninit_flags_apply(m_sb) && *bit >= m_sb.inodes_per_group - desc.itable_unused)
        desc.itable_unused = m_sb.inodes_per_group - *bit - 1;
    if (m_sb.metadata_csum()) desc.inode_bitmap_csum = inode_bitmap_checksum(m_sb, bitmap);
    // As Linux does: a group holding inodes has its block bitmap written too.
    if (uninit_flags_apply(m_sb) && (desc.flags & kGroupBlockUninit)) {
        auto blocks = TRY(block_bitmap(group, desc));
        if (m_sb.metadata_csum()) desc.block_bitmap_csum = block_bitmap_checksum(m_sb, blocks);
    }
    TRY(write_desc(group, desc));
    TRY(adjust_free_counts(0, -1));
    return number;
}

Result<u32> Allocator::allocate_inode(u32 parent, bool directory) {
    if (parent == 0 || parent > m_sb.inodes_count) return Error(EINVAL);
    u32 parent_group = (parent - 1) / m_sb.inodes_per_group;
    u32 start = directory ? TRY(directory_group(parent_group)) : parent_group;
    for (u32 step = 0; step < m_sb.group_count; step++) {
        u32 group = (start + step) % m_sb.group_count;
        GroupDesc desc = TRY(read_desc(group));
        if (desc.free_inodes == 0) continue;
        return allocate_in_group(group, directory);
    }
    return Error(ENOSPC);
}

Result<void> Allocator::free_inode(u32 number, bool directory) {
    if (number < m_sb.first_ino || number > m_sb.inodes_count) return Error(EINVAL);
    u32 group = (number - 1) / m_sb.inodes_per_group, bit = (number - 1) % m_sb.inodes_per_group;
    GroupDesc desc = TRY(read_desc(group));
    auto bitmap = TRY(inode_bitmap(group, desc));
    if (!test_bit(bitmap, bit)) return Error(EINVAL);
    clear_bit(bitmap, bit);
    desc.free_inodes++;
    if (directory && desc.used_dirs > 0) desc.used_dirs--;
    if (m_sb.metadata_csum()) desc.inode_bitmap_csum = inode_bitmap_checksum(m_sb, bitmap);
    TRY(write_desc(group, desc));
    TRY(adjust_free_counts(0, 1));
    return {};
}

}  // namespace ext4
