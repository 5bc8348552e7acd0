// An ext4 inode as the VFS sees it: metadata and the reading operations. Changes are in
// ext4_inode_write.cc.
#include "fs/ext4/ext4_filesystem.h"
#include "lib/log.h"

namespace fs::ext4fs {

namespace {

InodeType type_of_entry(u8 file_type) {
    // ext4's dirent file types: 1 file, 2 dir, 3 char, 4 block, 5 fifo, 6 socket, 7 symlink.
    switch (file_type) {
        case 2: return InodeType::Directory;
        case 3: return InodeType::CharDevice;
        case 4: return InodeType::BlockDevice;
        case 5: return InodeType::Fifo;
        case 6: return InodeType::Socket;
        case 7: return InodeType::Symlink;
        default: return InodeType::Regular;
    }
}

}  // namespace

Ext4Inode::Ext4Inode(Filesystem& filesystem, const ::ext4::Inode& on_disk, RefPtr<Inode> parent)
    : Inode(filesystem, type_from_mode(on_disk.mode), on_disk.number), m_disk(on_disk),
      m_parent_ref(static_cast<RefPtr<Inode>&&>(parent)) {
    m_parent = m_parent_ref.get();
    take(on_disk);
}

Ext4Inode::~Ext4Inode() {
    // What mappings wrote was written back as each ended (shared_mapping_ended), while
    // they still held the inode.
    if (m_shared_written) fs().unlist_shared(*this);
    fs().release(*this);
}

void Ext4Inode::take(const ::ext4::Inode& on_disk) {
    m_disk = on_disk;
    MutexLocker lock(m_lock);
    m_permissions = on_disk.mode & 07777;
    m_uid = on_disk.uid;
    m_gid = on_disk.gid;
    m_nlink = on_disk.links_count;
    m_atime = {on_disk.atime.seconds, on_disk.atime.nanoseconds};
    m_mtime = {on_disk.mtime.seconds, on_disk.mtime.nanoseconds};
    m_ctime = {on_disk.ctime.seconds, on_disk.ctime.nanoseconds};
}

u64 Ext4Inode::size() {
    MutexLocker lock(fs().volume_lock());
    return m_disk.size;
}

Result<void> Ext4Inode::stat(Stat& out) {
    TRY(Inode::stat(out));
    MutexLocker lock(fs().volume_lock());
    out.st_blocks = static_cast<i64>(m_disk.blocks_512);
    out.st_blksize = fs().block_size();
    return {};
}

Result<RefPtr<Inode>> Ext4Inode::lookup(std::string_view name) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name == ".") return RefPtr<Inode>(this);
    if (name == "..") return RefPtr<Inode>(m_parent ? m_parent : this);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    auto found = TRY(fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) -> Result<std::optional<u32>> {
        if (m_dead) return Error(ENOENT);
        return v.lookup(m_disk, name, scratch);
    }));
    if (!found) return Error(ENOENT);
    return fs().inode(*found, RefPtr<Inode>(this));
}

Result<bool> Ext4Inode::read_dir(u64& cursor, DirEntry& out) {
    if (!is_directory()) return Error(ENOTDIR);
    // The cursor is a position: the next entry is the first at or after it, counted as
    // block * block_size + offset. An entry keeps its place while others are added and
    // removed (a removal merges the space into its neighbour), so a listing interleaved
    // with unlinks (rm -r) neither skips nor repeats what stays.
    u32 block_size = fs().block_size();
    struct Next final : ::ext4::DirVisitor {
        u64 from;
        u32 block_size;
        DirEntry* out;
        u64 found_at = 0;
        bool found = false;
        bool visit(const ::ext4::DirEntry& entry) override {
            u64 position = entry.block * block_size + entry.offset;
            if (position < from) return true;
            if (entry.name.size() > kNameMax) return true;
            out->ino = entry.inode;
            out->type = type_of_entry(entry.file_type);
            __builtin_memcpy(out->name, entry.name.data(), entry.name.size());
            out->name[entry.name.size()] = '\0';
            found_at = position;
            found = true;
            return false;
        }
    } next;
    next.from = cursor;
    next.block_size = block_size;
    next.out = &out;
    TRY(fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) -> Result<void> {
        if (m_dead) return Error(ENOENT);  // removed while open: as Linux (and tmpfs) say
        return v.for_each_entry(m_disk, next, scratch, cursor / block_size);
    }));
    if (!next.found) return false;
    cursor = next.found_at + 1;
    return true;
}

Result<usize> Ext4Inode::read(u64 offset, const IoBuffer& buffer) {
    if (is_directory()) return Error(EISDIR);
    // Reads of up to 64 KiB go in one piece (the whole blocks in one device request).
    constexpr usize kMaxChunk = 64 * KiB;
    const usize kChunk = buffer.length < kMaxChunk ? (buffer.length ? buffer.length : 1) : kMaxChunk;
    u8* bounce = new (std::nothrow) u8[kChunk];
    if (!bounce) return Error(ENOMEM);
    usize done = 0;
    Result<usize> result = usize(0);
    while (done < buffer.length) {
        usize want = buffer.length - done < kChunk ? buffer.length - done : kChunk;
        // Read under the volume lock into the bounce buffer; copied out after it (a copy
        // to user memory may fault).
        auto got = fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) {
            return v.read_file(m_disk, offset + done, {bounce, want}, scratch);
        });
        if (got.is_error()) {
            if (!done) result = Error(got.error());
            break;
        }
        read_shared(offset + done, bounce, got.value());  // what shared mappings hold is newer
        if (auto copied = buffer.copy_out(done, bounce, got.value()); copied.is_error()) {
            if (!done) result = Error(copied.error());
            break;
        }
        done += got.value();
        if (got.value() < want) break;  // the end of the file
    }
    delete[] bounce;
    if (result.is_error()) return result;
    return done;
}

Result<usize> Ext4Inode::readlink(char* out, usize capacity) {
    if (type() != InodeType::Symlink) return Error(EINVAL);
    return fs().with_volume(
        [&](::ext4::Volume& v, std::span<u8> scratch) { return v.read_symlink(m_disk, {out, capacity}, scratch); });
}

}  // namespace fs::ext4fs
