// Inodes: 128 bytes of the original layout plus i_extra_isize more (inode.rst). Inode
// numbers start at 1; inode n lives in group (n-1) / inodes_per_group.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4 {

constexpr u32 kRootInode = 2;
constexpr usize kInodeBlockBytes = 60;  // i_block: extent root, or a fast symlink's target

// i_mode file types (the Linux st_mode values).
constexpr u16 kTypeMask = 0170000;
constexpr u16 kTypeSymlink = 0120000;
constexpr u16 kTypeRegular = 0100000;
constexpr u16 kTypeDirectory = 0040000;

// i_flags
constexpr u32 kFlagIndex = 0x1000;       // directory with an htree
constexpr u32 kFlagHugeFile = 0x40000;   // i_blocks counts file-system blocks
constexpr u32 kFlagExtents = 0x80000;
constexpr u32 kFlagEaInode = 0x200000;
constexpr u32 kFlagInlineData = 0x10000000;

struct Timestamp {
    i64 seconds = 0;  // since the epoch; 34 bits with the extra field, else signed 32
    u32 nanoseconds = 0;
    bool operator==(const Timestamp&) const = default;
};

struct Inode {
    u32 number = 0;
    u16 mode = 0;
    u32 uid = 0;
    u32 gid = 0;
    u64 size = 0;
    u32 links_count = 0;
    u64 blocks_512 = 0;  // space used, in 512-byte units (i_blocks, huge_file applied)
    u32 flags = 0;
    u32 generation = 0;
    u64 file_acl = 0;
    u16 extra_isize = 0;
    Timestamp atime, ctime, mtime, crtime, dtime;
    u8 block[kInodeBlockBytes] = {};  // i_block as stored
    u32 checksum_seed = 0;  // crc32c seed of this inode's extent and directory blocks

    u16 type() const { return mode & kTypeMask; }
    bool is_directory() const { return type() == kTypeDirectory; }
    bool is_regular() const { return type() == kTypeRegular; }
    bool is_symlink() const { return type() == kTypeSymlink; }
    bool uses_extents() const { return (flags & kFlagExtents) != 0; }
    // A symlink whose target sits in i_block itself (no data block).
    bool is_fast_symlink() const { return is_symlink() && !uses_extents() && size < kInodeBlockBytes; }
};

// Parses sb.inode_size bytes of inode `number`. EINVAL with `diagnosis` on a checksum
// mismatch (metadata_csum), a bad i_extra_isize, inline data or an extent flag without
// the extents feature.
// A directory whose blocks carry an htree index (and the volume allows one).
inline bool is_indexed(const Superblock& sb, const Inode& dir) {
    return sb.has_compat(compat::kDirIndex) && (dir.flags & kFlagIndex);
}

Result<Inode> parse_inode(const Superblock& sb, std::span<const u8> bytes, u32 number,
                          Diagnosis* diagnosis = nullptr);

// Writes `inode` into `bytes` (sb.inode_size, holding the inode as it was or zeros) and
// sets its checksum. Fields this library does not model (i_version, projid) are kept.
void encode_inode(const Superblock& sb, const Inode& inode, std::span<u8> bytes);

// The inode's crc32c (metadata_csum) over its bytes with the checksum fields as zero.
u32 inode_checksum(const Superblock& sb, std::span<const u8> bytes, u32 number);

}  // namespace ext4
