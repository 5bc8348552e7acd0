// A write-back block cache: the most recently used blocks of a device kept in memory the
// caller gives, read once, written back when evicted or flushed. File systems on block
// devices (ext4) read and change their metadata through it. Pure logic over a Backend, so
// the host tests drive it with a vector and the kernel with a virtio-blk disk; not
// thread-safe (the kernel puts one lock around it).
//
//   block::Cache cache(disk, 4096, memory);   // memory: N * (4096 + sizeof(Cache::Slot)) bytes
//   const u8* super = TRY(cache.read(0));     // valid until the next call into the cache
//   u8* bitmap = TRY(cache.modify(7));        // read, then marked dirty
//   TRY(cache.flush());                       // every dirty block written, in block order
//
// A block handed out stays valid only until the next call: any call may evict it. Errors
// are the backend's; a write-back that fails leaves the block dirty and cached, so nothing
// changed is lost, and the call that needed the room fails with that error.
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"

namespace block {

class Backend {
public:
    virtual Result<void> read_block(u64 block, std::span<u8> out) = 0;
    virtual Result<void> write_block(u64 block, std::span<const u8> data) = 0;
    // Whole blocks from `first` on (`block_size` bytes each), in one transfer where the
    // backend can; by default a read_block each.
    virtual Result<void> read_blocks(u64 first, u32 block_size, std::span<u8> out);
    // Whole blocks from `first` on (`block_size` bytes each), in one transfer where the
    // backend can; by default a write_block each.
    virtual Result<void> write_blocks(u64 first, u32 block_size, std::span<const u8> data);

protected:
    ~Backend() = default;
};

class Cache {
public:
    struct Slot {
        u64 block;
        u8* data;
        u32 newer, older;  // the recency list (indexes; kNone at the ends)
        u32 next_in_bucket;
        bool used, dirty;
    };
    static constexpr u32 kNone = ~0u;

    // How many blocks `memory` holds: each takes block_size bytes and a Slot.
    static usize capacity_for(usize memory_bytes, u32 block_size);
    // `memory` is carved into slots and buffers; at least 2 blocks' worth (EINVAL from
    // every call otherwise).
    Cache(Backend& backend, u32 block_size, std::span<u8> memory);

    Result<const u8*> read(u64 block);
    // The block to change: read first, then marked dirty.
    Result<u8*> modify(u64 block);
    // The block to fill entirely: not read, zeroed, marked dirty.
    Result<u8*> overwrite(u64 block);
    // Writes every dirty block back, in ascending block order; the first error stops it
    // (what was not written stays dirty).
    Result<void> flush();
    // Drops a block without writing it (its contents no longer matter: freed space).
    void forget(u64 block);
    // Writes whole blocks (from `block` on) to the device now, in one backend transfer, and
    // updates the copies held, if any (then clean: they match the disk). For writers that
    // go around the cache (file data; ext4's journal writing its checkpoint home), so that
    // no later read sees a block as it was. Nothing is cached that was not: a stream of
    // writes does not evict what readers use. On a device error the copies held are
    // dropped (the disk's state is unknown).
    Result<void> write_through(u64 block, std::span<const u8> data);
    // The device now holds `data` (whole blocks from `block` on), written around the
    // cache: the copies held take it and are clean.
    void written(u64 block, std::span<const u8> data);
    // Reads whole blocks (from `block` on) from the device in one backend transfer, with
    // the copies held, which are as new as the disk or newer, laid over them. Caches
    // nothing: a long sequential read does not evict the metadata the cache is for.
    Result<void> read_around(u64 block, std::span<u8> out);

    usize capacity() const { return m_capacity; }
    usize dirty_count() const;
    struct Stats {
        u64 hits, misses, writebacks;
    };
    Stats stats() const { return m_stats; }

private:
    Result<Slot*> get(u64 block, bool fill);
    Slot* find(u64 block);
    Result<Slot*> take_slot();  // a free slot, or the least recent one, written back first
    void unlink(u32 index);
    void push_newest(u32 index);
    void bucket_insert(u32 index);
    void bucket_remove(u32 index);
    u32 bucket_of(u64 block) const { return static_cast<u32>((block * 0x9e3779b97f4a7c15ull) >> 40) % m_buckets; }

    Backend& m_backend;
    u32 m_block_size;
    usize m_capacity = 0;
    Slot* m_slots = nullptr;
    u32* m_bucket_heads = nullptr;
    u32 m_buckets = 0;
    u32 m_newest = kNone, m_oldest = kNone;
    Stats m_stats{};
};

}  // namespace block
