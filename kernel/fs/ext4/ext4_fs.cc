#include "fs/ext4/ext4_fs.h"

#include <new>

#include "ext4/volume.h"
#include "fs/inode_table.h"
#include "fs/vfs.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "sync/mutex.h"

namespace fs::ext4fs {

namespace {

constexpr u64 kExt4Magic = 0xef53;
constexpr usize kCacheBytes = 1 * MiB;
constexpr u64 kFirstDevice = 0x60;  // st_dev of the first ext4 mount (9p from 0x40)

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

// libs/ext4 reads whole blocks (and the superblock once, 1 KiB at 1 KiB) through the cache.
class CachedReader final : public ::ext4::BlockReader {
public:
    CachedReader(block::Cache& cache, u32 block_size) : m_cache(cache), m_block_size(block_size) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        usize done = 0;
        while (done < out.size()) {
            u64 at = offset + done;
            const u8* block = TRY(m_cache.read(at / m_block_size));
            usize within = at % m_block_size;
            usize n = m_block_size - within < out.size() - done ? m_block_size - within : out.size() - done;
            __builtin_memcpy(out.data() + done, block + within, n);
            done += n;
        }
        return {};
    }

private:
    block::Cache& m_cache;
    u32 m_block_size;
};

class Ext4Filesystem;

class Ext4Inode final : public Inode {
public:
    Ext4Inode(Filesystem& filesystem, const ::ext4::Inode& on_disk, RefPtr<Inode> parent)
        : Inode(filesystem, type_from_mode(on_disk.mode), on_disk.number), m_disk(on_disk),
          m_parent_ref(static_cast<RefPtr<Inode>&&>(parent)) {
        m_parent = m_parent_ref.get();
        m_permissions = on_disk.mode & 07777;
        m_uid = on_disk.uid;
        m_gid = on_disk.gid;
        m_nlink = on_disk.links_count;
        m_atime = {on_disk.atime.seconds, on_disk.atime.nanoseconds};
        m_mtime = {on_disk.mtime.seconds, on_disk.mtime.nanoseconds};
        m_ctime = {on_disk.ctime.seconds, on_disk.ctime.nanoseconds};
    }
    ~Ext4Inode() override;

    u64 size() override { return m_disk.size; }
    Result<void> stat(Stat& out) override {
        TRY(Inode::stat(out));
        out.st_blocks = static_cast<i64>(m_disk.blocks_512);
        return {};
    }
    Result<RefPtr<Inode>> lookup(std::string_view name) override;
    Result<bool> read_dir(u64& cursor, DirEntry& out) override;
    Result<usize> read(u64 offset, const IoBuffer& buffer) override;
    Result<usize> readlink(char* out, usize capacity) override;

    // Read-only for now.
    Result<RefPtr<Inode>> create(std::string_view, InodeType, u32, u32, u32) override { return Error(EROFS); }
    Result<RefPtr<Inode>> symlink(std::string_view, std::string_view, u32, u32) override { return Error(EROFS); }
    Result<void> link(std::string_view, Inode&) override { return Error(EROFS); }
    Result<void> unlink(std::string_view, bool) override { return Error(EROFS); }
    Result<void> rename(std::string_view, Inode&, std::string_view, u32) override { return Error(EROFS); }
    Result<usize> write(u64, const IoBuffer&) override { return Error(EROFS); }
    Result<void> truncate(u64) override { return Error(EROFS); }
    Result<void> allocate(u64, u64, bool) override { return Error(EROFS); }
    Result<void> change_attributes(const AttributeChange&) override { return Error(EROFS); }

    ListNode m_table_node;

private:
    Ext4Filesystem& fs();

    const ::ext4::Inode m_disk;
    RefPtr<Inode> m_parent_ref;  // keeps ".." (m_parent) alive
};

class Ext4Filesystem final : public Filesystem {
public:
    Ext4Filesystem(block::Backend& disk, u64 number) : Filesystem(number), m_disk(disk) {}
    const char* name() const override { return "ext4"; }
    u64 magic() const override { return kExt4Magic; }
    RefPtr<Inode> root() override { return m_root; }
    u64 blocks_total() override { return in_4k(m_volume->superblock().blocks_count); }
    u64 blocks_free() override { return in_4k(m_volume->superblock().free_blocks); }

    Result<void> start(const char* name);
    // The inode `number`: the live one when there is one, else read from the disk.
    Result<RefPtr<Inode>> inode(u32 number, RefPtr<Inode> parent);
    void forget(Ext4Inode& inode) { m_inodes.remove(inode); }

    // The volume, one caller at a time, with a scratch buffer for its calls.
    template <typename F>
    auto with_volume(F&& f) {
        MutexLocker lock(m_volume_lock);
        return f(*m_volume, std::span<u8>(m_scratch, m_volume->scratch_size()));
    }

private:
    u64 in_4k(u64 blocks) const { return blocks * m_volume->superblock().block_size / 4096; }

    block::Backend& m_disk;
    // Guards the cache, the volume and the scratch buffer. Made once by start(), then kept
    // for as long as the machine runs (files may stay open after an unmount).
    Mutex m_volume_lock{"ext4 volume"};
    block::Cache* m_cache = nullptr;
    CachedReader* m_reader = nullptr;
    ::ext4::Volume* m_volume = nullptr;
    u8* m_scratch = nullptr;
    RefPtr<Inode> m_root;
    InodeTable<Ext4Inode, &Ext4Inode::m_table_node> m_inodes;
};

Ext4Filesystem& Ext4Inode::fs() { return static_cast<Ext4Filesystem&>(filesystem()); }

Ext4Inode::~Ext4Inode() { fs().forget(*this); }

// A superblock read before the cache's block size is known.
class SuperblockReader final : public ::ext4::BlockReader {
public:
    explicit SuperblockReader(block::Backend& disk) : m_disk(disk) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        // libs/ext4 asks for 1024 bytes at 1024 first: block 1 in 1 KiB blocks.
        if (offset % 1024 || out.size() != 1024) return Error(EINVAL);
        return m_disk.read_block(offset / 1024, out);
    }

private:
    block::Backend& m_disk;
};

