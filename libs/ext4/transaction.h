// How the ext4 writer reaches the disk: every metadata block it changes goes through a
// BlockStore, which hands out a modifiable copy and remembers it as dirty; file data goes
// straight to the device (ordered mode: data reaches the disk before the metadata that
// points at it is committed). One writer operation's dirty blocks are one transaction
// (or several operations' blocks, batched): the journal takes exactly that list of
// (block number, bytes) and commits it atomically, and then the copies are dropped.
//
//   ext4::Transaction tx(device, block_size, memory);     // memory: memory_for(slots, bs)
//   ext4::Writer writer = TRY(ext4::Writer::open(tx, writer_memory));
//   auto made = writer.create(dir, "name", {0100644, uid, gid, now});
//   if (made.is_error()) { tx.abort(); return made.error(); }  // the volume is unchanged
//   TRY(journal.commit(TRY(tx.dirty_blocks(list))));      // logged, then written home
//   tx.clear();
//   // without a journal: TRY(tx.write_home()); tx.clear();
//
// Why a failed operation is simply dropped: the writer changes nothing but the copies and
// fresh data blocks (blocks it allocated in this very transaction, still free on disk),
// so abort() leaves the volume as it was. Data written in place into blocks a file
// already owns is the one exception, as in Linux's ordered mode.
//
// Freed blocks: forget() drops a held copy, so a metadata block freed and reused as file
// data in the same transaction is not written over the data. A block freed here that an
// earlier transaction logged needs a revoke record only if the journal keeps committed
// transactions unwritten (journal.h checkpoints each at once, so it does not).
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/block_device.h"
#include "ext4/volume.h"

namespace ext4 {

// What the writer goes through. Reads (BlockReader) see the blocks this transaction has
// changed. Spans handed out stay valid until the transaction ends (clear or abort), so an
// operation may hold a bitmap, a descriptor block and an inode table block at once.
class BlockStore : public BlockReader {
public:
    // A metadata block to change: its current bytes, remembered as dirty.
    virtual Result<std::span<u8>> get(u64 block) = 0;
    // A metadata block just allocated: zeroed rather than read, remembered as dirty.
    virtual Result<std::span<u8>> get_new(u64 block) = 0;
    // File data (or a slow symlink's block): `bytes`, whole blocks, written to the device
    // now from `block` on, in one request when the device takes it; never journaled.
    virtual Result<void> write_data(u64 block, std::span<const u8> bytes) = 0;
    // A block freed by this transaction: whatever copy is held must not be written home
    // (the block may become file data in this same transaction).
    virtual void forget(u64 block) = 0;

protected:
    ~BlockStore() = default;
};

// The BlockStore over a BlockDevice with the memory its caller gives: up to `slots`
// copies of blocks, found by a linear search (an operation touches tens of blocks).
// Not thread-safe: one operation at a time (the kernel's file-system lock).
class Transaction final : public BlockStore {
public:
    struct Slot {
        u64 block;
        u8* data;
        bool dirty;
    };
    static usize memory_for(u32 slots, u32 block_size) { return usize(slots) * (sizeof(Slot) + block_size); }
    // `memory` is carved into slots; its alignment must suit Slot (8 bytes).
    Transaction(BlockDevice& device, u32 block_size, std::span<u8> memory);

    Result<void> read(u64 offset, std::span<u8> out) override;
    Result<std::span<u8>> get(u64 block) override;
    Result<std::span<u8>> get_new(u64 block) override;
    Result<void> write_data(u64 block, std::span<const u8> bytes) override;
    void forget(u64 block) override;

    usize dirty_count() const;
    // Fills `out` with the dirty blocks in ascending order (the journal writes them in
    // that order); E2BIG when `out` is too short.
    Result<std::span<DirtyBlock>> dirty_blocks(std::span<DirtyBlock> out) const;
    // The copies written to their home blocks, for a volume without a journal (and the
    // tests); a journal writes them home itself.
    Result<void> write_home();
    // The transaction is over: every copy dropped (after write_home, or to abort).
    void clear() { m_used = 0; }
    void abort() { clear(); }

private:
    Slot* find(u64 block);
    Result<Slot*> take(u64 block);

    BlockDevice& m_device;
    u32 m_block_size;
    Slot* m_slots = nullptr;
    u32 m_capacity = 0;
    u32 m_used = 0;
};

}  // namespace ext4
