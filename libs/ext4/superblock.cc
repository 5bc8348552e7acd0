#include "ext4/superblock.h"

#include "crypto/crc32c.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

// Byte offsets inside the superblock (super.rst).
constexpr usize kInodesCount = 0x0, kBlocksCountLo = 0x4, kRBlocksCountLo = 0x8,
                kFreeBlocksLo = 0xC, kFreeInodes = 0x10, kFirstDataBlock = 0x14,
                kLogBlockSize = 0x18, kLogClusterSize = 0x1C, kBlocksPerGroup = 0x20,
                kClustersPerGroup = 0x24, kInodesPerGroup = 0x28, kMtime = 0x2C, kWtime = 0x30,
                kMagicAt = 0x38, kState = 0x3A, kRevLevel = 0x4C, kFirstIno = 0x54,
                kInodeSize = 0x58, kFeatureCompat = 0x5C, kFeatureIncompat = 0x60,
                kFeatureRoCompat = 0x64, kUuid = 0x68, kVolumeName = 0x78,
                kReservedGdtBlocks = 0xCE, kJournalInum = 0xE0, kLastOrphan = 0xE8, kHashSeed = 0xEC,
                kDefHashVersion = 0xFC, kDescSize = 0xFE, kFirstMetaBg = 0x104,
                kMkfsTime = 0x108, kBlocksCountHi = 0x150, kRBlocksCountHi = 0x154,
                kFreeBlocksHi = 0x158, kMinExtraIsize = 0x15C, kWantExtraIsize = 0x15E,
                kFlags = 0x160, kLogGroupsPerFlex = 0x174, kChecksumType = 0x175,
                kBackupBgs = 0x24C, kChecksumSeed = 0x270, kChecksum = 0x3FC;

constexpr u32 kGoodOldInodeSize = 128;
constexpr u32 kMaxLogBlockSize = 6;  // 64 KiB

bool is_power_of(u32 group, u32 base) {
    while (group > 1 && group % base == 0) group /= base;
    return group == 1;
}

}  // namespace

u32 superblock_checksum(std::span<const u8> bytes) {
    return crypto::crc32c_update(~0u, bytes.first(kChecksum));
}

void set_superblock_free_counts(const Superblock& sb, std::span<u8> bytes, u64 free_blocks, u32 free_inodes) {
    put32(bytes, kFreeBlocksLo, u32(free_blocks));
    if (sb.is_64bit()) put32(bytes, kFreeBlocksHi, u32(free_blocks >> 32));
    put32(bytes, kFreeInodes, free_inodes);
    if (sb.metadata_csum()) put32(bytes, kChecksum, superblock_checksum(bytes));
}

void set_superblock_last_orphan(const Superblock& sb, std::span<u8> bytes, u32 inode) {
    put32(bytes, kLastOrphan, inode);
    if (sb.metadata_csum()) put32(bytes, kChecksum, superblock_checksum(bytes));
}

u32 Superblock::blocks_in_group(u32 group) const {
    if (group + 1 < group_count) return blocks_per_group;
    return u32(blocks_count - group_first_block(group));
}

bool Superblock::group_has_superblock(u32 group) const {
    if (group == 0) return true;
    if (has_compat(compat::kSparseSuper2)) return group == backup_groups[0] || group == backup_groups[1];
    if (!has_ro_compat(ro_compat::kSparseSuper)) return true;
    return group == 1 || is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7);
}

