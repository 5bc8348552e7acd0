#include "ext4/group_desc.h"

#include "crypto/crc32c.h"
#include "ext4/bitmap.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kBlockBitmapLo = 0x0, kInodeBitmapLo = 0x4, kInodeTableLo = 0x8,
                kFreeBlocksLo = 0xC, kFreeInodesLo = 0xE, kUsedDirsLo = 0x10, kFlags = 0x12,
                kBlockBitmapCsumLo = 0x18, kInodeBitmapCsumLo = 0x1A, kItableUnusedLo = 0x1C,
                kChecksum = 0x1E, kBlockBitmapHi = 0x20, kInodeBitmapHi = 0x24,
                kInodeTableHi = 0x28, kFreeBlocksHi = 0x2C, kFreeInodesHi = 0x2E,
                kUsedDirsHi = 0x30, kItableUnusedHi = 0x32, kBlockBitmapCsumHi = 0x38,
                kInodeBitmapCsumHi = 0x3A;

// CRC-16 as gdt_csum uses it (the ANSI polynomial 0x8005, reflected), bit by bit: it
// only ever covers one descriptor.
u16 crc16(u16 crc, std::span<const u8> bytes) {
    for (u8 byte : bytes) {
        crc ^= byte;
        for (int bit = 0; bit < 8; bit++) crc = u16((crc >> 1) ^ ((crc & 1) ? 0xA001 : 0));
    }
    return crc;
}

bool wide(const Superblock& sb) { return sb.desc_size >= 64; }

}  // namespace

DescLocation group_desc_location(const Superblock& sb, u32 group) {
    u32 per_block = sb.descriptors_per_block();
    u32 desc_block = group / per_block;
    u32 offset = (group % per_block) * sb.desc_size;
    if (!sb.has_incompat(incompat::kMetaBg) || desc_block < sb.first_meta_bg)
        return {sb.first_data_block + 1 + u64(desc_block), offset};
    // meta_bg: each run of per_block groups keeps its one descriptor block in its first
    // group, after the superblock copy if that group has one.
    u32 first = desc_block * per_block;
    return {sb.group_first_block(first) + (sb.group_has_superblock(first) ? 1 : 0), offset};
}

u16 group_desc_checksum(const Superblock& sb, std::span<const u8> bytes, u32 group) {
    u8 group_le[4];
    put32(group_le, 0, group);
    const u8 zero[2] = {0, 0};
    auto before = bytes.first(kChecksum);
    auto after = bytes.subspan(kChecksum + 2, sb.desc_size - kChecksum - 2);
    if (sb.metadata_csum()) {
        u32 crc = crypto::crc32c_update(sb.checksum_seed, group_le);
        crc = crypto::crc32c_update(crc, before);
        crc = crypto::crc32c_update(crc, zero);
        crc = crypto::crc32c_update(crc, after);
        return u16(crc);
    }
    if (sb.has_ro_compat(ro_compat::kGdtCsum)) {
        u16 crc = crc16(0xFFFF, std::span<const u8>(sb.uuid, 16));
        crc = crc16(crc, group_le);
        crc = crc16(crc, before);
        return crc16(crc, after);
    }
    return 0;
}

Result<GroupDesc> parse_group_desc(const Superblock& sb, std::span<const u8> b, u32 group,
                                   Diagnosis* diagnosis) {
    if (b.size() < sb.desc_size || group >= sb.group_count) return refuse(diagnosis, "descriptor out of range");
    GroupDesc d;
    d.block_bitmap = le32(b, kBlockBitmapLo);
    d.inode_bitmap = le32(b, kInodeBitmapLo);
    d.inode_table = le32(b, kInodeTableLo);
    d.free_blocks = le16(b, kFreeBlocksLo);
    d.free_inodes = le16(b, kFreeInodesLo);
    d.used_dirs = le16(b, kUsedDirsLo);
    d.flags = le16(b, kFlags);
    d.block_bitmap_csum = le16(b, kBlockBitmapCsumLo);
    d.inode_bitmap_csum = le16(b, kInodeBitmapCsumLo);
    d.itable_unused = le16(b, kItableUnusedLo);
    d.checksum = le16(b, kChecksum);
    if (wide(sb)) {
        d.block_bitmap |= u64(le32(b, kBlockBitmapHi)) << 32;
        d.inode_bitmap |= u64(le32(b, kInodeBitmapHi)) << 32;
        d.inode_table |= u64(le32(b, kInodeTableHi)) << 32;
        d.free_blocks |= u32(le16(b, kFreeBlocksHi)) << 16;
        d.free_inodes |= u32(le16(b, kFreeInodesHi)) << 16;
        d.used_dirs |= u32(le16(b, kUsedDirsHi)) << 16;
        d.itable_unused |= u32(le16(b, kItableUnusedHi)) << 16;
        d.block_bitmap_csum |= u32(le16(b, kBlockBitmapCsumHi)) << 16;
        d.inode_bitmap_csum |= u32(le16(b, kInodeBitmapCsumHi)) << 16;
    }
    if ((sb.metadata_csum() || sb.has_ro_compat(ro_compat::kGdtCsum)) &&
        group_desc_checksum(sb, b, group) != d.checksum)
        return refuse(diagnosis, "group descriptor checksum mismatch");

    u64 lowest = sb.first_data_block, end = sb.blocks_count;
    if (!sb.has_incompat(incompat::kFlexBg)) {
        lowest = sb.group_first_block(group);
        end = lowest + sb.blocks_in_group(group);
    }
    auto inside = [&](u64 start, u64 count) { return start >= lowest && start < end && count <= end - start; };
    if (!inside(d.block_bitmap, 1) || !inside(d.inode_bitmap, 1) || !inside(d.inode_table, inode_table_blocks(sb)))
        return refuse(diagnosis, "group metadata outside the volume");
    if (d.free_blocks > sb.blocks_in_group(group) || d.free_inodes > sb.inodes_per_group ||
        d.used_dirs > sb.inodes_per_group || d.itable_unused > sb.inodes_per_group)
        return refuse(diagnosis, "group counts out of range");
    return d;
}

