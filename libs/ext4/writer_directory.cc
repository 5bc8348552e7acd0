// The Writer's directory entries: linear blocks, htree directories made linear before an
// entry is added (writer.h says why).
#include <cstring>

#include "ext4/bytes.h"
#include "ext4/writer.h"

namespace ext4 {

namespace {


}  // namespace

Result<u64> Writer::directory_block(const Inode& dir, u64 logical) {
    BlockMapping mapping = TRY(m_volume.map_block(dir, logical, m_scratch));
    if (mapping.is_hole() || mapping.unwritten) return Error(EINVAL);
    return mapping.physical;
}

Result<std::optional<u32>> Writer::find(Inode& dir, std::string_view name) {
    return m_volume.lookup(dir, name, m_scratch);
}

// The physical block of the first leaf with an entry `name` (read into m_buffer); with
// `name` null, the first leaf with any entry but "." and "..". nullopt when none has.
Result<std::optional<u64>> Writer::leaf_holding(const Inode& dir, const std::string_view* name) {
    const Superblock& sb = superblock();
    bool indexed = is_indexed(sb, dir);
    u64 blocks = dir.size / sb.block_size;
    for (u64 logical = indexed ? 1 : 0; logical < blocks; logical++) {
        u64 physical = TRY(directory_block(dir, logical));
        TRY(m_store.read(physical * sb.block_size, m_buffer));
        if (indexed && is_dx_node_block(sb, m_buffer)) continue;
        u32 end = TRY(dir_block_entries_end(sb, m_buffer, dir.checksum_seed));
        DirBlockReader reader(sb, m_buffer, end);
        while (auto entry = TRY(reader.next())) {
            if (entry->inode == 0) continue;
            bool match = name ? entry->name == *name : entry->name != "." && entry->name != "..";
            if (match) return std::optional<u64>(physical);
        }
    }
    return std::optional<u64>();
}

Result<std::optional<u64>> Writer::block_holding(const Inode& dir, std::string_view name) {
    return leaf_holding(dir, &name);
}

Result<bool> Writer::is_empty(Inode& dir) {
    return !TRY(leaf_holding(dir, nullptr)).has_value();
}

// The htree goes: block 0 becomes a linear block holding "." and "..", interior dx_node
// blocks empty linear blocks; the leaves are linear blocks already.
Result<void> Writer::make_linear(Inode& dir) {
    const Superblock& sb = superblock();
    if (!(dir.flags & kFlagIndex)) return {};
    u64 blocks = dir.size / sb.block_size;
    if (blocks == 0) return Error(EINVAL);
    auto root = TRY(m_store.get(TRY(directory_block(dir, 0))));
    u32 self = le32(root, 0), parent = le32(root, 12);
    init_dir_block(sb, root, dir.checksum_seed);
    TRY(add_dirent(sb, root, dir.checksum_seed, ".", self, FileType::Directory));
    TRY(add_dirent(sb, root, dir.checksum_seed, "..", parent, FileType::Directory));
    for (u64 logical = 1; logical < blocks; logical++) {
        u64 physical = TRY(directory_block(dir, logical));
        TRY(m_store.read(physical * sb.block_size, m_buffer));
        if (!is_dx_node_block(sb, m_buffer)) continue;
        init_dir_block(sb, TRY(m_store.get(physical)), dir.checksum_seed);
    }
    dir.flags &= ~kFlagIndex;
    return {};
}

Result<void> Writer::add_entry(Inode& dir, std::string_view name, u32 number, FileType type) {
    const Superblock& sb = superblock();
    TRY(make_linear(dir));
    u64 blocks = dir.size / sb.block_size;
    u32 needed = dirent_size(name.size());
    for (u64 logical = 0; logical < blocks; logical++) {
        u64 physical = TRY(directory_block(dir, logical));
        // Look before taking a modifiable copy: most blocks of a large directory are full.
        TRY(m_store.read(physical * sb.block_size, m_buffer));
        u32 end = TRY(dir_block_entries_end(sb, m_buffer, dir.checksum_seed));
        DirBlockReader reader(sb, m_buffer, end);
        bool room = false;
        while (auto entry = TRY(reader.next())) {
            u32 used = entry->inode ? dirent_size(entry->name.size()) : 0;
            if (entry->rec_len - used >= needed) room = true;
        }
        if (!room) continue;
        auto block = TRY(m_store.get(physical));
        return add_dirent(sb, block, dir.checksum_seed, name, number, type);
    }
    // Full: one more block at the end.
    Allocator alloc = allocator();
    BlockRun run = TRY(alloc.allocate_blocks(TRY(goal_for(dir, blocks)), 1));
    auto block = TRY(m_store.get_new(run.start));
    init_dir_block(sb, block, dir.checksum_seed);
    TRY(add_dirent(sb, block, dir.checksum_seed, name, number, type));
    ExtentTree tree(m_store, sb, alloc);
    TRY(tree.insert(dir, {u32(blocks), 1, run.start, false}));
    dir.size += sb.block_size;
    return {};
}

Result<u32> Writer::remove_entry(Inode& dir, std::string_view name) {
    const Superblock& sb = superblock();
    auto physical = TRY(block_holding(dir, name));
    if (!physical) return Error(ENOENT);
    auto block = TRY(m_store.get(*physical));
    u32 end = TRY(dir_block_entries_end(sb, block, dir.checksum_seed));
    DirBlockReader reader(sb, block, end);
    u32 number = 0;
    while (auto entry = TRY(reader.next()))
        if (entry->inode != 0 && entry->name == name) number = entry->inode;
    TRY(remove_dirent(sb, block, dir.checksum_seed, name));
    return number;
}

// A directory moved to another parent: its ".." names the new one. An htree directory
// is made linear first, since its dx_root checksum covers "..".
Result<void> Writer::set_parent(Inode& dir, u32 parent) {
    const Superblock& sb = superblock();
    TRY(make_linear(dir));
    auto block = TRY(m_store.get(TRY(directory_block(dir, 0))));
    u32 end = TRY(dir_block_entries_end(sb, block, dir.checksum_seed));
    DirBlockReader reader(sb, block, end);
    while (auto entry = TRY(reader.next())) {
        if (entry->inode == 0 || entry->name != "..") continue;
        put32(block, entry->offset, parent);
        set_dir_block_checksum(sb, block, dir.checksum_seed);
        return {};
    }
    return Error(EINVAL);
}

}  // namespace ext4
