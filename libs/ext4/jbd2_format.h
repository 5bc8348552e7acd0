// jbd2, the journal of ext4, as it lies on disk (Documentation/filesystems/ext4/journal.rst,
// include/linux/jbd2.h). Every field is big-endian, unlike the rest of ext4. The journal is
// a ring of blocks inside the journal inode: block 0 holds the journal superblock, blocks
// first .. last-1 hold transactions, each one or more descriptor blocks (tags naming the
// home block of each logged copy that follows), revoke blocks, and a commit block.
//
// This file only parses and encodes; journal.h walks and writes the ring.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4::jbd2 {

constexpr u32 kMagic = 0xC03B3998;
constexpr usize kHeaderSize = 12;  // magic, block type, sequence
constexpr usize kSuperblockSize = 1024;

namespace block_type {
constexpr u32 kDescriptor = 1;
constexpr u32 kCommit = 2;
constexpr u32 kSuperblockV1 = 3;
constexpr u32 kSuperblockV2 = 4;
constexpr u32 kRevoke = 5;
}  // namespace block_type

namespace compat {
constexpr u32 kChecksum = 0x1;  // checksum v1: a crc32 of the whole transaction in the commit block
}
namespace incompat {
constexpr u32 kRevoke = 0x1;
constexpr u32 k64Bit = 0x2;
constexpr u32 kAsyncCommit = 0x4;
constexpr u32 kCsumV2 = 0x8;
constexpr u32 kCsumV3 = 0x10;
constexpr u32 kFastCommit = 0x20;
constexpr u32 kKnown = kRevoke | k64Bit | kAsyncCommit | kCsumV2 | kCsumV3 | kFastCommit;
}  // namespace incompat

// Tag flags.
constexpr u32 kFlagEscape = 0x1;    // the logged copy began with kMagic, stored as zeros
constexpr u32 kFlagSameUuid = 0x2;  // no 16-byte UUID follows this tag
constexpr u32 kFlagDeleted = 0x4;   // unused by jbd2
constexpr u32 kFlagLastTag = 0x8;

constexpr u8 kChecksumTypeCrc32c = 4;      // s_checksum_type with csum v2/v3
constexpr u32 kDefaultFastCommitBlocks = 256;  // when s_num_fc_blks is 0

inline u32 be32(std::span<const u8> b, usize at) {
    return (u32(b[at]) << 24) | (u32(b[at + 1]) << 16) | (u32(b[at + 2]) << 8) | u32(b[at + 3]);
}
inline u16 be16(std::span<const u8> b, usize at) { return u16((b[at] << 8) | b[at + 1]); }
inline u64 be64(std::span<const u8> b, usize at) { return (u64(be32(b, at)) << 32) | be32(b, at + 4); }
inline void put_be32(std::span<u8> b, usize at, u32 v) {
    for (int i = 0; i < 4; i++) b[at + i] = u8(v >> (24 - 8 * i));
}
inline void put_be16(std::span<u8> b, usize at, u16 v) {
    b[at] = u8(v >> 8);
    b[at + 1] = u8(v);
}
inline void put_be64(std::span<u8> b, usize at, u64 v) {
    put_be32(b, at, u32(v >> 32));
    put_be32(b, at + 4, u32(v));
}

// Transaction IDs wrap at 2^32: compared the way jbd2's tid_gt() does.
inline bool tid_after(u32 a, u32 b) { return i32(a - b) > 0; }

// The journal superblock (journal block 0). Byte offsets are in jbd2_format.cc.
struct JournalSuperblock {
    u32 block_type = 0;  // kSuperblockV1 or kSuperblockV2
    u32 block_size = 0;
    u32 maxlen = 0;      // blocks in the journal, this superblock included
    u32 first = 0;       // first block of the ring
    u32 sequence = 0;    // the first transaction ID expected in the log
    u32 start = 0;       // where that transaction begins; 0 when the journal is empty
    i32 errno_value = 0;  // set when jbd2 aborted the journal
    u32 feature_compat = 0, feature_incompat = 0, feature_ro_compat = 0;
    u8 uuid[16] = {};
    u8 checksum_type = 0;
    u32 num_fc_blocks = 0;
    u32 checksum = 0;

    bool has_incompat(u32 bit) const { return (feature_incompat & bit) != 0; }
    bool csum_v2or3() const { return has_incompat(incompat::kCsumV2 | incompat::kCsumV3); }
    bool is_64bit() const { return has_incompat(incompat::k64Bit); }
    bool empty() const { return start == 0; }
    // One past the last block of the ring: the fast-commit area, at the end, is not part
    // of it.
    u32 last() const;
    // Bytes of one block tag in a descriptor block, the 16-byte UUID not counted.
    usize tag_size() const;
    // Bytes at the end of a descriptor or revoke block that hold its checksum.
    usize tail_size() const { return csum_v2or3() ? 4 : 0; }
    // The crc32c seed of every journal checksum but the superblock's: crc32c(uuid).
    u32 checksum_seed() const;
};

// Parses and checks the journal superblock of a journal of `inode_blocks` blocks on a
// volume of `fs_block_size`. EINVAL with `diagnosis` on anything this library would
// misread: bad magic or block type, sizes out of range, a start outside the ring, a
// checksum mismatch, both v1 and v2/v3 checksums, an unknown incompatible feature.
Result<JournalSuperblock> parse_journal_superblock(std::span<const u8> bytes, u32 fs_block_size, u64 inode_blocks,
                                                   Diagnosis* diagnosis = nullptr);

// Writes sequence, start, features and checksum type of `jsb` into the superblock's bytes
// and then its checksum (under csum v2/v3); other fields are left as they were.
void encode_journal_superblock(const JournalSuperblock& jsb, std::span<u8> bytes);

// Checksums (all crc32c). Each covers a whole block with its own checksum field as zeros.
u32 journal_superblock_checksum(std::span<const u8> bytes);
u32 block_tail_checksum(u32 seed, std::span<const u8> block);   // descriptor and revoke blocks
u32 commit_block_checksum(u32 seed, std::span<const u8> block);
u32 data_block_checksum(u32 seed, u32 sequence, std::span<const u8> logged);
// v1 (compat::kChecksum): the big-endian crc32 jbd2 chains over a transaction's blocks.
u32 crc32_be(u32 crc, std::span<const u8> bytes);

// Commit block fields.
constexpr usize kCommitChecksumType = 12, kCommitChecksumSize = 13, kCommitChecksum = 16,
                kCommitSeconds = 48, kCommitNanoseconds = 56;
constexpr u8 kCrc32ChecksumType = 1, kCrc32ChecksumSize = 4;
// Revoke block: the header, then the count of bytes used (header and count included).
constexpr usize kRevokeCount = 12, kRevokeRecords = 16;

// One tag of a descriptor block.
struct Tag {
    u64 block = 0;  // home block number
    u32 flags = 0;
    u32 checksum = 0;  // 16 bits with csum v2, 32 with v3
};
Tag read_tag(const JournalSuperblock& jsb, std::span<const u8> bytes);
void write_tag(const JournalSuperblock& jsb, const Tag& tag, std::span<u8> bytes);

// A header (magic, type, sequence) at the start of a block; false when the magic is absent.
struct Header {
    u32 type = 0;
    u32 sequence = 0;
};
bool read_header(std::span<const u8> block, Header* header);
void write_header(std::span<u8> block, u32 type, u32 sequence);

}  // namespace ext4::jbd2
