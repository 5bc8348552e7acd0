// Linear directory blocks (directory.rst): entries of inode (u32), rec_len (u16), name_len
// (u8), file_type (u8) and the name, each rec_len long, together covering the block.
// Under metadata_csum a block ends in a 12-byte fake entry holding its crc32c. The blocks
// of an htree (dx_root, dx_node) look like directory blocks with entries that cover them
// (htree.h reads them).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "ext4/superblock.h"

namespace ext4 {

constexpr usize kDirentHeaderSize = 8;
constexpr usize kDirTailSize = 12;
constexpr usize kMaxNameLength = 255;

// file_type values (filetype feature).
enum class FileType : u8 { Unknown = 0, Regular = 1, Directory = 2, CharDevice = 3, BlockDevice = 4,
                           Fifo = 5, Socket = 6, Symlink = 7 };

struct DirEntry {
    u32 inode = 0;  // 0: an unused slot
    u32 rec_len = 0;
    u8 file_type = 0;
    std::string_view name;  // points into the block
    u32 offset = 0;         // of the entry inside the block
    u64 block = 0;          // the directory's logical block (Volume::for_each_entry)
};

// Room an entry with a name of `name_len` bytes needs: header and name, rounded up to 4.
constexpr u32 dirent_size(usize name_len) { return u32((kDirentHeaderSize + name_len + 3) & ~usize(3)); }

// rec_len as stored: 64 KiB blocks need a 17th bit, kept in the low two bits.
u32 decode_rec_len(u16 stored, u32 block_size);
u16 encode_rec_len(u32 length, u32 block_size);

// Walks the entries of one block up to `end` (the block size, or the tail's offset).
// Every entry is checked before it is handed out: rec_len at least 12, a multiple of 4,
// room for the name, inside the block; inode within the volume; a used entry's name not
// empty and free of '/' and NUL. EINVAL with `diagnosis` otherwise; the walk then stops.
class DirBlockReader {
public:
    DirBlockReader(const Superblock& sb, std::span<const u8> block, u32 end)
        : m_sb(sb), m_block(block), m_end(end) {}
    // The next entry (unused ones included), or nullopt at the end.
    Result<std::optional<DirEntry>> next(Diagnosis* diagnosis = nullptr);

private:
    const Superblock& m_sb;
    std::span<const u8> m_block;
    u32 m_end;
    u32 m_offset = 0;
    bool m_failed = false;
};

// Where a leaf block's entries end: block_size, or block_size - 12 under metadata_csum
// after checking the tail and its crc32c (seeded by the directory inode). EINVAL when the
// tail is missing or the checksum does not match.
Result<u32> dir_block_entries_end(const Superblock& sb, std::span<const u8> block, u32 inode_seed,
                                  Diagnosis* diagnosis = nullptr);

// Whether a block of an htree directory is an interior dx_node: one unused entry that
// covers the whole block.
bool is_dx_node_block(const Superblock& sb, std::span<const u8> block);

// Writers. An empty leaf block (one unused entry, and the tail under metadata_csum);
// adding an entry where there is room (ENOSPC if none, EEXIST if the name is there);
// removing one by name (ENOENT). Each leaves the block's checksum up to date.
void init_dir_block(const Superblock& sb, std::span<u8> block, u32 inode_seed);
Result<void> add_dirent(const Superblock& sb, std::span<u8> block, u32 inode_seed, std::string_view name,
                        u32 inode, FileType type);
Result<void> remove_dirent(const Superblock& sb, std::span<u8> block, u32 inode_seed, std::string_view name);
void set_dir_block_checksum(const Superblock& sb, std::span<u8> block, u32 inode_seed);

}  // namespace ext4
