// An ext4 volume read through a BlockReader: the superblock checked once at open(), then
// inodes, file data, symlinks, directories (linear and htree lookups) and bitmaps on
// demand. Nothing is cached and nothing allocated: each call takes a scratch buffer of
// scratch_size() bytes (two blocks) from its caller, so the kernel can keep these off its
// stack and put a block cache behind the reader. Not thread-safe: one caller at a time, or
// one Volume per thread over the same reader.
//
//   ext4::Volume volume = TRY(ext4::Volume::open(device));
//   u32 ino = TRY(volume.resolve("etc/hostname", scratch));
//   ext4::Inode inode = TRY(volume.read_inode(ino, scratch));
//   usize n = TRY(volume.read_file(inode, 0, buffer, scratch));
//
// Errors: EINVAL for anything malformed (diagnosis() says what), EIO from the reader,
// ENOENT/ENOTDIR from lookups, E2BIG when scratch is too small.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "ext4/directory.h"
#include "ext4/group_desc.h"
#include "ext4/inode.h"
#include "ext4/superblock.h"

namespace ext4 {

// Where the volume's bytes come from (virtio-blk and a cache in the kernel, a file or a
// vector in tests). libs/ext4 asks for whole blocks at block-aligned offsets, and once for
// the superblock (1024 bytes at byte 1024).
class BlockReader {
public:
    virtual Result<void> read(u64 offset, std::span<u8> out) = 0;

protected:
    ~BlockReader() = default;  // never deleted through this interface
};

// Where a logical block of a file lies: `length` blocks from `physical` on, or a hole
// (physical 0) of `length` blocks. Unwritten extents read as zeros.
struct BlockMapping {
    u64 physical = 0;
    u64 length = 0;
    bool unwritten = false;
    bool is_hole() const { return physical == 0; }
};

// Called for each directory entry in on-disk order, unused slots left out. Return false
// to stop.
class DirVisitor {
public:
    virtual bool visit(const DirEntry& entry) = 0;

protected:
    ~DirVisitor() = default;
};

class Volume {
public:
    static Result<Volume> open(BlockReader& device, Diagnosis* diagnosis = nullptr);

    const Superblock& superblock() const { return m_sb; }
    usize scratch_size() const { return 2 * usize(m_sb.block_size); }
    // Why the last call that failed with EINVAL refused the volume.
    const Diagnosis& diagnosis() const { return m_diagnosis; }

    Result<GroupDesc> group(u32 group, std::span<u8> scratch);
    Result<Inode> read_inode(u32 number, std::span<u8> scratch);

    // Through the extent tree, or the block map of a file without extents.
    Result<BlockMapping> map_block(const Inode& inode, u64 logical, std::span<u8> scratch);
    // Copies file bytes from `offset` into `out`; fewer at the end of the file.
    Result<usize> read_file(const Inode& inode, u64 offset, std::span<u8> out, std::span<u8> scratch);
    // A symlink's target (fast: inside the inode; slow: in its data block), cut to `out`.
    Result<usize> read_symlink(const Inode& inode, std::span<char> out, std::span<u8> scratch);

    // The used entries in on-disk order, from the directory's block `first_block` on (a
    // listing resumed where it stopped: an entry's block and offset do not change while
    // others come and go, so they make a stable position).
    Result<void> for_each_entry(const Inode& dir, DirVisitor& visitor, std::span<u8> scratch, u64 first_block = 0);
    // The inode `name` names in `dir`, or nullopt. lookup() uses the htree when the
    // directory has one (and falls back to a linear scan if that tree is malformed).
    Result<std::optional<u32>> lookup(const Inode& dir, std::string_view name, std::span<u8> scratch);
    Result<std::optional<u32>> lookup_linear(const Inode& dir, std::string_view name, std::span<u8> scratch);
    Result<std::optional<u32>> lookup_htree(const Inode& dir, std::string_view name, std::span<u8> scratch);
    // Follows a '/'-separated path from the root (symlinks are not followed); ENOENT or
    // ENOTDIR as Linux would say.
    Result<u32> resolve(std::string_view path, std::span<u8> scratch);

    // A group's bitmap (block_size bytes) into `out`, its checksum checked. A group whose
    // bitmap was never initialised (the *_UNINIT flags) reads as what Linux would build
    // for it (fill_uninit_*_bitmap: its own metadata blocks in use, the rest free);
    // returns false then.
    Result<bool> read_block_bitmap(u32 group, std::span<u8> out, std::span<u8> scratch);
    Result<bool> read_inode_bitmap(u32 group, std::span<u8> out, std::span<u8> scratch);

private:
    Volume(BlockReader& device, const Superblock& sb) : m_device(&device), m_sb(sb) {}
    Error refuse(const char* reason);
    Error refuse_with(const Diagnosis& diagnosis);
    Result<void> read_block(u64 block, std::span<u8> out);
    // Whole blocks from `first` on, into `out` (a multiple of the block size), in one read.
    Result<void> read_blocks(u64 first, std::span<u8> out);
    Result<std::span<u8>> block_buffer(std::span<u8> scratch, int index);
    Result<BlockMapping> map_indirect(const Inode& inode, u64 logical, std::span<u8> buffer);
    Result<u64> directory_blocks(const Inode& dir);
    Result<u64> directory_block(const Inode& dir, u64 logical, std::span<u8> out, std::span<u8> scratch);
    Result<std::optional<u32>> find_in_leaf(std::span<const u8> block, std::string_view name, u32 inode_seed);

    BlockReader* m_device;
    Superblock m_sb;
    Diagnosis m_diagnosis;
};

}  // namespace ext4
