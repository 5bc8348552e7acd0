// The kernel's ext4 file system, shared by ext4_fs.cc (mount, transactions, the journal),
// ext4_orphans.cc (the orphan list: files unlinked while open, truncates in steps) and the
// inode operations (ext4_inode.cc reads, ext4_inode_write.cc changes).
//
// Locking: one Mutex per mounted volume, m_volume_lock, guards the block cache, the
// Volume, the scratch buffers, the transaction, the journal, and every Ext4Inode's on-disk
// copy (m_disk) and its kept/dead flags. Order: the volume lock, then an inode's m_lock
// (taken inside to update the VFS's copies of the metadata). Never drop the last reference
// to an Ext4Inode while holding the volume lock: its destructor takes the lock (to free a
// file unlinked while open); references taken under it wait in a Touched until after.
#pragma once

#include <new>

#include "block/cache.h"
#include "ext4/journal.h"
#include "ext4/transaction.h"
#include "ext4/volume.h"
#include "ext4/writer.h"
#include "fs/ext4/ext4_fs.h"
#include "fs/ext4/shared_pages.h"
#include "fs/inode_table.h"
#include "sync/mutex.h"

namespace fs::ext4fs {

class Ext4Filesystem;

// The disk as libs/ext4 sees it: reads through the block cache, writes through it too
// (Cache::write_through), so that no reader sees a block the journal has since
// written home.
class CachedDisk final : public ::ext4::BlockDevice {
public:
    CachedDisk(block::Cache& cache, block::BlockDevice& device, u32 block_size)
        : m_cache(cache), m_device(device), m_block_size(block_size) {}
    Result<void> read(u64 offset, std::span<u8> out) override;
    Result<void> write(u64 offset, std::span<const u8> bytes) override;
    Result<void> write_all(std::span<const ::ext4::BlockWrite> writes) override;
    Result<void> flush() override { return m_device.flush(); }

private:
    block::Cache& m_cache;
    block::BlockDevice& m_device;
    u32 m_block_size;
};

class Ext4Inode final : public Inode {
public:
    Ext4Inode(Filesystem& filesystem, const ::ext4::Inode& on_disk, RefPtr<Inode> parent);
    ~Ext4Inode() override;

    u64 size() override;
    Result<void> stat(Stat& out) override;
    Result<RefPtr<Inode>> lookup(std::string_view name) override;
    Result<bool> read_dir(u64& cursor, DirEntry& out) override;
    Result<usize> read(u64 offset, const IoBuffer& buffer) override;
    Result<usize> readlink(char* out, usize capacity) override;

    // ext4_inode_write.cc
    Result<RefPtr<Inode>> create(std::string_view name, InodeType type, u32 permissions, u32 uid, u32 gid) override;
    Result<RefPtr<Inode>> symlink(std::string_view name, std::string_view target, u32 uid, u32 gid) override;
    Result<void> link(std::string_view name, Inode& target) override;
    Result<void> unlink(std::string_view name, bool directory) override;
    Result<void> rename(std::string_view name, Inode& target_dir, std::string_view target_name, u32 flags) override;
    Result<usize> write(u64 offset, const IoBuffer& buffer) override;
    Result<void> truncate(u64 size) override;
    Result<void> change_attributes(const AttributeChange& change) override;
    Result<void> sync(bool data_only) override;

    // ext4_shared.cc: the pages MAP_SHARED mappings map (shared_pages.h).
    Result<u64> page_frame(u64 offset, bool writable) override;
    void shared_mapping_ended() override;
    // Writes every shared page back into the file (up to its size), when a mapping that
    // may write has had one. Takes the pages' lock, then the volume lock.
    Result<void> write_back_shared();

    // Takes the on-disk inode as now into m_disk and the VFS's fields. Volume lock held.
    void take(const ::ext4::Inode& on_disk);