void encode_group_desc(const Superblock& sb, const GroupDesc& d, std::span<u8> b, u32 group) {
    put32(b, kBlockBitmapLo, u32(d.block_bitmap));
    put32(b, kInodeBitmapLo, u32(d.inode_bitmap));
    put32(b, kInodeTableLo, u32(d.inode_table));
    put16(b, kFreeBlocksLo, u16(d.free_blocks));
    put16(b, kFreeInodesLo, u16(d.free_inodes));
    put16(b, kUsedDirsLo, u16(d.used_dirs));
    put16(b, kFlags, d.flags);
    put16(b, kBlockBitmapCsumLo, u16(d.block_bitmap_csum));
    put16(b, kInodeBitmapCsumLo, u16(d.inode_bitmap_csum));
    put16(b, kItableUnusedLo, u16(d.itable_unused));
    if (wide(sb)) {
        put32(b, kBlockBitmapHi, u32(d.block_bitmap >> 32));
        put32(b, kInodeBitmapHi, u32(d.inode_bitmap >> 32));
        put32(b, kInodeTableHi, u32(d.inode_table >> 32));
        put16(b, kFreeBlocksHi, u16(d.free_blocks >> 16));
        put16(b, kFreeInodesHi, u16(d.free_inodes >> 16));
        put16(b, kUsedDirsHi, u16(d.used_dirs >> 16));
        put16(b, kItableUnusedHi, u16(d.itable_unused >> 16));
        put16(b, kBlockBitmapCsumHi, u16(d.block_bitmap_csum >> 16));
        put16(b, kInodeBitmapCsumHi, u16(d.inode_bitmap_csum >> 16));
    }
    put16(b, kChecksum, group_desc_checksum(sb, b, group));
}

u32 block_bitmap_checksum(const Superblock& sb, std::span<const u8> bitmap) {
    return crypto::crc32c_update(sb.checksum_seed, bitmap.first(sb.blocks_per_group / 8));
}

u32 inode_bitmap_checksum(const Superblock& sb, std::span<const u8> bitmap) {
    return crypto::crc32c_update(sb.checksum_seed, bitmap.first(sb.inodes_per_group / 8));
}

namespace {

// Blocks at the start of `group` that hold the superblock copy and descriptors
// (Linux's ext4_num_base_meta_clusters).
u32 base_metadata_blocks(const Superblock& sb, u32 group) {
    u32 count = sb.group_has_superblock(group) ? 1 : 0;
    u32 per_block = sb.descriptors_per_block();
    if (!sb.has_incompat(incompat::kMetaBg) || group < sb.first_meta_bg * per_block) {
        if (count) {
            u32 old_style = sb.has_incompat(incompat::kMetaBg) ? sb.first_meta_bg : sb.group_descriptor_blocks();
            count += old_style + sb.reserved_gdt_blocks;
        }
        return count;
    }
    // meta_bg: the first, second and last group of each run of per_block groups hold the
    // run's descriptor block.
    u32 within = group % per_block;
    if (within == 0 || within == 1 || within == per_block - 1) count++;
    return count;
}

}  // namespace

void fill_uninit_block_bitmap(const Superblock& sb, u32 group, const GroupDesc& desc, std::span<u8> bitmap) {
    for (u8& byte : bitmap.first(sb.block_size)) byte = 0;
    u32 in_group = sb.blocks_in_group(group);
    for (u32 bit = in_group; bit < sb.block_size * 8; bit++) set_bit(bitmap, bit);
    u32 base = base_metadata_blocks(sb, group);
    for (u32 bit = 0; bit < base && bit < in_group; bit++) set_bit(bitmap, bit);
    u64 first = sb.group_first_block(group);
    auto mark = [&](u64 start, u64 count) {
        for (u64 block = start; block < start + count; block++)
            if (block >= first && block < first + in_group) set_bit(bitmap, u32(block - first));
    };
    mark(desc.block_bitmap, 1);
    mark(desc.inode_bitmap, 1);
    mark(desc.inode_table, inode_table_blocks(sb));
}

void fill_uninit_inode_bitmap(const Superblock& sb, std::span<u8> bitmap) {
    for (u8& byte : bitmap.first(sb.block_size)) byte = 0;
    for (u32 bit = sb.inodes_per_group; bit < sb.block_size * 8; bit++) set_bit(bitmap, bit);
}

}  // namespace ext4
