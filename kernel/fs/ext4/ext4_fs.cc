// Mounting an ext4 volume, and the way every change reaches its disk: one libs/ext4
// transaction per operation, committed through the journal (logged, flushed, then written
// home through the block cache) or, on a volume without a journal, written home at once.
#include "fs/ext4/ext4_fs.h"

#include "fs/ext4/ext4_filesystem.h"
#include "fs/vfs.h"
#include "lib/log.h"

namespace fs::ext4fs {

namespace {

constexpr usize kCacheBytes = 2 * MiB;
// Reads of at least this many whole blocks go around the cache in one request.
constexpr usize kAroundBlocks = 4;
// Copies one transaction may hold: a write of 64 KiB, or a create in a large directory,
// needs tens; larger cuts go in steps (truncate_some). Capped by the journal's size.
constexpr u32 kTransactionSlots = 256;

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

}  // namespace

// ---- the disk through the cache ----

Result<void> CachedDisk::read(u64 offset, std::span<u8> out) {
    // File data read in runs of several whole blocks: one device request for the run,
    // around the cache (metadata, and small files' blocks, stay in it).
    if (offset % m_block_size == 0 && out.size() % m_block_size == 0 && out.size() >= kAroundBlocks * m_block_size)
        return m_cache.read_around(offset / m_block_size, out);
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

Result<void> CachedDisk::write(u64 offset, std::span<const u8> bytes) {
    if (offset % m_block_size || bytes.size() % m_block_size) return Error(EINVAL);
    return m_cache.write_through(offset / m_block_size, bytes);
}

Result<void> CachedDisk::write_all(std::span<const ::ext4::BlockWrite> writes) {
    bool direct = true;
    for (const auto& w : writes) {
        if (w.offset % m_block_size || w.bytes.size() % m_block_size) return Error(EINVAL);
        direct = direct && block::device_visible(w.bytes.data(), w.bytes.size());
    }
    // A buffer the device cannot reach goes through the cache's backend, which bounces it.
    if (!direct || writes.size() == 1) return ::ext4::BlockDevice::write_all(writes);
    auto* list = new (std::nothrow) block::Write[writes.size()];
    if (!list) return Error(ENOMEM);
    for (usize i = 0; i < writes.size(); i++) list[i] = {writes[i].offset, writes[i].bytes};
    auto result = m_device.write_all({list, writes.size()});
    delete[] list;
    for (const auto& w : writes) {
        if (result.is_ok()) {
            m_cache.written(w.offset / m_block_size, w.bytes);
        } else {
            // What the disk holds is unknown: no copy may stand for it.
            for (usize i = 0; i < w.bytes.size() / m_block_size; i++) m_cache.forget(w.offset / m_block_size + i);
        }
    }
    return result;
}

// ---- mounting ----

void Ext4Filesystem::say_read_only(const char* why) {
    klog::warn("ext4: {}: mounted read-only: {}", m_device.name(), why);
    m_writable = false;
}

Result<void> Ext4Filesystem::start() {
    const char* name = m_device.name();
    for (usize i = 0; name[i] && 5 + i + 1 < sizeof m_source; i++) m_source[5 + i] = name[i];
    TRY(m_inodes.init());
    // First the superblock alone, for the block size; then the cache in those blocks.
    SuperblockReader first(m_disk);
    ::ext4::Diagnosis diagnosis;
    auto probe = ::ext4::Volume::open(first, &diagnosis);
    if (probe.is_error()) {
        klog::error("ext4: {}: not a volume this kernel can mount: {}", name, diagnosis.reason);
        return Error(probe.error());
    }
    m_block_size = probe.value().superblock().block_size;
    usize memory = kCacheBytes;
    if (block::Cache::capacity_for(memory, m_block_size) < 16) memory = 16 * (m_block_size + 64);
    u8* cache_memory = new (std::nothrow) u8[memory];
    if (!cache_memory) return Error(ENOMEM);
    m_cache = new (std::nothrow) block::Cache(m_disk, m_block_size, {cache_memory, memory});
    m_io = m_cache ? new (std::nothrow) CachedDisk(*m_cache, m_device, m_block_size) : nullptr;
    if (!m_io) return Error(ENOMEM);

    // A crash left the journal to replay: done before anything reads the volume (replay
    // may rewrite any metadata block; it writes through the cache, which stays true).
    bool replay_refused = false;
    if (probe.value().superblock().needs_recovery()) {
        if (m_device.read_only()) {
            replay_refused = true;
        } else {
            auto report = ::ext4::replay_journal(*m_io, &diagnosis);
            if (report.is_error()) {
                klog::error("ext4: {}: the journal cannot be replayed: {} ({})", name, diagnosis.reason,
                            err::name(report.error()));
                return Error(EINVAL);
            }
            klog::info("ext4: {}: journal replayed: {} transactions, {} blocks{}", name, report.value().transactions,
                       report.value().blocks_replayed, report.value().corrupt ? "; it was corrupt" : "");
            if (report.value().corrupt) replay_refused = true;
        }
    }
    auto volume = ::ext4::Volume::open(*m_io, &diagnosis);
    if (volume.is_error()) {
        klog::error("ext4: {}: {}", name, diagnosis.reason);
        return Error(volume.error());
    }
    m_volume = new (std::nothrow) ::ext4::Volume(volume.value());
    m_scratch = m_volume ? new (std::nothrow) u8[m_volume->scratch_size()] : nullptr;
    if (!m_scratch) return Error(ENOMEM);
    m_root = TRY(inode(::ext4::kRootInode, nullptr));

    const auto& sb = m_volume->superblock();
    if (m_device.read_only())
        say_read_only(replay_refused ? "the disk is read-only, and its journal waits for recovery (what the last "
                                       "transactions changed is not seen)"
                                     : "the disk is read-only");
    else if (m_read_only_asked)
        klog::info("ext4: {}: mounted read-only, as asked{}", name,
                   replay_refused ? " (the journal's last commit block failed its checksum: run e2fsck)" : "");
    else if (replay_refused)
        say_read_only("the journal's last commit block failed its checksum (run e2fsck)");
    else if (!sb.writable())
        say_read_only("a read-only-compatible feature this kernel does not write is on");
    else
        TRY(open_for_writing());
    m_mounted_read_only = !m_writable;
    if (m_writable) {
        MutexLocker lock(m_volume_lock);
        clean_orphans();
    } else if (sb.last_orphan != 0) {
        klog::info("ext4: {}: the orphan list (first inode {}) is left for a read-write mount or e2fsck", name,
                   sb.last_orphan);
    }
    klog::info("ext4: {}: '{}', {} blocks of {} bytes, {} free; {}", name, sb.volume_name, sb.blocks_count,
               m_block_size, sb.free_blocks,
               m_writable ? (m_journal ? "read-write, journaled" : "read-write, no journal") : "read-only");
    return {};
}

Result<void> Ext4Filesystem::open_for_writing() {
    const auto& sb = m_volume->superblock();
    u32 slots = kTransactionSlots;
    if (sb.has_compat(::ext4::compat::kHasJournal)) {
        ::ext4::Diagnosis why;
        auto journal = ::ext4::Journal::open(*m_io, &why);
        if (journal.is_error()) {
            klog::warn("ext4: {}: the journal cannot be written: {}", m_device.name(), why.reason);
            say_read_only("its journal is one this kernel does not write");
            return {};
        }
        m_journal = new (std::nothrow) ::ext4::Journal(static_cast<::ext4::Journal&&>(journal.value()));
        if (!m_journal) return Error(ENOMEM);
        // Room for the descriptor blocks next to the copies.
        u64 fits = m_journal->max_transaction_blocks();
        if (fits < 32) {
            say_read_only("its journal is too small");
            return {};
        }
        if (fits - 8 < slots) slots = static_cast<u32>(fits - 8);
    } else {
        // FIXME: no journal, no ordering: a crash in the middle of a change leaves what
        // e2fsck must repair, as with ext2 under Linux.
        klog::warn("ext4: {}: no journal: changes are written in place", m_device.name());
    }
    usize tx_bytes = ::ext4::Transaction::memory_for(slots, m_block_size);
    u8* tx_memory = new (std::nothrow) u8[tx_bytes];
    m_writer_memory_size = ::ext4::Writer::memory_size(m_block_size);
    m_writer_memory = new (std::nothrow) u8[m_writer_memory_size];
    m_dirty = new (std::nothrow)::ext4::DirtyBlock[slots];
    if (!tx_memory || !m_writer_memory || !m_dirty) return Error(ENOMEM);
    m_transaction = new (std::nothrow)::ext4::Transaction(*m_io, m_block_size, {tx_memory, tx_bytes});
    if (!m_transaction) return Error(ENOMEM);
    m_slots = slots;
    if (m_journal) {
        if (auto started = m_journal->start(); started.is_error()) {
            klog::warn("ext4: {}: the journal cannot start: {} ({})", m_device.name(),
                       m_journal->diagnosis().reason, err::name(started.error()));
            say_read_only("its journal cannot start");
            return {};
        }
    }
    m_writable = true;
    return {};
}

Result<void> Ext4Filesystem::writable() const {
    if (!m_writable) return Error(EROFS);
    return {};
}

// ---- changes ----

Result<void> Ext4Filesystem::commit() {
    if (m_transaction->dirty_count() == 0) return {};  // nothing changed (a rename onto itself)
    if (m_journal) {
        auto blocks = m_transaction->dirty_blocks({m_dirty, m_slots});
        if (blocks.is_error()) {
            m_transaction->abort();
            return Error(ENOMEM);
        }
        Timestamp t = now();
        auto committed = m_journal->commit(blocks.value(), {static_cast<u64>(t.seconds), static_cast<u32>(t.nanoseconds)});
        if (committed.is_error()) {
            m_transaction->abort();
            // E2BIG: more than the journal holds, nothing written; the caller may go in
            // smaller steps. Anything else aborted the journal: Linux's errors=remount-ro.
            if (committed.error() == E2BIG) return Error(ENOMEM);
            klog::error("ext4: {}: a commit failed ({}); read-only from now on", m_device.name(),
                        err::name(committed.error()));
            m_writable = false;
            return Error(EIO);
        }
    } else if (auto home = m_transaction->write_home(); home.is_error()) {
        m_transaction->abort();
        klog::error("ext4: {}: a write failed ({}); read-only from now on", m_device.name(), err::name(home.error()));
        m_writable = false;
        return Error(EIO);
    }
    m_transaction->clear();
    // The free counts statfs reports, and the geometry reads use, as the disk has them now.
    if (auto reopened = ::ext4::Volume::open(*m_io); reopened.is_ok()) *m_volume = reopened.value();
    return {};
}

void Ext4Filesystem::refresh(Touched& touched) {
    for (usize i = 0; i < touched.count; i++) {
        RefPtr<Inode> found = m_inodes.find(touched.numbers[i]);
        if (!found) continue;
        auto& inode = static_cast<Ext4Inode&>(*found);
        touched.held[i] = static_cast<RefPtr<Inode>&&>(found);
        auto on_disk = m_volume->read_inode(inode.ino(), scratch());
        if (on_disk.is_ok()) inode.take(on_disk.value());
    }
}

void Ext4Filesystem::stop() {
    if (m_writable) write_back_all_shared();
    MutexLocker lock(m_volume_lock);
    // Files unlinked but still open are freed now, and a truncate in steps finished: the
    // orphan list would have the next mount do it, but a clean volume is what e2fsck -fn
    // and other systems expect. Reads of such a file after this see freed blocks (only
    // after an unmount with the file open).
    if (m_writable) clean_orphans();
    m_stopped = true;
    if (m_journal && m_journal->started()) {
        if (auto stopped = m_journal->stop(); stopped.is_error())
            klog::error("ext4: {}: the journal did not stop cleanly ({}): the next mount replays it",
                        m_device.name(), err::name(stopped.error()));
        else
            klog::info("ext4: {}: journal stopped; the volume is clean", m_device.name());
    }
    if (m_writable) (void)m_device.flush();
    m_writable = false;
}

// ---- inodes by number ----

Result<RefPtr<Inode>> Ext4Filesystem::inode(u32 number, RefPtr<Inode> parent) {
    // Found or made under the volume lock, so two lookups never make two inodes.
    RefPtr<Inode> made;
    {
        MutexLocker lock(m_volume_lock);
        if (RefPtr<Inode> known = m_inodes.find(number)) {
            made = static_cast<RefPtr<Inode>&&>(known);
        } else {
            auto on_disk = TRY(m_volume->read_inode(number, scratch()));
            if (on_disk.links_count == 0) return Error(ENOENT);  // a stale entry
            auto* fresh = new (std::nothrow) Ext4Inode(*this, on_disk, static_cast<RefPtr<Inode>&&>(parent));
            if (!fresh) return Error(ENOMEM);
            m_inodes.insert(*fresh);
            made = RefPtr<Inode>::adopt(fresh);
        }
    }
    return made;  // `parent`, if not taken, is dropped here, outside the lock
}

// ---- statfs, in the VFS's 4 KiB blocks ----

u64 Ext4Filesystem::blocks_total() {
    return with_volume([](::ext4::Volume& v, std::span<u8>) {
        return v.superblock().blocks_count * v.superblock().block_size / 4096;
    });
}
u64 Ext4Filesystem::blocks_free() {
    return with_volume([](::ext4::Volume& v, std::span<u8>) {
        return v.superblock().free_blocks * v.superblock().block_size / 4096;
    });
}
u64 Ext4Filesystem::blocks_available() {
    return with_volume([](::ext4::Volume& v, std::span<u8>) {
        const auto& sb = v.superblock();
        u64 free = sb.free_blocks > sb.reserved_blocks ? sb.free_blocks - sb.reserved_blocks : 0;
        return free * sb.block_size / 4096;
    });
}
u64 Ext4Filesystem::inodes_total() {
    return with_volume([](::ext4::Volume& v, std::span<u8>) { return u64(v.superblock().inodes_count); });
}
u64 Ext4Filesystem::inodes_free() {
    return with_volume([](::ext4::Volume& v, std::span<u8>) { return u64(v.superblock().free_inodes); });
}

}  // namespace fs::ext4fs