    ListNode m_table_node;
    ListNode m_shared_node;  // on the file system's list of inodes with writable shared pages
    bool m_shared_listed = false;  // guarded by the file system's shared-list lock
    u64 m_shared_pass = 0;         // the last write_back_all_shared() that took it; the same lock
    // Guarded by the volume lock.
    ::ext4::Inode m_disk;
    bool m_in_table = true;
    bool m_kept_unlinked = false;  // no links, on the orphan list: freed at the last reference
    bool m_dead = false;           // freed (a removed directory still someone's cwd)
    RefPtr<Inode> m_parent_ref;    // keeps ".." (m_parent) alive

private:
    Ext4Filesystem& fs();
    // ext4_shared.cc. read(2) takes the bytes of [offset, offset + length) from the shared
    // pages (m_shared_lock taken); write(2) gives them, and a change of size zeroes what
    // lies from `from` on (m_shared_lock held: a write or truncate holds it across its
    // disk change, so that a write-back never puts older bytes over it).
    void read_shared(u64 offset, u8* bytes, usize length);
    void write_shared_locked(u64 offset, const u8* bytes, usize length);
    void zero_shared_locked(u64 from);

    // Order: an address space's lock (a fault), then m_shared_lock, then the file
    // system's shared-list lock or the volume lock. Never taken while copying from or to
    // user memory (a fault there on a mapping of this file would take it again).
    Mutex m_shared_lock{"ext4 shared pages"};
    SharedPages m_shared;           // guarded by m_shared_lock
    bool m_shared_written = false;  // a mapping that may write has had a page; m_shared_lock
};

// Inodes a change touched: refreshed from the disk after its commit, and held here until
// the caller's scope ends, after the volume lock is released.
struct Touched {
    static constexpr usize kMax = 6;
    u32 numbers[kMax] = {};
    usize count = 0;
    RefPtr<Inode> held[kMax + 1];  // the last: a parent reference a rename replaced
    void add(u32 number) {
        if (number && count < kMax) numbers[count++] = number;
    }
};

class Ext4Filesystem final : public Filesystem {
public:
    // read_only: mounted so (MS_RDONLY) whatever the disk and the volume allow.
    Ext4Filesystem(block::Backend& disk, block::BlockDevice& device, u64 number, bool read_only)
        : Filesystem(number), m_disk(disk), m_device(device), m_read_only_asked(read_only) {}
    const char* name() const override { return "ext4"; }
    u64 magic() const override { return 0xef53; }
    RefPtr<Inode> root() override { return m_root; }
    u64 blocks_total() override;
    u64 blocks_free() override;
    u64 blocks_available() override;
    u64 inodes_total() override;
    u64 inodes_free() override;
    // ext4_mount.cc: stopped, out of the mounted list, and the disk given back.
    void unmounted() override;
    const char* mount_source() const override { return m_source; }
    bool mounted_read_only() const override { return m_mounted_read_only; }

