#include "ext4/jbd2_format.h"

#include "crypto/crc32c.h"

namespace ext4::jbd2 {

namespace {

// Byte offsets inside the journal superblock (journal_superblock_t).
constexpr usize kBlockSize = 0xC, kMaxlen = 0x10, kFirst = 0x14, kSequence = 0x18, kStart = 0x1C,
                kErrno = 0x20, kFeatureCompat = 0x24, kFeatureIncompat = 0x28, kFeatureRoCompat = 0x2C,
                kUuid = 0x30, kChecksumType = 0x50, kNumFcBlocks = 0x54, kChecksum = 0xFC;

constexpr u32 kCrc32BePolynomial = 0x04C11DB7;

// crc32c of `bytes` with the four bytes at `hole` taken as zeros.
u32 crc32c_with_hole(u32 seed, std::span<const u8> bytes, usize hole) {
    static constexpr u8 kZeros[4] = {};
    u32 crc = crypto::crc32c_update(seed, bytes.first(hole));
    crc = crypto::crc32c_update(crc, kZeros);
    return crypto::crc32c_update(crc, bytes.subspan(hole + 4));
}

}  // namespace

u32 JournalSuperblock::last() const {
    if (!has_incompat(incompat::kFastCommit)) return maxlen;
    u32 fast = num_fc_blocks ? num_fc_blocks : kDefaultFastCommitBlocks;
    return fast < maxlen ? maxlen - fast : 0;
}

usize JournalSuperblock::tag_size() const {
    if (has_incompat(incompat::kCsumV3)) return 16;
    usize size = 8;
    if (has_incompat(incompat::kCsumV2)) size += 2;  // the kernel's layout carries a pad
    if (is_64bit()) size += 4;
    return size;
}

u32 JournalSuperblock::checksum_seed() const { return crypto::crc32c_update(~0u, uuid); }

u32 journal_superblock_checksum(std::span<const u8> bytes) {
    return crc32c_with_hole(~0u, bytes.first(kSuperblockSize), kChecksum);
}

u32 block_tail_checksum(u32 seed, std::span<const u8> block) {
    return crc32c_with_hole(seed, block, block.size() - 4);
}

u32 commit_block_checksum(u32 seed, std::span<const u8> block) {
    return crc32c_with_hole(seed, block, kCommitChecksum);
}

u32 data_block_checksum(u32 seed, u32 sequence, std::span<const u8> logged) {
    u8 sequence_bytes[4];
    put_be32(sequence_bytes, 0, sequence);
    return crypto::crc32c_update(crypto::crc32c_update(seed, sequence_bytes), logged);
}

u32 crc32_be(u32 crc, std::span<const u8> bytes) {
    for (u8 byte : bytes) {
        crc ^= u32(byte) << 24;
        for (int bit = 0; bit < 8; bit++) crc = (crc & 0x80000000u) ? (crc << 1) ^ kCrc32BePolynomial : crc << 1;
    }
    return crc;
}

Result<JournalSuperblock> parse_journal_superblock(std::span<const u8> b, u32 fs_block_size, u64 inode_blocks,
                                                   Diagnosis* diagnosis) {
    if (b.size() < kSuperblockSize) return refuse(diagnosis, "journal superblock too short");
    Header header;
    if (!read_header(b, &header)) return refuse(diagnosis, "journal superblock has bad magic");
    JournalSuperblock jsb;
    jsb.block_type = header.type;
    if (jsb.block_type != block_type::kSuperblockV1 && jsb.block_type != block_type::kSuperblockV2)
        return refuse(diagnosis, "journal superblock has unknown block type");
    jsb.block_size = be32(b, kBlockSize);
    jsb.maxlen = be32(b, kMaxlen);
    jsb.first = be32(b, kFirst);
    jsb.sequence = be32(b, kSequence);
    jsb.start = be32(b, kStart);
    jsb.errno_value = i32(be32(b, kErrno));
    if (jsb.block_type == block_type::kSuperblockV2) {
        jsb.feature_compat = be32(b, kFeatureCompat);
        jsb.feature_incompat = be32(b, kFeatureIncompat);
        jsb.feature_ro_compat = be32(b, kFeatureRoCompat);
        for (int i = 0; i < 16; i++) jsb.uuid[i] = b[kUuid + i];
        jsb.checksum_type = b[kChecksumType];
        jsb.num_fc_blocks = be32(b, kNumFcBlocks);
        jsb.checksum = be32(b, kChecksum);
    }
    if (jsb.block_size != fs_block_size) return refuse(diagnosis, "journal block size differs from the volume's");
    if (jsb.maxlen > inode_blocks) return refuse(diagnosis, "journal longer than its inode");
    if (jsb.feature_incompat & ~incompat::kKnown) return refuse(diagnosis, "unknown journal incompatible feature");
    if (jsb.has_incompat(incompat::kCsumV2) && jsb.has_incompat(incompat::kCsumV3))
        return refuse(diagnosis, "journal claims checksum v2 and v3");
    if (jsb.csum_v2or3() && (jsb.feature_compat & compat::kChecksum))
        return refuse(diagnosis, "journal claims checksum v1 and v2/v3");
    if (jsb.csum_v2or3()) {
        if (jsb.checksum_type != kChecksumTypeCrc32c) return refuse(diagnosis, "unknown journal checksum type");
        if (journal_superblock_checksum(b) != jsb.checksum)
            return refuse(diagnosis, "journal superblock checksum mismatch");
    }
    // A ring needs room for at least a descriptor, a block and a commit block.
    if (jsb.first == 0 || jsb.last() < jsb.first + 3) return refuse(diagnosis, "journal ring too small");
    if (jsb.start != 0 && (jsb.start < jsb.first || jsb.start >= jsb.last()))
        return refuse(diagnosis, "journal start outside the ring");
    return jsb;
}

void encode_journal_superblock(const JournalSuperblock& jsb, std::span<u8> b) {
    put_be32(b, kSequence, jsb.sequence);
    put_be32(b, kStart, jsb.start);
    if (jsb.block_type == block_type::kSuperblockV2) {
        put_be32(b, kFeatureCompat, jsb.feature_compat);
        put_be32(b, kFeatureIncompat, jsb.feature_incompat);
        b[kChecksumType] = jsb.checksum_type;
        if (jsb.csum_v2or3()) put_be32(b, kChecksum, journal_superblock_checksum(b));
    }
}

Tag read_tag(const JournalSuperblock& jsb, std::span<const u8> b) {
    Tag tag;
    tag.block = be32(b, 0);
    if (jsb.has_incompat(incompat::kCsumV3)) {
        tag.flags = be32(b, 4);
        if (jsb.is_64bit()) tag.block |= u64(be32(b, 8)) << 32;
        tag.checksum = be32(b, 12);
    } else {
        tag.checksum = be16(b, 4);
        tag.flags = be16(b, 6);
        if (jsb.is_64bit()) tag.block |= u64(be32(b, 8)) << 32;
    }
    return tag;
}

void write_tag(const JournalSuperblock& jsb, const Tag& tag, std::span<u8> b) {
    for (usize i = 0; i < jsb.tag_size(); i++) b[i] = 0;
    put_be32(b, 0, u32(tag.block));
    if (jsb.has_incompat(incompat::kCsumV3)) {
        put_be32(b, 4, tag.flags);
        put_be32(b, 8, u32(tag.block >> 32));
        put_be32(b, 12, tag.checksum);
    } else {
        put_be16(b, 4, u16(tag.checksum));
        put_be16(b, 6, u16(tag.flags));
        if (jsb.is_64bit()) put_be32(b, 8, u32(tag.block >> 32));
    }
}

bool read_header(std::span<const u8> block, Header* header) {
    if (block.size() < kHeaderSize || be32(block, 0) != kMagic) return false;
    header->type = be32(block, 4);
    header->sequence = be32(block, 8);
    return true;
}

void write_header(std::span<u8> block, u32 type, u32 sequence) {
    put_be32(block, 0, kMagic);
    put_be32(block, 4, type);
    put_be32(block, 8, sequence);
}

}  // namespace ext4::jbd2
