// Directories of a Volume: iteration, linear and htree lookups, path resolution.
#include "ext4/dx_hash.h"
#include "ext4/htree.h"
#include "ext4/volume.h"

namespace ext4 {

namespace {

constexpr u32 kMaxPathComponents = 4096;

class NameFinder final : public DirVisitor {
public:
    explicit NameFinder(std::string_view name) : m_name(name) {}
    bool visit(const DirEntry& entry) override {
        if (entry.name != m_name) return true;
        found = entry.inode;
        return false;
    }
    std::optional<u32> found;

private:
    std::string_view m_name;
};


}  // namespace

Result<u64> Volume::directory_blocks(const Inode& dir) {
    if (!dir.is_directory()) return Error(ENOTDIR);
    if (dir.size % m_sb.block_size) return refuse("directory size not a whole number of blocks");
    return dir.size / m_sb.block_size;
}

// Reads logical block `logical` of a directory into `out`; a hole is malformed.
Result<u64> Volume::directory_block(const Inode& dir, u64 logical, std::span<u8> out, std::span<u8> scratch) {
    BlockMapping mapping = TRY(map_block(dir, logical, scratch));
    if (mapping.is_hole() || mapping.unwritten) return refuse("hole in a directory");
    TRY(read_block(mapping.physical, out));
    return mapping.physical;
}

Result<void> Volume::for_each_entry(const Inode& dir, DirVisitor& visitor, std::span<u8> scratch, u64 first_block) {
    u64 blocks = TRY(directory_blocks(dir));
    auto buffer = TRY(block_buffer(scratch, 0));
    bool indexed = is_indexed(m_sb, dir);
    for (u64 logical = first_block; logical < blocks; logical++) {
        TRY(directory_block(dir, logical, buffer, scratch));
        u32 end = m_sb.block_size;  // an htree root holds "." and ".." over the whole block
        if (indexed && logical > 0 && is_dx_node_block(m_sb, buffer)) continue;
        if (!indexed || logical > 0) {
            Diagnosis why;
            auto checked = dir_block_entries_end(m_sb, buffer, dir.checksum_seed, &why);
            if (checked.is_error()) return refuse_with(why);
            end = checked.value();
        }
        DirBlockReader reader(m_sb, buffer, end);
        for (;;) {
            Diagnosis why;
            auto next = reader.next(&why);
            if (next.is_error()) return refuse_with(why);
            if (!next.value()) break;
            if (next.value()->inode == 0) continue;
            DirEntry entry = *next.value();
            entry.block = logical;
            if (!visitor.visit(entry)) return {};
        }
    }
    return {};
}

Result<std::optional<u32>> Volume::lookup_linear(const Inode& dir, std::string_view name, std::span<u8> scratch) {
    NameFinder finder(name);
    TRY(for_each_entry(dir, finder, scratch));
    return finder.found;
}

Result<std::optional<u32>> Volume::find_in_leaf(std::span<const u8> block, std::string_view name, u32 inode_seed) {
    Diagnosis why;
    auto end = dir_block_entries_end(m_sb, block, inode_seed, &why);
    if (end.is_error()) return refuse_with(why);
    DirBlockReader reader(m_sb, block, end.value());
    for (;;) {
        auto next = reader.next(&why);
        if (next.is_error()) return refuse_with(why);
        if (!next.value()) return std::optional<u32>();
        if (next.value()->inode != 0 && next.value()->name == name) return std::optional<u32>(next.value()->inode);
    }
}

Result<std::optional<u32>> Volume::lookup_htree(const Inode& dir, std::string_view name, std::span<u8> scratch) {
    u64 blocks = TRY(directory_blocks(dir));
    if (!is_indexed(m_sb, dir)) return refuse("directory has no htree");
    if (blocks == 0) return refuse("empty indexed directory");
    auto buffer = TRY(block_buffer(scratch, 0));
    TRY(directory_block(dir, 0, buffer, scratch));
    Diagnosis why;
    auto root = parse_dx_root(m_sb, buffer, dir.checksum_seed, &why);
    if (root.is_error()) return refuse_with(why);
    auto hash = dx_hash(effective_hash_version(root.value().hash_version, m_sb.hash_unsigned()), name, m_sb.hash_seed);
    if (!hash) return refuse("unknown htree hash version");
    u32 levels = root.value().indirect_levels;

    // The path from the root to the leaf: which node block, which entry in it.
    struct Step {
        u64 block;
        u16 index;
        u16 count;
    } path[3];
    // Reads node `depth` (block `block`, the root at depth 0) and steps to the entry for
    // `hash`, or to its first entry when continuing into the next leaf; returns the block
    // that entry points at.
    auto descend = [&](u32 depth, u64 block, bool first_entry) -> Result<u64> {
        if (block >= blocks) return refuse("htree entry past the directory");
        TRY(directory_block(dir, block, buffer, scratch));
        auto node = depth == 0 ? parse_dx_root(m_sb, buffer, dir.checksum_seed, &why)
                               : parse_dx_node(m_sb, buffer, dir.checksum_seed, &why);
        if (node.is_error()) return refuse_with(why);
        u16 index = first_entry ? 0 : dx_find(buffer, node.value(), hash->major);
        path[depth] = {block, index, node.value().count};
        return u64(dx_entry_at(buffer, node.value(), index).block);
    };
    u64 leaf = 0;
    for (u32 depth = 0; depth <= levels; depth++) leaf = TRY(descend(depth, leaf, false));

    for (;;) {
        if (leaf == 0 || leaf >= blocks) return refuse("htree entry past the directory");
        TRY(directory_block(dir, leaf, buffer, scratch));
        if (auto found = TRY(find_in_leaf(buffer, name, dir.checksum_seed))) return std::optional<u32>(found);
        // Names with the same hash may continue in the next leaf: its entry's hash then
        // equals ours with the low "continued" bit set.
        int depth = int(levels);
        while (depth >= 0 && path[depth].index + 1 >= path[depth].count) depth--;
        if (depth < 0) return std::optional<u32>();
        TRY(directory_block(dir, path[depth].block, buffer, scratch));
        auto node = depth == 0 ? parse_dx_root(m_sb, buffer, dir.checksum_seed, &why)
                               : parse_dx_node(m_sb, buffer, dir.checksum_seed, &why);
        if (node.is_error()) return refuse_with(why);
        DxEntry next = dx_entry_at(buffer, node.value(), ++path[depth].index);
        if ((next.hash & ~1u) != hash->major) return std::optional<u32>();
        leaf = next.block;
        for (u32 deeper = u32(depth) + 1; deeper <= levels; deeper++) leaf = TRY(descend(deeper, leaf, true));
    }
}

Result<std::optional<u32>> Volume::lookup(const Inode& dir, std::string_view name, std::span<u8> scratch) {
    if (name.empty() || name.size() > kMaxNameLength) return std::optional<u32>();
    if (is_indexed(m_sb, dir)) {
        auto indexed = lookup_htree(dir, name, scratch);
        if (indexed.is_ok() || indexed.error() != EINVAL) return indexed;
        // A malformed index: the entries themselves may still be sound.
    }
    return lookup_linear(dir, name, scratch);
}

Result<u32> Volume::resolve(std::string_view path, std::span<u8> scratch) {
    u32 current = kRootInode;
    u32 components = 0;
    while (!path.empty()) {
        usize slash = path.find('/');
        std::string_view name = path.substr(0, slash);
        path = slash == path.npos ? std::string_view() : path.substr(slash + 1);
        if (name.empty() || name == ".") continue;
        if (++components > kMaxPathComponents) return Error(ENAMETOOLONG);
        Inode dir = TRY(read_inode(current, scratch));
        if (!dir.is_directory()) return Error(ENOTDIR);
        auto found = TRY(lookup(dir, name, scratch));
        if (!found) return Error(ENOENT);
        current = *found;
    }
    return current;
}

}  // namespace ext4