Result<Superblock> parse_superblock(std::span<const u8> b, Diagnosis* diagnosis) {
    if (b.size() < kSuperblockSize) return refuse(diagnosis, "superblock too short");
    if (le16(b, kMagicAt) != kMagic) return refuse(diagnosis, "bad magic");
    Superblock sb;
    sb.rev_level = le32(b, kRevLevel);
    sb.feature_incompat = le32(b, kFeatureIncompat);
    sb.feature_ro_compat = le32(b, kFeatureRoCompat);
    sb.feature_compat = le32(b, kFeatureCompat);
    if (sb.rev_level == 0) sb.feature_incompat = sb.feature_ro_compat = sb.feature_compat = 0;
    if (sb.feature_incompat & ~incompat::kSupported) return refuse(diagnosis, "unsupported incompatible feature");
    if (sb.has_ro_compat(ro_compat::kBigalloc)) return refuse(diagnosis, "unsupported feature bigalloc");

    if (sb.metadata_csum()) {
        if (b[kChecksumType] != 1) return refuse(diagnosis, "unknown checksum type");
        sb.checksum = le32(b, kChecksum);
        if (superblock_checksum(b) != sb.checksum) return refuse(diagnosis, "superblock checksum mismatch");
    }

    sb.log_block_size = le32(b, kLogBlockSize);
    if (sb.log_block_size > kMaxLogBlockSize) return refuse(diagnosis, "block size out of range");
    sb.block_size = 1024u << sb.log_block_size;
    if (le32(b, kLogClusterSize) != sb.log_block_size || le32(b, kClustersPerGroup) != le32(b, kBlocksPerGroup))
        return refuse(diagnosis, "cluster size differs from block size");

    sb.inodes_count = le32(b, kInodesCount);
    sb.blocks_count = le32(b, kBlocksCountLo);
    sb.reserved_blocks = le32(b, kRBlocksCountLo);
    sb.free_blocks = le32(b, kFreeBlocksLo);
    if (sb.is_64bit()) {
        sb.blocks_count |= u64(le32(b, kBlocksCountHi)) << 32;
        sb.reserved_blocks |= u64(le32(b, kRBlocksCountHi)) << 32;
        sb.free_blocks |= u64(le32(b, kFreeBlocksHi)) << 32;
    }
    sb.free_inodes = le32(b, kFreeInodes);
    sb.first_data_block = le32(b, kFirstDataBlock);
    sb.blocks_per_group = le32(b, kBlocksPerGroup);
    sb.inodes_per_group = le32(b, kInodesPerGroup);
    sb.mtime = le32(b, kMtime);
    sb.wtime = le32(b, kWtime);
    sb.state = le16(b, kState);

    if (sb.first_data_block != (sb.block_size == 1024 ? 1u : 0u)) return refuse(diagnosis, "bad first data block");
    // A bitmap is one block: a group cannot hold more blocks or inodes than its bits.
    u32 bits = sb.block_size * 8;
    if (sb.blocks_per_group < 8 || sb.blocks_per_group > bits || sb.blocks_per_group % 8)
        return refuse(diagnosis, "bad blocks per group");
    if (sb.inodes_per_group < 8 || sb.inodes_per_group > bits || sb.inodes_per_group % 8)
        return refuse(diagnosis, "bad inodes per group");
    if (sb.blocks_count <= sb.first_data_block || sb.blocks_count >> 48)
        return refuse(diagnosis, "bad block count");
    u64 groups = (sb.blocks_count - sb.first_data_block + sb.blocks_per_group - 1) / sb.blocks_per_group;
    if (groups > (1u << 31) / sb.inodes_per_group) return refuse(diagnosis, "too many groups");
    sb.group_count = u32(groups);
    if (u64(sb.group_count) * sb.inodes_per_group != sb.inodes_count) return refuse(diagnosis, "inode count disagrees with groups");
    if (sb.free_blocks > sb.blocks_count || sb.reserved_blocks > sb.blocks_count)
        return refuse(diagnosis, "free block count exceeds blocks");
    if (sb.free_inodes > sb.inodes_count) return refuse(diagnosis, "free inode count exceeds inodes");

    if (sb.rev_level >= 1) {
        sb.first_ino = le32(b, kFirstIno);
        sb.inode_size = le16(b, kInodeSize);
    }
    if (sb.inode_size < kGoodOldInodeSize || sb.inode_size > sb.block_size ||
        (sb.inode_size & (sb.inode_size - 1)))
        return refuse(diagnosis, "bad inode size");
    if (sb.first_ino < 11 || sb.first_ino >= sb.inodes_count) return refuse(diagnosis, "bad first inode");

    sb.desc_size = 32;
    if (sb.is_64bit()) {
        sb.desc_size = le16(b, kDescSize);
        if (sb.desc_size < 64 || sb.desc_size > 1024 || (sb.desc_size & (sb.desc_size - 1)))
            return refuse(diagnosis, "bad descriptor size");
    }
    if (sb.desc_size > sb.block_size) return refuse(diagnosis, "bad descriptor size");
    sb.first_meta_bg = le32(b, kFirstMetaBg);
    if (sb.has_incompat(incompat::kMetaBg) && sb.first_meta_bg > sb.group_descriptor_blocks())
        return refuse(diagnosis, "bad first meta group");
    if (!sb.has_incompat(incompat::kMetaBg) &&
        u64(sb.first_data_block) + 1 + sb.group_descriptor_blocks() > sb.blocks_count)
        return refuse(diagnosis, "descriptors past the end");

    for (int i = 0; i < 16; i++) sb.uuid[i] = b[kUuid + i];
    for (int i = 0; i < 16; i++) sb.volume_name[i] = char(b[kVolumeName + i]);
    sb.reserved_gdt_blocks = le16(b, kReservedGdtBlocks);
    sb.journal_inode = le32(b, kJournalInum);
    sb.last_orphan = le32(b, kLastOrphan);
    for (int i = 0; i < 4; i++) sb.hash_seed[i] = le32(b, kHashSeed + 4 * i);
    sb.default_hash_version = b[kDefHashVersion];
    sb.mkfs_time = le32(b, kMkfsTime);
    sb.min_extra_isize = le16(b, kMinExtraIsize);
    sb.want_extra_isize = le16(b, kWantExtraIsize);
    sb.flags = le32(b, kFlags);
    sb.log_groups_per_flex = b[kLogGroupsPerFlex];
    sb.backup_groups[0] = le32(b, kBackupBgs);
    sb.backup_groups[1] = le32(b, kBackupBgs + 4);
    if (sb.has_incompat(incompat::kCsumSeed))
        sb.checksum_seed = le32(b, kChecksumSeed);
    else
        sb.checksum_seed = crypto::crc32c_update(~0u, std::span<const u8>(sb.uuid, 16));
    return sb;
}

}  // namespace ext4
