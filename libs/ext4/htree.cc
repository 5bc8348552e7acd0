#include "ext4/htree.h"

#include "crypto/crc32c.h"
#include "ext4/bytes.h"
#include "ext4/directory.h"

namespace ext4 {

namespace {

constexpr u32 kRootInfo = 0x18, kHtreeRootEntries = 0x20, kNodeEntries = 0x8;
constexpr u32 kDxEntrySize = 8, kDxTailSize = 8;
constexpr u8 kRootInfoLength = 8;

Result<DxNode> parse_entries(const Superblock& sb, std::span<const u8> block, u32 inode_seed, DxNode node,
                             Diagnosis* diagnosis) {
    u32 room = sb.block_size - node.entries_offset - (sb.metadata_csum() ? kDxTailSize : 0);
    node.limit = le16(block, node.entries_offset);
    node.count = le16(block, node.entries_offset + 2);
    if (node.limit != room / kDxEntrySize) return refuse(diagnosis, "bad htree limit");
    if (node.count == 0 || node.count > node.limit) return refuse(diagnosis, "bad htree count");
    for (u16 i = 2; i < node.count; i++)
        if (dx_entry_at(block, node, i).hash < dx_entry_at(block, node, u16(i - 1)).hash)
            return refuse(diagnosis, "htree hashes out of order");
    if (sb.metadata_csum()) {
        u32 tail = node.entries_offset + node.limit * kDxEntrySize;
        if (dx_checksum(block, node, inode_seed) != le32(block, tail + 4)) return refuse(diagnosis, "htree checksum mismatch");
    }
    return node;
}

}  // namespace

u32 dx_checksum(std::span<const u8> block, const DxNode& node, u32 inode_seed) {
    u32 tail = node.entries_offset + node.limit * kDxEntrySize;
    u32 crc = crypto::crc32c_update(inode_seed, block.first(node.entries_offset + node.count * kDxEntrySize));
    const u8 zero[4] = {};
    crc = crypto::crc32c_update(crc, block.subspan(tail, 4));
    return crypto::crc32c_update(crc, zero);
}

DxEntry dx_entry_at(std::span<const u8> block, const DxNode& node, u16 index) {
    u32 at = node.entries_offset + index * kDxEntrySize;
    return {index == 0 ? 0 : le32(block, at), le32(block, at + 4)};
}

u16 dx_find(std::span<const u8> block, const DxNode& node, u32 hash) {
    u16 low = 1, high = node.count;  // binary search over entries 1 .. count-1
    while (low < high) {
        u16 middle = u16(low + (high - low) / 2);
        if (dx_entry_at(block, node, middle).hash <= hash)
            low = u16(middle + 1);
        else
            high = middle;
    }
    return u16(low - 1);
}

Result<DxNode> parse_dx_root(const Superblock& sb, std::span<const u8> block, u32 inode_seed, Diagnosis* diagnosis) {
    if (block.size() != sb.block_size) return refuse(diagnosis, "htree block size");
    // "." then ".." covering the rest of the block.
    if (le16(block, 4) != dirent_size(1) || block[6] != 1 || block[8] != '.')
        return refuse(diagnosis, "htree root without '.'");
    if (decode_rec_len(le16(block, 12 + 4), sb.block_size) != sb.block_size - 12 || block[12 + 6] != 2 ||
        block[12 + 8] != '.' || block[12 + 9] != '.')
        return refuse(diagnosis, "htree root without '..'");
    DxNode node;
    node.entries_offset = kHtreeRootEntries;
    node.hash_version = block[kRootInfo + 4];
    node.indirect_levels = block[kRootInfo + 6];
    if (le32(block, kRootInfo) != 0 || block[kRootInfo + 5] != kRootInfoLength)
        return refuse(diagnosis, "bad htree root info");
    if (node.indirect_levels > dx_max_levels(sb)) return refuse(diagnosis, "htree too deep");
    return parse_entries(sb, block, inode_seed, node, diagnosis);
}

Result<DxNode> parse_dx_node(const Superblock& sb, std::span<const u8> block, u32 inode_seed, Diagnosis* diagnosis) {
    if (block.size() != sb.block_size) return refuse(diagnosis, "htree block size");
    if (!is_dx_node_block(sb, block)) return refuse(diagnosis, "not an htree node");
    DxNode node;
    node.entries_offset = kNodeEntries;
    return parse_entries(sb, block, inode_seed, node, diagnosis);
}

}  // namespace ext4