    Result<void> start();
    // Stops the journal (empty, flag cleared) and flushes; read-only from then on.
    void stop();
    // The inode `number`: the live one when there is one, else read from the disk.
    Result<RefPtr<Inode>> inode(u32 number, RefPtr<Inode> parent);
    // At an inode's last reference: out of the table, and freed if it was kept unlinked.
    void release(Ext4Inode& inode);
    // The reads, one caller at a time, with a scratch buffer for their calls.
    template <typename F>
    auto with_volume(F&& f) {
        MutexLocker lock(m_volume_lock);
        return f(*m_volume, std::span<u8>(m_scratch, m_volume->scratch_size()));
    }
    // One change: `op(writer)` in a fresh transaction, committed when it succeeds (the
    // journal, or written home without one), dropped when it fails, which leaves the disk
    // as it was. Then the inodes in `touched` are refreshed from the disk. EROFS on a
    // read-only mount.
    template <typename F>
    auto change(Touched& touched, F&& op) -> decltype(op(*static_cast<::ext4::Writer*>(nullptr))) {
        MutexLocker lock(m_volume_lock);
        TRY(writable());
        auto result = in_transaction(static_cast<F&&>(op));
        if (result.is_ok()) refresh(touched);
        return result;
    }
    // `op(writer)` in a transaction of its own, committed or dropped. Volume lock held.
    template <typename F>
    auto in_transaction(F&& op) -> decltype(op(*static_cast<::ext4::Writer*>(nullptr))) {
        auto writer = TRY(::ext4::Writer::open(*m_transaction, {m_writer_memory, m_writer_memory_size}));
        auto result = op(writer);
        if (result.is_error()) {
            m_transaction->abort();
            return result;
        }
        TRY(commit());
        return result;
    }
    // ext4_orphans.cc. An unlinked file (on the orphan list since its unlink) emptied in
    // bounded steps, then freed and taken off the list. Volume lock held.
    Result<void> free_kept(u32 number);
    // Locked variants for the inode operations that look before they change.
    Mutex& volume_lock() { return m_volume_lock; }
    ::ext4::Volume& volume() { return *m_volume; }
    std::span<u8> scratch() { return {m_scratch, m_volume->scratch_size()}; }
    RefPtr<Inode> live(u32 number) { return m_inodes.find(number); }
    // Out of the table: its number is free for a new file. Volume lock held.
    void forget(Ext4Inode& inode) {
        m_inodes.remove(inode);
        inode.m_in_table = false;
    }
    u32 block_size() const { return m_block_size; }
    Result<void> flush() { return m_device.flush(); }
    // ext4_shared.cc: inodes whose shared pages a mapping may have written, for stop().
    void list_shared(Ext4Inode& inode);
    void unlist_shared(Ext4Inode& inode);
    void write_back_all_shared();

private:
    Result<void> writable() const;
    Result<void> commit();
    void refresh(Touched& touched);
    Result<void> open_for_writing();
    void say_read_only(const char* why);
    // ext4_orphans.cc: every inode on the orphan list finished (Linux's
    // ext4_orphan_cleanup), at a read-write mount and at stop(). Volume lock held.
    void clean_orphans();
    void drop_orphans(const char* why);

    block::Backend& m_disk;
    block::BlockDevice& m_device;
    const bool m_read_only_asked;
    char m_source[16] = "/dev/";  // "/dev/vda": set at start()
    bool m_mounted_read_only = false;  // set at start(), before any path leads here
    u32 m_block_size = 0;
    // Guards everything below (see the top of this file). Made once by start(), then kept
    // for as long as the machine runs (files may stay open after an unmount).
    Mutex m_volume_lock{"ext4 volume"};
    block::Cache* m_cache = nullptr;
    CachedDisk* m_io = nullptr;
    ::ext4::Volume* m_volume = nullptr;
    u8* m_scratch = nullptr;
    bool m_writable = false;
    bool m_stopped = false;  // stop() ran: the orphan list was emptied then
    ::ext4::Journal* m_journal = nullptr;  // null without a journal (changes go home)
    ::ext4::Transaction* m_transaction = nullptr;
    u8* m_writer_memory = nullptr;
    usize m_writer_memory_size = 0;
    ::ext4::DirtyBlock* m_dirty = nullptr;  // the commit's list, m_slots long
    u32 m_slots = 0;
    RefPtr<Inode> m_root;
    InodeTable<Ext4Inode, &Ext4Inode::m_table_node> m_inodes;
    Mutex m_shared_list_lock{"ext4 shared inodes"};  // after an inode's m_shared_lock
    IntrusiveList<Ext4Inode, &Ext4Inode::m_shared_node> m_shared_inodes;  // guarded by it
    u64 m_shared_pass = 0;                                                // guarded by it
};

inline Ext4Filesystem& Ext4Inode::fs() { return static_cast<Ext4Filesystem&>(filesystem()); }

inline ::ext4::Timestamp disk_time(Timestamp t) {
    return {t.seconds, static_cast<u32>(t.nanoseconds)};
}

}  // namespace fs::ext4fs
