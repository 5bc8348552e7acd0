// How the ext4 writer reaches the disk: every metadata block it changes goes through a
// BlockStore, which hands out a modifiable copy and remembers it as dirty; file data goes
// straight to the device (ordered mode: data reaches the disk before the metadata that
// points at it is committed). One writer operation's dirty blocks are one transaction: the
// journal (journal.h) takes exactly that list of (block number, bytes) and commits it
// atomically, then the copies are written home and the transaction is cleared.
//
//   ext4::Transaction tx(device, block_size, memory);     // memory: memory_for(slots, bs)
//   ext4::Writer writer = TRY(ext4::Writer::open(tx, writer_memory));
//   auto done = writer.create(dir, "name", 0100644, owner, now);
//   if (done.is_error()) { tx.abort(); return done.error(); }  // nothing reached the disk
//   TRY(journal.commit(tx.dirty_blocks(list)));           // then home, then:
//   tx.clear();
//
// Why a failed operation is simply dropped: the writer changes nothing but the copies and
// fresh data blocks (blocks it allocated in this very transaction), so abort() leaves the
// volume exactly as it was. Data written in place into blocks a file already owns is the
// one exception, as in Linux's ordered mode.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"
#include "ext4/volume.h"

namespace ext4 {

// One block of a transaction as the journal takes it.
struct DirtyBlock {
    u64 block = 0;
    std::span<const u8> bytes;  // block_size bytes, valid until the transaction is cleared
};

// The device under a transaction: BlockReader's reads, plus writes of whole blocks.
class BlockDevice : public BlockReader {
public:
    virtual Result<void> write(u64 block, std::span<const u8> bytes) = 0;

protected:
    ~BlockDevice() = default;
};

// What the writer goes through. Reads (BlockReader) see the blocks this transaction has
// changed. Spans handed out stay valid until the transaction ends (clear or abort), so an
// operation may hold a bitmap, a descriptor block and an inode table block at once.
class BlockStore : public BlockReader {
public:
    // A metadata block to change: its current bytes, remembered as dirty.
    virtual Result<std::span<u8>> get(u64 block) = 0;
    // A metadata block just allocated: zeroed rather than read, remembered as dirty.
    virtual Result<std::span<u8>> get_new(u64 block) = 0;
    // A file data block (or a slow symlink's): written to the device now, never journaled.
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
    // After the journal committed: the copies are written to their home blocks.
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