Result<void> Ext4Filesystem::start(const char* name) {
    TRY(m_inodes.init());
    // First the superblock alone, for the block size; then the cache in those blocks.
    SuperblockReader first(m_disk);
    ::ext4::Diagnosis diagnosis;
    auto probe = ::ext4::Volume::open(first, &diagnosis);
    if (probe.is_error()) {
        klog::error("ext4: {}: not a volume this kernel can mount: {}", name, diagnosis.reason);
        return Error(probe.error());
    }
    u32 block_size = probe.value().superblock().block_size;
    usize memory = kCacheBytes;
    if (block::Cache::capacity_for(memory, block_size) < 16) memory = 16 * (block_size + 64);
    u8* cache_memory = new (std::nothrow) u8[memory];
    if (!cache_memory) return Error(ENOMEM);
    m_cache = new (std::nothrow) block::Cache(m_disk, block_size, {cache_memory, memory});
    m_reader = m_cache ? new (std::nothrow) CachedReader(*m_cache, block_size) : nullptr;
    if (!m_reader) return Error(ENOMEM);
    auto volume = ::ext4::Volume::open(*m_reader, &diagnosis);
    if (volume.is_error()) {
        klog::error("ext4: {}: {}", name, diagnosis.reason);
        return Error(volume.error());
    }
    m_volume = new (std::nothrow) ::ext4::Volume(volume.value());
    m_scratch = m_volume ? new (std::nothrow) u8[m_volume->scratch_size()] : nullptr;
    if (!m_scratch) return Error(ENOMEM);
    m_root = TRY(inode(::ext4::kRootInode, nullptr));
    const auto& sb = m_volume->superblock();
    klog::info("ext4: {}: '{}', {} blocks of {} bytes, {} free; read-only", name, sb.volume_name, sb.blocks_count,
               block_size, sb.free_blocks);
    return {};
}

Result<RefPtr<Inode>> Ext4Filesystem::inode(u32 number, RefPtr<Inode> parent) {
    if (RefPtr<Inode> known = m_inodes.find(number)) return known;
    auto on_disk = TRY(with_volume([&](::ext4::Volume& v, std::span<u8> scratch) { return v.read_inode(number, scratch); }));
    auto* made = new (std::nothrow) Ext4Inode(*this, on_disk, static_cast<RefPtr<Inode>&&>(parent));
    if (!made) return Error(ENOMEM);
    m_inodes.insert(*made);
    return RefPtr<Inode>::adopt(made);
}

// ---- the inodes ----

Result<RefPtr<Inode>> Ext4Inode::lookup(std::string_view name) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name == ".") return RefPtr<Inode>(this);
    if (name == "..") return RefPtr<Inode>(m_parent ? m_parent : this);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    auto found = TRY(fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) { return v.lookup(m_disk, name, scratch); }));
    if (!found) return Error(ENOENT);
    return fs().inode(*found, RefPtr<Inode>(this));
}

Result<bool> Ext4Inode::read_dir(u64& cursor, DirEntry& out) {
    if (!is_directory()) return Error(ENOTDIR);
    // The cursor counts the entries in on-disk order (a listing is read on from the one
    // after the last it got).
    struct Nth final : ::ext4::DirVisitor {
        u64 wanted, seen = 0;
        DirEntry* out;
        bool found = false;
        bool visit(const ::ext4::DirEntry& entry) override {
            if (seen++ != wanted) return true;
            if (entry.name.size() > kNameMax) return false;
            out->ino = entry.inode;
            out->type = type_of_entry(entry.file_type);
            __builtin_memcpy(out->name, entry.name.data(), entry.name.size());
            out->name[entry.name.size()] = '\0';
            found = true;
            return false;
        }
    } nth;
    nth.wanted = cursor;
    nth.out = &out;
    TRY(fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) { return v.for_each_entry(m_disk, nth, scratch); }));
    if (!nth.found) return false;
    cursor++;
    return true;
}

Result<usize> Ext4Inode::read(u64 offset, const IoBuffer& buffer) {
    if (is_directory()) return Error(EISDIR);
    constexpr usize kChunk = 16 * KiB;
    u8* bounce = new (std::nothrow) u8[kChunk];
    if (!bounce) return Error(ENOMEM);
    usize done = 0;
    Result<usize> result = usize(0);
    while (done < buffer.length) {
        usize want = buffer.length - done < kChunk ? buffer.length - done : kChunk;
        auto got = fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) {
            return v.read_file(m_disk, offset + done, {bounce, want}, scratch);
        });
        if (got.is_error()) {
            if (!done) result = Error(got.error());
            break;
        }
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

kstd::Atomic<u64> g_next_device{kFirstDevice};

}  // namespace

Result<void> mount_on(block::Backend& disk, const char* name, RefPtr<Inode> directory) {
    auto* filesystem = new (std::nothrow) Ext4Filesystem(disk, g_next_device.fetch_add(1));
    if (!filesystem) return Error(ENOMEM);
    // Kept even when start() fails part way (the pieces are small and a failed mount is
    // rare); a mounted one stays for the life of the machine.
    TRY(filesystem->start(name));
    return fs::mount_on(directory, *filesystem);
}

}  // namespace fs::ext4fs
