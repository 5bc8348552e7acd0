#include "ext4/volume.h"

#include <cstring>

#include "ext4/bytes.h"
#include "ext4/extent.h"

namespace ext4 {

namespace {

constexpr u64 kLogicalLimit = u64(1) << 32;  // extents address 32-bit logical blocks

}  // namespace

Error Volume::refuse(const char* reason) {
    m_diagnosis.reason = reason;
    return Error(EINVAL);
}

Error Volume::refuse_with(const Diagnosis& diagnosis) { return refuse(diagnosis.reason); }

Result<Volume> Volume::open(BlockReader& device, Diagnosis* diagnosis) {
    u8 bytes[kSuperblockSize];
    TRY(device.read(kSuperblockOffset, bytes));
    Superblock sb = TRY(parse_superblock(bytes, diagnosis));
    return Volume(device, sb);
}

Result<void> Volume::read_block(u64 block, std::span<u8> out) {
    if (block < m_sb.first_data_block || block >= m_sb.blocks_count) return refuse("block outside the volume");
    return m_device->read(block * m_sb.block_size, out.first(m_sb.block_size));
}

Result<void> Volume::read_blocks(u64 first, std::span<u8> out) {
    u64 count = out.size() / m_sb.block_size;
    if (first < m_sb.first_data_block || first >= m_sb.blocks_count || count > m_sb.blocks_count - first)
        return refuse("block outside the volume");
    return m_device->read(first * m_sb.block_size, out.first(count * m_sb.block_size));
}

Result<std::span<u8>> Volume::block_buffer(std::span<u8> scratch, int index) {
    if (scratch.size() < scratch_size()) return Error(E2BIG);
    return scratch.subspan(usize(index) * m_sb.block_size, m_sb.block_size);
}

Result<GroupDesc> Volume::group(u32 group, std::span<u8> scratch) {
    if (group >= m_sb.group_count) return refuse("group out of range");
    auto buffer = TRY(block_buffer(scratch, 0));
    DescLocation where = group_desc_location(m_sb, group);
    TRY(read_block(where.block, buffer));
    Diagnosis why;
    auto desc = parse_group_desc(m_sb, buffer.subspan(where.offset, m_sb.desc_size), group, &why);
    if (desc.is_error()) return refuse_with(why);
    return desc;
}

Result<Inode> Volume::read_inode(u32 number, std::span<u8> scratch) {
    if (number == 0 || number > m_sb.inodes_count) return refuse("inode number out of range");
    u32 group_index = (number - 1) / m_sb.inodes_per_group;
    u64 byte = u64((number - 1) % m_sb.inodes_per_group) * m_sb.inode_size;
    GroupDesc desc = TRY(group(group_index, scratch));
    auto buffer = TRY(block_buffer(scratch, 0));
    TRY(read_block(desc.inode_table + byte / m_sb.block_size, buffer));
    Diagnosis why;
    auto inode = parse_inode(m_sb, buffer.subspan(byte % m_sb.block_size, m_sb.inode_size), number, &why);
    if (inode.is_error()) return refuse_with(why);
    return inode;
}

// ext2/ext3 block maps: twelve direct pointers in i_block, then one single, one double and
// one triple indirect block of 32-bit pointers.
Result<BlockMapping> Volume::map_indirect(const Inode& inode, u64 logical, std::span<u8> buffer) {
    constexpr u64 kDirect = 12;
    std::span<const u8> pointers(inode.block, kInodeBlockBytes);
    if (logical < kDirect) {
        u32 block = le32(pointers, usize(4 * logical));
        if (block != 0 && (block < m_sb.first_data_block || block >= m_sb.blocks_count))
            return refuse("block pointer outside the volume");
        return BlockMapping{block, 1, false};
    }
    u64 per_block = m_sb.block_size / 4;
    u64 rest = logical - kDirect, span = per_block;
    int levels = 1;
    while (rest >= span) {
        rest -= span;
        if (++levels > 3) return BlockMapping{0, 1, false};  // past the largest block-mapped file
        span *= per_block;
    }
    u32 block = le32(pointers, usize(4 * (kDirect - 1 + levels)));
    for (int level = levels; level > 0; level--) {
        if (block == 0) return BlockMapping{0, span - rest, false};  // a whole missing subtree
        TRY(read_block(block, buffer));
        span /= per_block;
        block = le32(buffer, usize(4 * (rest / span)));
        rest %= span;
        if (block != 0 && (block < m_sb.first_data_block || block >= m_sb.blocks_count))
            return refuse("block pointer outside the volume");
    }
    return BlockMapping{block, 1, false};
}

Result<BlockMapping> Volume::map_block(const Inode& inode, u64 logical, std::span<u8> scratch) {
    if (logical >= kLogicalLimit) return BlockMapping{0, 1, false};
    auto buffer = TRY(block_buffer(scratch, 1));
    if (!inode.uses_extents()) return map_indirect(inode, logical, buffer);
    std::span<const u8> node(inode.block, kInodeBlockBytes);
    u64 end = kLogicalLimit;  // the current node covers logical blocks below this
    int expected_depth = -1;
    for (int level = 0; level <= kMaxExtentDepth; level++) {
        Diagnosis why;
        auto checked = check_extent_node(m_sb, node, end, &why);
        if (checked.is_error()) return refuse_with(why);
        ExtentHeader header = checked.value();
        if (expected_depth >= 0 && header.depth != expected_depth) return refuse("extent depth mismatch");
        if (level > 0 && m_sb.metadata_csum() &&
            extent_block_checksum(node, inode.checksum_seed) != stored_extent_checksum(node))
            return refuse("extent block checksum mismatch");
        if (header.depth == 0) {
            u64 hole_end = end;
            for (u16 i = 0; i < header.entries; i++) {
                Extent e = extent_at(node, i);
                if (logical < e.logical) {
                    hole_end = e.logical;
                    break;
                }
                if (logical < u64(e.logical) + e.length)
                    return BlockMapping{e.physical + (logical - e.logical), e.logical + e.length - logical, e.unwritten};
            }
            return BlockMapping{0, hole_end - logical, false};
        }
        // The last index starting at or before `logical` leads to the right child.
        int chosen = -1;
        for (u16 i = 0; i < header.entries; i++) {
            ExtentIndex index = extent_index_at(node, i);
            if (index.logical > logical) {
                if (chosen < 0) return BlockMapping{0, index.logical - logical, false};
                end = index.logical;
                break;
            }
            chosen = i;
        }
        if (chosen < 0) return BlockMapping{0, end - logical, false};
        TRY(read_block(extent_index_at(node, u16(chosen)).child, buffer));
        node = buffer;
        expected_depth = header.depth - 1;
    }
    return refuse("extent tree too deep");
}

Result<usize> Volume::read_file(const Inode& inode, u64 offset, std::span<u8> out, std::span<u8> scratch) {
    if (offset >= inode.size) return usize(0);
    u64 want = inode.size - offset < out.size() ? inode.size - offset : out.size();
    auto buffer = TRY(block_buffer(scratch, 0));
    usize done = 0;
    while (done < want) {
        u64 position = offset + done;
        u64 logical = position / m_sb.block_size;
        BlockMapping mapping = TRY(map_block(inode, logical, scratch));
        u64 run_bytes = mapping.length * m_sb.block_size - position % m_sb.block_size;
        usize chunk = usize(want - done < run_bytes ? want - done : run_bytes);
        if (mapping.is_hole() || mapping.unwritten) {
            std::memset(out.data() + done, 0, chunk);
            done += chunk;
            continue;
        }
        // The blocks the read covers whole go straight into `out`, the run in one device
        // read; a block it covers in part goes through the scratch buffer.
        for (u64 block = mapping.physical; chunk > 0;) {
            u32 within = u32((offset + done) % m_sb.block_size);
            if (within == 0 && chunk >= m_sb.block_size) {
                usize whole = chunk / m_sb.block_size;
                TRY(read_blocks(block, out.subspan(done, whole * m_sb.block_size)));
                block += whole;
                done += whole * m_sb.block_size;
                chunk -= whole * m_sb.block_size;
                continue;
            }
            usize piece = m_sb.block_size - within < chunk ? m_sb.block_size - within : chunk;
            TRY(read_block(block, buffer));
            std::memcpy(out.data() + done, buffer.data() + within, piece);
            done += piece;
            chunk -= piece;
            block++;
        }
    }
    return usize(want);
}

Result<usize> Volume::read_symlink(const Inode& inode, std::span<char> out, std::span<u8> scratch) {
    if (!inode.is_symlink()) return refuse("not a symlink");
    if (inode.size == 0 || inode.size >= m_sb.block_size) return refuse("bad symlink length");
    usize length = usize(inode.size) < out.size() ? usize(inode.size) : out.size();
    if (inode.is_fast_symlink()) {
        std::memcpy(out.data(), inode.block, length);
        return length;
    }
    return read_file(inode, 0, std::span<u8>(reinterpret_cast<u8*>(out.data()), length), scratch);
}

Result<bool> Volume::read_block_bitmap(u32 group_index, std::span<u8> out, std::span<u8> scratch) {
    GroupDesc desc = TRY(group(group_index, scratch));
    if (out.size() < m_sb.block_size) return Error(E2BIG);
    if (uninit_flags_apply(m_sb) && (desc.flags & kGroupBlockUninit)) {
        fill_uninit_block_bitmap(m_sb, group_index, desc, out);
        return false;
    }
    TRY(read_block(desc.block_bitmap, out));
    u32 mask = m_sb.desc_size >= 64 ? 0xFFFFFFFF : 0xFFFF;
    if (m_sb.metadata_csum() && (block_bitmap_checksum(m_sb, out) & mask) != desc.block_bitmap_csum)
        return refuse("block bitmap checksum mismatch");
    return true;
}

Result<bool> Volume::read_inode_bitmap(u32 group_index, std::span<u8> out, std::span<u8> scratch) {
    GroupDesc desc = TRY(group(group_index, scratch));
    if (out.size() < m_sb.block_size) return Error(E2BIG);
    if (uninit_flags_apply(m_sb) && (desc.flags & kGroupInodeUninit)) {
        fill_uninit_inode_bitmap(m_sb, out);
        return false;
    }
    TRY(read_block(desc.inode_bitmap, out));
    u32 mask = m_sb.desc_size >= 64 ? 0xFFFFFFFF : 0xFFFF;
    if (m_sb.metadata_csum() && (inode_bitmap_checksum(m_sb, out) & mask) != desc.inode_bitmap_csum)
        return refuse("inode bitmap checksum mismatch");
    return true;
}

}  // namespace ext4
