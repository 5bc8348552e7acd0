#include "ext4/directory.h"

#include "crypto/crc32c.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr usize kInode = 0, kRecLen = 4, kNameLen = 6, kFileType = 7;
constexpr u8 kTailFileType = 0xDE;

bool has_filetype(const Superblock& sb) { return sb.has_incompat(incompat::kFiletype); }

u32 entries_end(const Superblock& sb) { return sb.block_size - (sb.metadata_csum() ? kDirTailSize : 0); }

bool has_tail(std::span<const u8> block) {
    usize at = block.size() - kDirTailSize;
    return le32(block, at + kInode) == 0 && le16(block, at + kRecLen) == kDirTailSize &&
           block[at + kNameLen] == 0 && block[at + kFileType] == kTailFileType;
}

}  // namespace

u32 decode_rec_len(u16 stored, u32 block_size) {
    if (block_size < 65536) return stored;
    if (stored == 65535 || stored == 0) return block_size;
    return (stored & 65532) | (u32(stored & 3) << 16);
}

u16 encode_rec_len(u32 length, u32 block_size) {
    if (block_size < 65536) return u16(length);
    if (length == block_size) return 65535;
    return u16((length & 65532) | ((length >> 16) & 3));
}

Result<std::optional<DirEntry>> DirBlockReader::next(Diagnosis* diagnosis) {
    if (m_failed) return refuse(diagnosis, "directory block already refused");
    if (m_offset >= m_end) return std::optional<DirEntry>();
    auto fail = [&](const char* reason) {
        m_failed = true;
        return refuse(diagnosis, reason);
    };
    if (m_end > m_block.size() || m_end - m_offset < dirent_size(1)) return fail("directory entry past the block");
    DirEntry e;
    e.offset = m_offset;
    e.inode = le32(m_block, m_offset + kInode);
    e.rec_len = decode_rec_len(le16(m_block, m_offset + kRecLen), m_sb.block_size);
    usize name_len = m_block[m_offset + kNameLen];
    if (has_filetype(m_sb))
        e.file_type = m_block[m_offset + kFileType];
    else if (m_block[m_offset + kFileType] != 0)
        return fail("directory name too long");
    if (e.rec_len < dirent_size(1) || e.rec_len % 4) return fail("bad directory rec_len");
    if (e.rec_len > m_end - m_offset) return fail("directory entry past the block");
    if (e.rec_len < dirent_size(name_len)) return fail("directory rec_len too small for its name");
    if (e.inode > m_sb.inodes_count) return fail("directory entry inode out of range");
    e.name = {reinterpret_cast<const char*>(m_block.data()) + m_offset + kDirentHeaderSize, name_len};
    if (e.inode != 0 && (name_len == 0 || e.name.find('/') != e.name.npos || e.name.find('\0') != e.name.npos))
        return fail("bad directory entry name");
    m_offset += e.rec_len;
    return std::optional<DirEntry>(e);
}

Result<u32> dir_block_entries_end(const Superblock& sb, std::span<const u8> block, u32 inode_seed,
                                  Diagnosis* diagnosis) {
    if (block.size() != sb.block_size) return refuse(diagnosis, "directory block size");
    if (!sb.metadata_csum()) return sb.block_size;
    if (!has_tail(block)) return refuse(diagnosis, "directory block without its checksum tail");
    u32 end = sb.block_size - kDirTailSize;
    if (crypto::crc32c_update(inode_seed, block.first(end)) != le32(block, end + kDirentHeaderSize))
        return refuse(diagnosis, "directory block checksum mismatch");
    return end;
}

bool is_dx_node_block(const Superblock& sb, std::span<const u8> block) {
    return le32(block, kInode) == 0 && decode_rec_len(le16(block, kRecLen), sb.block_size) == sb.block_size &&
           block[kNameLen] == 0;
}

void set_dir_block_checksum(const Superblock& sb, std::span<u8> block, u32 inode_seed) {
    if (!sb.metadata_csum()) return;
    u32 end = sb.block_size - kDirTailSize;
    put32(block, end + kDirentHeaderSize, crypto::crc32c_update(inode_seed, block.first(end)));
}

void init_dir_block(const Superblock& sb, std::span<u8> block, u32 inode_seed) {
    for (u8& byte : block) byte = 0;
    put16(block, kRecLen, encode_rec_len(entries_end(sb), sb.block_size));
    if (sb.metadata_csum()) {
        usize at = sb.block_size - kDirTailSize;
        put16(block, at + kRecLen, kDirTailSize);
        block[at + kFileType] = kTailFileType;
    }
    set_dir_block_checksum(sb, block, inode_seed);
}

Result<void> add_dirent(const Superblock& sb, std::span<u8> block, u32 inode_seed, std::string_view name,
                        u32 inode, FileType type) {
    if (name.empty() || name.size() > kMaxNameLength || inode == 0) return Error(EINVAL);
    u32 needed = dirent_size(name.size());
    DirBlockReader reader(sb, block, entries_end(sb));
    std::optional<DirEntry> slot;
    while (auto entry = TRY(reader.next())) {
        if (entry->inode != 0 && entry->name == name) return Error(EEXIST);
        u32 used = entry->inode ? dirent_size(entry->name.size()) : 0;
        if (!slot && entry->rec_len - used >= needed) slot = entry;
    }
    if (!slot) return Error(ENOSPC);
    u32 at = slot->offset, rec_len = slot->rec_len;
    if (slot->inode != 0) {  // split: the old entry keeps what its name needs
        u32 used = dirent_size(slot->name.size());
        put16(block, at + kRecLen, encode_rec_len(used, sb.block_size));
        at += used;
        rec_len -= used;
    }
    put32(block, at + kInode, inode);
    put16(block, at + kRecLen, encode_rec_len(rec_len, sb.block_size));
    block[at + kNameLen] = u8(name.size());
    block[at + kFileType] = has_filetype(sb) ? u8(type) : 0;
    for (usize i = 0; i < name.size(); i++) block[at + kDirentHeaderSize + i] = u8(name[i]);
    set_dir_block_checksum(sb, block, inode_seed);
    return {};
}

Result<void> remove_dirent(const Superblock& sb, std::span<u8> block, u32 inode_seed, std::string_view name) {
    DirBlockReader reader(sb, block, entries_end(sb));
    std::optional<DirEntry> previous;
    while (auto entry = TRY(reader.next())) {
        if (entry->inode == 0 || entry->name != name) {
            previous = entry;
            continue;
        }
        if (previous)  // the previous entry takes over the room
            put16(block, previous->offset + kRecLen, encode_rec_len(previous->rec_len + entry->rec_len, sb.block_size));
        else
            put32(block, entry->offset + kInode, 0);
        set_dir_block_checksum(sb, block, inode_seed);
        return {};
    }
    return Error(ENOENT);
}

}  // namespace ext4
