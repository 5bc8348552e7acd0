// The ext4 superblock: 1024 bytes at byte 1024 of the volume (Documentation/filesystems/
// ext4/super.rst). parse_superblock() checks every field the rest of libs/ext4 relies on
// before anything else is read, so a hostile image is refused here rather than later.
//
// Features. Incompatible features this library reads: filetype, extents (and the ext2/3
// block maps of files without them), 64bit, flex_bg, meta_bg, csum_seed, largedir (htree
// depth 3). Refused with EINVAL (see Diagnosis):
// compression, journal_dev, mmp, ea_inode, dirdata, inline_data, encrypt, casefold and
// any bit it does not know; "recover" (a journal to replay) is accepted only for a
// read-only mount (needs_recovery) until journal.h has replayed the journal. Read-only-compatible features it understands:
// sparse_super, large_file, huge_file, gdt_csum, dir_nlink, extra_isize, metadata_csum,
// btree_dir, quota, project, orphan_present; any other forces read-only (writable() false).
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"

namespace ext4 {

constexpr u64 kSuperblockOffset = 1024;
constexpr usize kSuperblockSize = 1024;
constexpr u16 kMagic = 0xEF53;

namespace compat {
constexpr u32 kHasJournal = 0x4;
constexpr u32 kExtAttr = 0x8;
constexpr u32 kResizeInode = 0x10;
constexpr u32 kDirIndex = 0x20;
constexpr u32 kSparseSuper2 = 0x200;
}  // namespace compat

namespace incompat {
constexpr u32 kCompression = 0x1;
constexpr u32 kFiletype = 0x2;
constexpr u32 kRecover = 0x4;
constexpr u32 kJournalDev = 0x8;
constexpr u32 kMetaBg = 0x10;
constexpr u32 kExtents = 0x40;
constexpr u32 k64Bit = 0x80;
constexpr u32 kMmp = 0x100;
constexpr u32 kFlexBg = 0x200;
constexpr u32 kEaInode = 0x400;
constexpr u32 kDirData = 0x1000;
constexpr u32 kCsumSeed = 0x2000;
constexpr u32 kLargeDir = 0x4000;
constexpr u32 kInlineData = 0x8000;
constexpr u32 kEncrypt = 0x10000;
constexpr u32 kCasefold = 0x20000;
constexpr u32 kSupported =
    kFiletype | kRecover | kMetaBg | kExtents | k64Bit | kFlexBg | kCsumSeed | kLargeDir;
}  // namespace incompat

namespace ro_compat {
constexpr u32 kSparseSuper = 0x1;
constexpr u32 kLargeFile = 0x2;
constexpr u32 kBtreeDir = 0x4;
constexpr u32 kHugeFile = 0x8;
constexpr u32 kGdtCsum = 0x10;
constexpr u32 kDirNlink = 0x20;
constexpr u32 kExtraIsize = 0x40;
constexpr u32 kQuota = 0x100;
constexpr u32 kBigalloc = 0x200;
constexpr u32 kMetadataCsum = 0x400;
constexpr u32 kReadonly = 0x1000;
constexpr u32 kProject = 0x2000;
constexpr u32 kOrphanPresent = 0x10000;
constexpr u32 kUnderstood = kSparseSuper | kLargeFile | kBtreeDir | kHugeFile | kGdtCsum |
                            kDirNlink | kExtraIsize | kQuota | kMetadataCsum | kProject |
                            kOrphanPresent;
}  // namespace ro_compat

// s_state
constexpr u16 kStateClean = 0x1;
constexpr u16 kStateErrors = 0x2;  // errors were found: the orphan list is not to be trusted

// s_flags: which char signedness the directory hashes use (the host that ran mke2fs's).
constexpr u32 kFlagSignedHash = 0x1;
constexpr u32 kFlagUnsignedHash = 0x2;

// Why a structure was refused: a short lowercase phrase, static storage.
struct Diagnosis {
    const char* reason = "";
    bool ok() const { return reason[0] == '\0'; }
};

// EINVAL with `reason` in the diagnosis, when there is one: how the parsers refuse.
inline Error refuse(Diagnosis* diagnosis, const char* reason) {
    if (diagnosis) diagnosis->reason = reason;
    return Error(EINVAL);
}

struct Superblock {
    u32 inodes_count = 0;
    u64 blocks_count = 0;
    u64 reserved_blocks = 0;
    u64 free_blocks = 0;
    u32 free_inodes = 0;
    u32 first_data_block = 0;  // 1 with 1 KiB blocks, else 0
    u32 block_size = 0;        // 1024 .. 65536
    u32 log_block_size = 0;    // block_size == 1024 << log_block_size
    u32 blocks_per_group = 0;
    u32 inodes_per_group = 0;
    u32 group_count = 0;
    u32 mtime = 0, wtime = 0;
    u16 state = 0;
    u32 rev_level = 0;
    u32 first_ino = 11;
    u16 inode_size = 128;
    u32 feature_compat = 0;
    u32 feature_incompat = 0;
    u32 feature_ro_compat = 0;
    u8 uuid[16] = {};
    char volume_name[17] = {};  // NUL-terminated copy
    u16 reserved_gdt_blocks = 0;
    u32 journal_inode = 0;
    // s_last_orphan: the first inode of the orphan list (0 when empty), each inode's
    // i_dtime naming the next (Linux's ext4_orphan_add). Not checked here: whoever walks
    // the list checks each number (writer.h).
    u32 last_orphan = 0;
    u32 hash_seed[4] = {};
    u8 default_hash_version = 0;
    u16 desc_size = 32;  // 32, or 64..1024 with the 64bit feature
    u32 first_meta_bg = 0;
    u32 mkfs_time = 0;
    u16 min_extra_isize = 0, want_extra_isize = 0;
    u32 flags = 0;
    u8 log_groups_per_flex = 0;
    u32 backup_groups[2] = {};  // sparse_super2
    u32 checksum_seed = 0;  // crc32c seed of every metadata checksum (metadata_csum)
    u32 checksum = 0;       // s_checksum as stored

