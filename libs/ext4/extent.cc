#include "ext4/extent.h"

#include "crypto/crc32c.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kMagicAt = 0, kEntries = 2, kMax = 4, kDepth = 6;
constexpr usize kRootEntries = 4;  // i_block holds a header and four entries

usize entry_offset(u16 index) { return kExtentEntrySize * (usize(index) + 1); }

}  // namespace

Extent extent_at(std::span<const u8> node, u16 index) {
    usize at = entry_offset(index);
    Extent e;
    e.logical = le32(node, at);
    u16 length = le16(node, at + 4);
    e.unwritten = length > kMaxInitExtentLength;
    e.length = e.unwritten ? length - kMaxInitExtentLength : length;
    e.physical = (u64(le16(node, at + 6)) << 32) | le32(node, at + 8);
    return e;
}

ExtentIndex extent_index_at(std::span<const u8> node, u16 index) {
    usize at = entry_offset(index);
    return {le32(node, at), le32(node, at + 4) | (u64(le16(node, at + 8)) << 32)};
}

Result<ExtentHeader> check_extent_node(const Superblock& sb, std::span<const u8> node,
                                       u64 logical_end, Diagnosis* diagnosis) {
    if (node.size() < kExtentEntrySize) return refuse(diagnosis, "extent node too short");
    if (le16(node, kMagicAt) != kExtentMagic) return refuse(diagnosis, "bad extent magic");
    ExtentHeader h{le16(node, kEntries), le16(node, kMax), le16(node, kDepth)};
    if (h.depth > kMaxExtentDepth) return refuse(diagnosis, "extent tree too deep");
    if (h.max == 0 || entry_offset(h.max) > node.size()) return refuse(diagnosis, "bad extent node capacity");
    if (h.entries > h.max) return refuse(diagnosis, "more extents than the node holds");
    if (sb.metadata_csum() && node.size() > kExtentEntrySize * (kRootEntries + 1) &&
        extent_tail_offset(h.max) + 4 > node.size())
        return refuse(diagnosis, "no room for the extent tail");

    u64 next_free = 0;  // first logical block the next entry may start at
    for (u16 i = 0; i < h.entries; i++) {
        if (h.depth > 0) {
            ExtentIndex index = extent_index_at(node, i);
            if (i > 0 && index.logical < next_free) return refuse(diagnosis, "extent indexes out of order");
            if (index.logical >= logical_end) return refuse(diagnosis, "extent index past its parent");
            if (index.child < sb.first_data_block || index.child >= sb.blocks_count)
                return refuse(diagnosis, "extent index outside the volume");
            next_free = u64(index.logical) + 1;
            continue;
        }
        Extent e = extent_at(node, i);
        if (e.length == 0) return refuse(diagnosis, "empty extent");
        if (e.logical < next_free) return refuse(diagnosis, "extents overlap or out of order");
        next_free = u64(e.logical) + e.length;
        if (next_free > logical_end) return refuse(diagnosis, "extent past its parent");
        if (e.physical < sb.first_data_block || e.physical >= sb.blocks_count ||
            e.length > sb.blocks_count - e.physical)
            return refuse(diagnosis, "extent outside the volume");
    }
    return h;
}

u32 extent_block_checksum(std::span<const u8> node, u32 inode_seed) {
    return crypto::crc32c_update(inode_seed, node.first(extent_tail_offset(le16(node, kMax))));
}

u32 stored_extent_checksum(std::span<const u8> node) {
    return le32(node, extent_tail_offset(le16(node, kMax)));
}

void set_extent_block_checksum(std::span<u8> node, u32 inode_seed) {
    put32(node, extent_tail_offset(le16(node, kMax)), extent_block_checksum(node, inode_seed));
}

void init_extent_root(std::span<u8> i_block) {
    for (u8& byte : i_block) byte = 0;
    put16(i_block, kMagicAt, kExtentMagic);
    put16(i_block, kEntries, 0);
    put16(i_block, kMax, kRootEntries);
    put16(i_block, kDepth, 0);
}

Result<void> insert_extent(std::span<u8> node, const Extent& extent) {
    if (le16(node, kMagicAt) != kExtentMagic || le16(node, kDepth) != 0) return Error(EINVAL);
    u16 entries = le16(node, kEntries), max = le16(node, kMax);
    u32 longest = extent.unwritten ? kMaxInitExtentLength - 1 : kMaxInitExtentLength;
    if (extent.length == 0 || extent.length > longest) return Error(EINVAL);
    if (entries >= max || entry_offset(max) > node.size()) return Error(ENOSPC);
    u16 at = 0;
    while (at < entries && extent_at(node, at).logical < extent.logical) at++;
    u64 end = u64(extent.logical) + extent.length;
    if (at > 0) {
        Extent before = extent_at(node, u16(at - 1));
        if (u64(before.logical) + before.length > extent.logical) return Error(EINVAL);
    }
    if (at < entries && extent_at(node, at).logical < end) return Error(EINVAL);
    for (u16 i = entries; i > at; i--)
        for (usize k = 0; k < kExtentEntrySize; k++)
            node[entry_offset(i) + k] = node[entry_offset(u16(i - 1)) + k];
    usize off = entry_offset(at);
    put32(node, off, extent.logical);
    put16(node, off + 4, u16(extent.unwritten ? extent.length + kMaxInitExtentLength : extent.length));
    put16(node, off + 6, u16(extent.physical >> 32));
    put32(node, off + 8, u32(extent.physical));
    put16(node, kEntries, u16(entries + 1));
    return {};
}

}  // namespace ext4
