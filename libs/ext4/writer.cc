// The Writer's inode-level operations; directories' entries are in writer_directory.cc.
#include "ext4/writer.h"

#include <cstring>

#include "crypto/crc32c.h"
#include "ext4/bytes.h"

namespace ext4 {

namespace {

constexpr u16 kPermissionMask = 07777;
constexpr u16 kTypeCharDevice = 0020000, kTypeBlockDevice = 0060000, kTypeFifo = 0010000, kTypeSocket = 0140000;
constexpr u32 kMaxLinks = 65000;
constexpr u16 kExtraIsize = 32;  // the fields Linux's ext4_inode has past 128 bytes

// The crc32c seed of an inode's own blocks: its number, then its generation.
u32 inode_seed(const Superblock& sb, u32 number, u32 generation) {
    u8 word[4];
    put32(word, 0, number);
    u32 seed = crypto::crc32c_update(sb.checksum_seed, word);
    put32(word, 0, generation);
    return crypto::crc32c_update(seed, word);
}

// Device numbers in i_block: the old 8:8 form in word 0 when both fit, else Linux's
// new_encode_dev in word 1.
void encode_device(u8* block, u32 major, u32 minor) {
    std::span<u8> words(block, kInodeBlockBytes);
    if (major < 256 && minor < 256) {
        put32(words, 0, (major << 8) | minor);
        return;
    }
    put32(words, 4, (minor & 0xFF) | (major << 8) | ((minor & ~0xFFu) << 12));
}

}  // namespace

FileType file_type_of(u16 mode) {
    switch (mode & kTypeMask) {
        case kTypeRegular: return FileType::Regular;
        case kTypeDirectory: return FileType::Directory;
        case kTypeSymlink: return FileType::Symlink;
        case kTypeCharDevice: return FileType::CharDevice;
        case kTypeBlockDevice: return FileType::BlockDevice;
        case kTypeFifo: return FileType::Fifo;
        case kTypeSocket: return FileType::Socket;
        default: return FileType::Unknown;
    }
}

Result<void> check_name(std::string_view name) {
    if (name.empty()) return Error(ENOENT);
    if (name.size() > kMaxNameLength) return Error(ENAMETOOLONG);
    if (name.find('/') != name.npos || name.find('\0') != name.npos) return Error(EINVAL);
    return {};
}

Writer::Writer(BlockStore& store, const Volume& volume, std::span<u8> memory)
    : m_store(store), m_volume(volume) {
    u32 bs = volume.superblock().block_size;
    m_scratch = memory.first(2 * usize(bs));
    m_buffer = memory.subspan(2 * usize(bs), bs);
    m_next_generation = volume.superblock().wtime * 2654435761u;
}

Result<Writer> Writer::open(BlockStore& store, std::span<u8> memory) {
    Volume volume = TRY(Volume::open(store));
    const Superblock& sb = volume.superblock();
    // An unknown read-only-compatible feature forbids writing. A journal waiting for
    // replay does too, but that flag is also what a live journal sets while mounted
    // read-write (journal.h), so replaying first is the caller's part.
    if ((sb.feature_ro_compat & ~ro_compat::kUnderstood) != 0) return Error(EROFS);
    if (memory.size() < memory_size(sb.block_size)) return Error(E2BIG);
    return Writer(store, volume, memory);
}

Result<Inode> Writer::load_directory(u32 number) {
    Inode dir = TRY(inode(number));
    if (!dir.is_directory()) return Error(ENOTDIR);
    if (dir.links_count == 0) return Error(ENOENT);  // removed, still open
    return dir;
}

// Encodes the inode into its slot of the inode table; a fresh one over zeros, so no
// field of the inode that used the slot before survives.
Result<void> Writer::store_inode(const Inode& inode, bool fresh) {
    const Superblock& sb = superblock();
    if (inode.number == 0 || inode.number > sb.inodes_count) return Error(EINVAL);
    u32 group = (inode.number - 1) / sb.inodes_per_group;
    GroupDesc desc = TRY(allocator().read_desc(group));
    u64 byte = u64((inode.number - 1) % sb.inodes_per_group) * sb.inode_size;
    auto block = TRY(m_store.get(desc.inode_table + byte / sb.block_size));
    auto bytes = block.subspan(usize(byte % sb.block_size), sb.inode_size);
    if (fresh) std::memset(bytes.data(), 0, bytes.size());
    encode_inode(sb, inode, bytes);
    return {};
}

Inode Writer::fresh_inode(u32 number, u16 mode, const NewInode& init) {
    const Superblock& sb = superblock();
    Inode n;
    n.number = number;
    n.mode = mode;
    n.uid = init.uid;
    n.gid = init.gid;
    n.links_count = 1;
    n.generation = m_next_generation++;
    n.extra_isize = sb.inode_size > 128 ? u16(sb.inode_size - 128 < kExtraIsize ? sb.inode_size - 128 : kExtraIsize) : 0;
    n.atime = n.ctime = n.mtime = n.crtime = init.now;
    n.checksum_seed = inode_seed(sb, number, n.generation);
    return n;
}

// Where a file's block `logical` should go: right after the block before it, else in
// the inode's own group.
Result<u64> Writer::goal_for(const Inode& inode, u64 logical) {
    if (logical > 0) {
        BlockMapping before = TRY(m_volume.map_block(inode, logical - 1, m_scratch));
        if (!before.is_hole()) return before.physical + 1;
    }
    const Superblock& sb = superblock();
    return sb.group_first_block((inode.number - 1) / sb.inodes_per_group);
}

Result<u32> Writer::make_node(u32 dir_number, std::string_view name, const NewInode& init,
                              std::string_view symlink_target) {
    TRY(check_name(name));
    const Superblock& sb = superblock();
    Inode dir = TRY(load_directory(dir_number));
    u16 type = init.mode & kTypeMask;
    bool is_dir = type == kTypeDirectory;
    if (file_type_of(init.mode) == FileType::Unknown) return Error(EINVAL);
    if (is_dir && dir.links_count >= kMaxLinks) return Error(EMLINK);
    if (TRY(find(dir, name))) return Error(EEXIST);
    bool extents = type == kTypeRegular || is_dir || (type == kTypeSymlink && symlink_target.size() >= kInodeBlockBytes);
    if (extents && !sb.has_incompat(incompat::kExtents)) return Error(EOPNOTSUPP);

    Allocator alloc = allocator();
    u32 number = TRY(alloc.allocate_inode(dir_number, is_dir));
    Inode node = fresh_inode(number, init.mode, init);
    if (extents) {
        node.flags |= kFlagExtents;
        init_extent_root(node.block);
    }
    ExtentTree tree(m_store, sb, alloc);
    if (is_dir) {
        node.links_count = 2;
        BlockRun run = TRY(alloc.allocate_blocks(TRY(goal_for(node, 0)), 1));
        auto block = TRY(m_store.get_new(run.start));
        init_dir_block(sb, block, node.checksum_seed);
        TRY(add_dirent(sb, block, node.checksum_seed, ".", number, FileType::Directory));
        TRY(add_dirent(sb, block, node.checksum_seed, "..", dir_number, FileType::Directory));
        TRY(tree.insert(node, {0, 1, run.start, false}));
        node.size = sb.block_size;
    } else if (type == kTypeSymlink) {
        node.size = symlink_target.size();
        if (!extents) {
            std::memcpy(node.block, symlink_target.data(), symlink_target.size());
        } else {
            BlockRun run = TRY(alloc.allocate_blocks(TRY(goal_for(node, 0)), 1));
            std::memset(m_buffer.data(), 0, m_buffer.size());
            std::memcpy(m_buffer.data(), symlink_target.data(), symlink_target.size());
            TRY(m_store.write_data(run.start, m_buffer));
            TRY(tree.insert(node, {0, 1, run.start, false}));
        }
    } else if (type == kTypeCharDevice || type == kTypeBlockDevice) {
        encode_device(node.block, init.device_major, init.device_minor);
    }
    TRY(store_inode(node, true));
    TRY(add_entry(dir, name, number, file_type_of(init.mode)));
    if (is_dir) dir.links_count++;
    dir.mtime = dir.ctime = init.now;
    TRY(store_inode(dir));
    return number;
}

Result<u32> Writer::create(u32 dir, std::string_view name, const NewInode& init) {
    u16 type = init.mode & kTypeMask;
    if (type == kTypeDirectory || type == kTypeSymlink) return Error(EINVAL);
    return make_node(dir, name, init, {});
}

Result<u32> Writer::mkdir(u32 dir, std::string_view name, const NewInode& init) {
    NewInode as_dir = init;
    as_dir.mode = u16(kTypeDirectory | (init.mode & kPermissionMask));
    return make_node(dir, name, as_dir, {});
}

Result<u32> Writer::symlink(u32 dir, std::string_view name, std::string_view target, const NewInode& init) {
    if (target.empty()) return Error(ENOENT);
    if (target.size() >= superblock().block_size) return Error(ENAMETOOLONG);
    NewInode as_link = init;
    as_link.mode = kTypeSymlink | 0777;
    return make_node(dir, name, as_link, target);
}

Result<void> Writer::link(u32 dir_number, std::string_view name, u32 number, Timestamp now) {
    TRY(check_name(name));
    Inode dir = TRY(load_directory(dir_number));
    Inode target = TRY(inode(number));
    if (target.is_directory()) return Error(EPERM);
    if (target.links_count == 0) return Error(ENOENT);
    if (target.links_count >= kMaxLinks) return Error(EMLINK);
    if (TRY(find(dir, name))) return Error(EEXIST);
    TRY(add_entry(dir, name, number, file_type_of(target.mode)));
    target.links_count++;
    target.ctime = now;
    dir.mtime = dir.ctime = now;
    TRY(store_inode(target));
    return store_inode(dir);
}

// The last link is gone: the blocks and the inode are freed, and it leaves the orphan
// list if it was on it (its i_dtime was the list's link). The inode keeps its mode and
// gets a deletion time, as Linux leaves it.
Result<void> Writer::release(Inode& node, Timestamp now) {
    TRY(orphan_remove(node.number));
    if (node.uses_extents()) {
        Allocator alloc = allocator();
        ExtentTree tree(m_store, superblock(), alloc);
        TRY(tree.truncate(node, 0));
    } else if (node.blocks_512 != 0) {
        return Error(EOPNOTSUPP);  // a block-mapped file: freeing its map is not written
    }
    node.links_count = 0;
    node.size = 0;
    node.dtime = now;
    TRY(store_inode(node));
    return allocator().free_inode(node.number, node.is_directory());
}

// One link fewer; the last one frees the inode, or puts it on the orphan list until
// free_unlinked() (Linux's ext4_orphan_add in the unlink's own transaction).
Result<void> Writer::drop_link(Inode& node, Timestamp now, bool keep_unlinked) {
    node.ctime = now;
    if (node.links_count > 0) node.links_count--;
    if (node.links_count == 0 && !keep_unlinked) return release(node, now);
    if (node.links_count == 0) TRY(orphan_add_node(node));
    return store_inode(node);
}

// A directory with no links is accepted too: Linux's rmdir of a directory still in use
// leaves one on the orphan list.
Result<void> Writer::free_unlinked(u32 number, Timestamp now) {
    Inode node = TRY(inode(number));
    if (node.links_count != 0) return Error(EINVAL);
    return release(node, now);
}

Result<void> Writer::unlink(u32 dir_number, std::string_view name, Timestamp now, bool keep_unlinked) {
    TRY(check_name(name));
    if (name == "." || name == "..") return Error(EISDIR);
    Inode dir = TRY(load_directory(dir_number));
    auto found = TRY(find(dir, name));
    if (!found) return Error(ENOENT);
    Inode target = TRY(inode(*found));
    if (target.is_directory()) return Error(EISDIR);
    TRY(remove_entry(dir, name));
    dir.mtime = dir.ctime = now;
    TRY(store_inode(dir));
    return drop_link(target, now, keep_unlinked);
}

Result<void> Writer::rmdir(u32 dir_number, std::string_view name, Timestamp now) {
    TRY(check_name(name));
    if (name == ".") return Error(EINVAL);
    if (name == "..") return Error(ENOTEMPTY);
    Inode dir = TRY(load_directory(dir_number));
    auto found = TRY(find(dir, name));
    if (!found) return Error(ENOENT);
    Inode target = TRY(inode(*found));
    if (!target.is_directory()) return Error(ENOTDIR);
    if (!TRY(is_empty(target))) return Error(ENOTEMPTY);
    TRY(remove_entry(dir, name));
    if (dir.links_count > 2) dir.links_count--;
    dir.mtime = dir.ctime = now;
    TRY(store_inode(dir));
    return release(target, now);
}

// Whether `directory` is `ancestor` or lies below it, by following "..".
Result<bool> Writer::below(u32 directory, u32 ancestor) {
    for (u32 steps = 0; steps < superblock().inodes_count; steps++) {
        if (directory == ancestor) return true;
        if (directory == kRootInode) return false;
        Inode dir = TRY(load_directory(directory));
        auto parent = TRY(find(dir, ".."));
        if (!parent) return Error(EINVAL);
        directory = *parent;
    }
    return Error(ELOOP);
}

Result<void> Writer::rename(u32 from_number, std::string_view from_name, u32 to_number, std::string_view to_name,
                            Timestamp now, bool keep_unlinked) {
    TRY(check_name(from_name));
    TRY(check_name(to_name));
    if (from_name == "." || from_name == ".." || to_name == "." || to_name == "..") return Error(EINVAL);
    Inode from = TRY(load_directory(from_number));
    auto source_number = TRY(find(from, from_name));
    if (!source_number) return Error(ENOENT);
    Inode to_storage;
    bool same_dir = from_number == to_number;
    if (!same_dir) to_storage = TRY(load_directory(to_number));
    Inode& to = same_dir ? from : to_storage;
    auto target_number = TRY(find(to, to_name));
    if (target_number == source_number) return {};  // two names of one inode: nothing to do
    Inode source = TRY(inode(*source_number));
    bool moving_dir = source.is_directory();
    if (moving_dir && !same_dir && TRY(below(to_number, *source_number))) return Error(EINVAL);
    if (moving_dir && !target_number && to.links_count >= kMaxLinks && !same_dir) return Error(EMLINK);

    std::optional<Inode> replaced;
    if (target_number) {
        replaced = TRY(inode(*target_number));
        Inode& target = *replaced;
        if (moving_dir && !target.is_directory()) return Error(ENOTDIR);
        if (!moving_dir && target.is_directory()) return Error(EISDIR);
        if (target.is_directory() && !TRY(is_empty(target))) return Error(ENOTEMPTY);
        TRY(remove_entry(to, to_name));
        target.ctime = now;
        if (target.is_directory() && to.links_count > 2) to.links_count--;
    }
    TRY(add_entry(to, to_name, *source_number, file_type_of(source.mode)));
    TRY(remove_entry(from, from_name));
    if (moving_dir && !same_dir) {
        TRY(set_parent(source, to_number));
        if (from.links_count > 2) from.links_count--;
        to.links_count++;
    }
    source.ctime = now;
    TRY(store_inode(source));
    from.mtime = from.ctime = now;
    TRY(store_inode(from));
    if (!same_dir) {
        to.mtime = to.ctime = now;
        TRY(store_inode(to));
    }
    // The replaced inode last: freeing it may rewrite another inode's orphan link (the
    // source's, if a truncate in steps put it on the list), which the copies stored
    // above would otherwise overwrite.
    if (!replaced) return {};
    if (replaced->is_directory()) return release(*replaced, now);
    return drop_link(*replaced, now, keep_unlinked);
}

// Zeroes the bytes of the block holding byte `from` that lie past it, if that block is
// mapped: whatever a file's last block held past its end must read as zeros once the file
// grows over it (a block mke2fs or another writer filled need not be clean there).
Result<void> Writer::zero_tail(const Inode& node, u64 from) {
    const Superblock& sb = superblock();
    if (from % sb.block_size == 0) return {};
    BlockMapping mapping = TRY(m_volume.map_block(node, from / sb.block_size, m_scratch));
    if (mapping.is_hole() || mapping.unwritten) return {};
    TRY(m_store.read(mapping.physical * sb.block_size, m_buffer));
    std::memset(m_buffer.data() + from % sb.block_size, 0, sb.block_size - from % sb.block_size);
    return m_store.write_data(mapping.physical, m_buffer);
}

Result<usize> Writer::write(u32 number, u64 offset, std::span<const u8> data, Timestamp now) {
    const Superblock& sb = superblock();
    Inode node = TRY(inode(number));
    if (node.is_directory()) return Error(EISDIR);
    if (!node.is_regular()) return Error(EINVAL);
    if (!node.uses_extents()) return Error(EOPNOTSUPP);
    if (data.empty()) return usize(0);
    u64 end = offset + data.size();
    if (end < offset || (end + sb.block_size - 1) / sb.block_size > (u64(1) << 32)) return Error(EFBIG);
    if (offset > node.size) TRY(zero_tail(node, node.size));
    Allocator alloc = allocator();
    ExtentTree tree(m_store, sb, alloc);
    u64 position = offset;
    // The bytes of block `logical` this write supplies, the rest kept from `old` (or
    // zero), into m_buffer.
    auto fill = [&](u64 logical, bool keep_old, u64 physical) -> Result<void> {
        u64 block_start = logical * sb.block_size;
        u64 from = position > block_start ? position : block_start;
        u64 to = end < block_start + sb.block_size ? end : block_start + sb.block_size;
        bool whole = from == block_start && to == block_start + sb.block_size;
        if (!whole && keep_old)
            TRY(m_store.read(physical * sb.block_size, m_buffer));
        else if (!whole)
            std::memset(m_buffer.data(), 0, m_buffer.size());
        std::memcpy(m_buffer.data() + (from - block_start), data.data() + (from - offset), usize(to - from));
        position = to;
        return {};
    };
    // Blocks [logical, logical + count) of the file, at `physical` on: a block the write
    // covers only in part goes through m_buffer; a run of whole blocks goes from `data` to
    // the device in one write (one request, not one a block).
    auto put = [&](u64 logical, u64 physical, u64 count, bool keep_old) -> Result<void> {
        for (u64 i = 0; i < count;) {
            u64 block_start = (logical + i) * sb.block_size;
            if (position != block_start || end - block_start < sb.block_size) {
                TRY(fill(logical + i, keep_old, physical + i));
                TRY(m_store.write_data(physical + i, m_buffer));
                i++;
                continue;
            }
            u64 whole = (end - block_start) / sb.block_size;
            if (whole > count - i) whole = count - i;
            TRY(m_store.write_data(physical + i, data.subspan(usize(block_start - offset), usize(whole * sb.block_size))));
            position = block_start + whole * sb.block_size;
            i += whole;
        }
        return {};
    };
    while (position < end) {
        u64 logical = position / sb.block_size;
        u64 last = (end - 1) / sb.block_size;
        BlockMapping mapping = TRY(m_volume.map_block(node, logical, m_scratch));
        if (mapping.unwritten) return Error(EOPNOTSUPP);
        u64 blocks = last - logical + 1 < mapping.length ? last - logical + 1 : mapping.length;
        if (!mapping.is_hole()) {
            TRY(put(logical, mapping.physical, blocks, true));
            continue;
        }
        u32 want = u32(blocks < kMaxInitExtentLength ? blocks : kMaxInitExtentLength);
        BlockRun run = TRY(alloc.allocate_blocks(TRY(goal_for(node, logical)), want));
        TRY(put(logical, run.start, run.count, false));
        TRY(tree.insert(node, {u32(logical), run.count, run.start, false}));
    }
    if (end > node.size) node.size = end;
    node.mtime = node.ctime = now;
    TRY(store_inode(node));
    return data.size();
}

Result<void> Writer::truncate(u32 number, u64 size, Timestamp now) {
    const Superblock& sb = superblock();
    Inode node = TRY(inode(number));
    if (node.is_directory()) return Error(EISDIR);
    if (!node.is_regular()) return Error(EINVAL);
    if (!node.uses_extents()) return Error(EOPNOTSUPP);
    if ((size + sb.block_size - 1) / sb.block_size > (u64(1) << 32)) return Error(EFBIG);
    if (size < node.size) {
        Allocator alloc = allocator();
        ExtentTree tree(m_store, sb, alloc);
        TRY(tree.truncate(node, (size + sb.block_size - 1) / sb.block_size));
        TRY(zero_tail(node, size));  // so that the rest reads as zeros if the file grows again
    } else if (size > node.size) {
        TRY(zero_tail(node, node.size));
    }
    node.size = size;
    node.mtime = node.ctime = now;
    return store_inode(node);
}

Result<bool> Writer::truncate_some(u32 number, u64 size, u32 max_extents, Timestamp now) {
    const Superblock& sb = superblock();
    Inode node = TRY(inode(number));
    if (node.is_directory()) return Error(EISDIR);
    if (!node.is_regular()) return Error(EINVAL);
    if (size > node.size) {
        TRY(truncate(number, size, now));
        return true;
    }
    // `size` equal to the file's: a truncate start_truncate() began, blocks left past it.
    if (!node.uses_extents()) return Error(EOPNOTSUPP);
    Allocator alloc = allocator();
    ExtentTree tree(m_store, sb, alloc);
    u64 first = (size + sb.block_size - 1) / sb.block_size;
    u64 unmapped = TRY(tree.truncate_some(node, first, max_extents));
    if (unmapped <= first) {
        TRY(store_inode(node));
        TRY(truncate(number, size, now));  // nothing left to free: the size and the last block
        // Done: a file that still has links leaves the orphan list (one still open after
        // its unlink stays on it until free_unlinked).
        if (node.links_count > 0) TRY(orphan_remove(number));
        return true;
    }
    u64 reached = unmapped * sb.block_size;
    if (reached < node.size) node.size = reached;
    node.mtime = node.ctime = now;
    TRY(store_inode(node));
    return false;
}

Result<void> Writer::start_truncate(u32 number, u64 size, Timestamp now) {
    Inode node = TRY(inode(number));
    if (node.is_directory()) return Error(EISDIR);
    if (!node.is_regular()) return Error(EINVAL);
    if (size >= node.size) return {};
    if (!node.uses_extents()) return Error(EOPNOTSUPP);
    TRY(orphan_add_node(node));
    TRY(zero_tail(node, size));  // so that the rest reads as zeros if the file grows again
    node.size = size;
    node.mtime = node.ctime = now;
    return store_inode(node);
}

Result<void> Writer::set_attributes(u32 number, const Attributes& a) {
    Inode node = TRY(inode(number));
    if (a.mode) node.mode = u16((node.mode & kTypeMask) | (*a.mode & kPermissionMask));
    if (a.uid) node.uid = *a.uid;
    if (a.gid) node.gid = *a.gid;
    if (a.atime) node.atime = *a.atime;
    if (a.mtime) node.mtime = *a.mtime;
    node.ctime = a.now;
    return store_inode(node);
}

}  // namespace ext4