    bool has_incompat(u32 bit) const { return (feature_incompat & bit) != 0; }
    bool has_ro_compat(u32 bit) const { return (feature_ro_compat & bit) != 0; }
    bool has_compat(u32 bit) const { return (feature_compat & bit) != 0; }
    bool metadata_csum() const { return has_ro_compat(ro_compat::kMetadataCsum); }
    bool is_64bit() const { return has_incompat(incompat::k64Bit); }
    // A journal must be replayed (ext4::replay_journal, journal.h) before the volume may be
    // written.
    bool needs_recovery() const { return has_incompat(incompat::kRecover); }
    // False when a read-only-compatible feature this library does not understand is on
    // (or the readonly feature): the volume may be read but never written.
    bool writable() const {
        return (feature_ro_compat & ~ro_compat::kUnderstood) == 0 && !needs_recovery();
    }
    bool hash_unsigned() const { return (flags & kFlagUnsignedHash) != 0; }
    // Where the superblock lives: block 1 with 1 KiB blocks, else byte 1024 of block 0.
    u64 superblock_block() const { return block_size == 1024 ? 1 : 0; }
    usize superblock_offset_in_block() const { return block_size == 1024 ? 0 : usize(kSuperblockOffset); }
    u32 descriptors_per_block() const { return block_size / desc_size; }
    u32 group_descriptor_blocks() const {
        return (group_count + descriptors_per_block() - 1) / descriptors_per_block();
    }
    u64 group_first_block(u32 group) const {
        return first_data_block + u64(group) * blocks_per_group;
    }
    // Blocks in `group`: blocks_per_group except perhaps in the last group.
    u32 blocks_in_group(u32 group) const;
    // Whether `group` holds a copy of the superblock and descriptors (sparse_super: groups
    // 0, 1 and powers of 3, 5 and 7; sparse_super2: 0 and the two backup groups).
    bool group_has_superblock(u32 group) const;
};

// Parses and validates the 1024 superblock bytes. EINVAL with `diagnosis` set on bad
// magic, sizes or counts out of range, a checksum mismatch (metadata_csum), or an
// incompatible feature this library cannot read.
Result<Superblock> parse_superblock(std::span<const u8> bytes, Diagnosis* diagnosis = nullptr);

// s_checksum over the first 1020 bytes: what a writer stores after changing a field.
u32 superblock_checksum(std::span<const u8> bytes);

// Stores new free block and inode counts into the superblock's bytes (the 64bit high
// half too) and, under metadata_csum, its checksum again.
void set_superblock_free_counts(const Superblock& sb, std::span<u8> bytes, u64 free_blocks, u32 free_inodes);

// Stores a new head of the orphan list (s_last_orphan) and, under metadata_csum, the
// checksum again.
void set_superblock_last_orphan(const Superblock& sb, std::span<u8> bytes, u32 inode);

}  // namespace ext4
