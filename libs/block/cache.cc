#include "block/cache.h"

namespace block {

namespace {
// Per block: its buffer, its slot, and room for one bucket head.
usize per_block(u32 block_size) { return block_size + sizeof(Cache::Slot) + sizeof(u32); }
}  // namespace

usize Cache::capacity_for(usize memory_bytes, u32 block_size) {
    return block_size ? memory_bytes / per_block(block_size) : 0;
}

Cache::Cache(Backend& backend, u32 block_size, std::span<u8> memory) : m_backend(backend), m_block_size(block_size) {
    usize count = capacity_for(memory.size(), block_size);
    if (count < 2) return;
    // Buffers first (block-aligned when `memory` is), then the slots, then the buckets.
    u8* buffers = memory.data();
    auto* slots = reinterpret_cast<Slot*>(buffers + count * block_size);
    auto* buckets = reinterpret_cast<u32*>(slots + count);
    for (usize i = 0; i < count; i++) slots[i] = {0, buffers + i * block_size, kNone, kNone, kNone, false, false};
    for (usize i = 0; i < count; i++) buckets[i] = kNone;
    m_slots = slots;
    m_bucket_heads = buckets;
    m_buckets = static_cast<u32>(count);
    m_capacity = count;
}

Cache::Slot* Cache::find(u64 block) {
    for (u32 i = m_bucket_heads[bucket_of(block)]; i != kNone; i = m_slots[i].next_in_bucket)
        if (m_slots[i].used && m_slots[i].block == block) return &m_slots[i];
    return nullptr;
}

void Cache::unlink(u32 index) {
    Slot& s = m_slots[index];
    if (s.newer != kNone) m_slots[s.newer].older = s.older;
    else if (m_newest == index) m_newest = s.older;
    if (s.older != kNone) m_slots[s.older].newer = s.newer;
    else if (m_oldest == index) m_oldest = s.newer;
    s.newer = s.older = kNone;
}

void Cache::push_newest(u32 index) {
    Slot& s = m_slots[index];
    s.newer = kNone;
    s.older = m_newest;
    if (m_newest != kNone) m_slots[m_newest].newer = index;
    m_newest = index;
    if (m_oldest == kNone) m_oldest = index;
}

void Cache::bucket_insert(u32 index) {
    u32& head = m_bucket_heads[bucket_of(m_slots[index].block)];
    m_slots[index].next_in_bucket = head;
    head = index;
}

void Cache::bucket_remove(u32 index) {
    u32* at = &m_bucket_heads[bucket_of(m_slots[index].block)];
    while (*at != kNone && *at != index) at = &m_slots[*at].next_in_bucket;
    if (*at == index) *at = m_slots[index].next_in_bucket;
    m_slots[index].next_in_bucket = kNone;
}

Result<Cache::Slot*> Cache::take_slot() {
    for (usize i = 0; i < m_capacity; i++)
        if (!m_slots[i].used) return &m_slots[i];
    // The least recently used; a dirty one is written back first (and stays if that fails).
    u32 victim = m_oldest;
    Slot& s = m_slots[victim];
    if (s.dirty) {
        TRY(m_backend.write_block(s.block, {s.data, m_block_size}));
        s.dirty = false;
        m_stats.writebacks++;
    }
    unlink(victim);
    bucket_remove(victim);
    s.used = false;
    return &s;
}

Result<Cache::Slot*> Cache::get(u64 block, bool fill) {
    if (!m_capacity) return Error(EINVAL);
    if (Slot* hit = find(block)) {
        m_stats.hits++;
        u32 index = static_cast<u32>(hit - m_slots);
        unlink(index);
        push_newest(index);
        return hit;
    }
    m_stats.misses++;
    Slot* slot = TRY(take_slot());
    if (fill) {
        TRY(m_backend.read_block(block, {slot->data, m_block_size}));
    } else {
        for (u32 i = 0; i < m_block_size; i++) slot->data[i] = 0;
    }
    slot->block = block;
    slot->used = true;
    slot->dirty = false;
    u32 index = static_cast<u32>(slot - m_slots);
    bucket_insert(index);
    push_newest(index);
    return slot;
}

Result<const u8*> Cache::read(u64 block) {
    Slot* slot = TRY(get(block, true));
    return static_cast<const u8*>(slot->data);
}

Result<u8*> Cache::modify(u64 block) {
    Slot* slot = TRY(get(block, true));
    slot->dirty = true;
    return slot->data;
}

Result<u8*> Cache::overwrite(u64 block) {
    Slot* slot = TRY(get(block, false));
    for (u32 i = 0; i < m_block_size; i++) slot->data[i] = 0;
    slot->dirty = true;
    return slot->data;
}

Result<void> Cache::flush() {
    if (!m_capacity) return Error(EINVAL);
    // Ascending block order, one pass per block written: a disk writes runs in order best,
    // and the caches are small enough that the quadratic walk costs nothing next to I/O.
    u64 after = 0;
    bool first = true;
    for (;;) {
        Slot* next = nullptr;
        for (usize i = 0; i < m_capacity; i++) {
            Slot& s = m_slots[i];
            if (!s.used || !s.dirty || (!first && s.block <= after)) continue;
            if (!next || s.block < next->block) next = &s;
        }
        if (!next) return {};
        TRY(m_backend.write_block(next->block, {next->data, m_block_size}));
        next->dirty = false;
        m_stats.writebacks++;
        after = next->block;
        first = false;
    }
}

void Cache::forget(u64 block) {
    if (!m_capacity) return;
    Slot* slot = find(block);
    if (!slot) return;
    u32 index = static_cast<u32>(slot - m_slots);
    unlink(index);
    bucket_remove(index);
    slot->used = slot->dirty = false;
}

Result<void> Backend::write_blocks(u64 first, u32 block_size, std::span<const u8> data) {
    for (usize done = 0; done < data.size(); done += block_size)
        TRY(write_block(first + done / block_size, data.subspan(done, block_size)));
    return {};
}

Result<void> Backend::read_blocks(u64 first, u32 block_size, std::span<u8> out) {
    for (usize done = 0; done < out.size(); done += block_size)
        TRY(read_block(first + done / block_size, out.subspan(done, block_size)));
    return {};
}

Result<void> Cache::read_around(u64 block, std::span<u8> out) {
    if (!m_capacity || out.empty() || out.size() % m_block_size) return Error(EINVAL);
    TRY(m_backend.read_blocks(block, m_block_size, out));
    for (u64 i = 0; i < out.size() / m_block_size; i++)
        if (Slot* slot = find(block + i)) __builtin_memcpy(out.data() + i * m_block_size, slot->data, m_block_size);
    return {};
}

Result<void> Cache::write_through(u64 block, std::span<const u8> data) {
    if (!m_capacity || data.empty() || data.size() % m_block_size) return Error(EINVAL);
    auto result = m_backend.write_blocks(block, m_block_size, data);
    if (result.is_ok()) {
        written(block, data);
    } else {
        for (u64 i = 0; i < data.size() / m_block_size; i++) forget(block + i);
    }
    return result;
}

void Cache::written(u64 block, std::span<const u8> data) {
    if (!m_capacity) return;
    for (u64 i = 0; i < data.size() / m_block_size; i++) {
        if (Slot* slot = find(block + i)) {
            __builtin_memcpy(slot->data, data.data() + i * m_block_size, m_block_size);
            slot->dirty = false;
        }
    }
}

usize Cache::dirty_count() const {
    usize n = 0;
    for (usize i = 0; i < m_capacity; i++) n += m_slots[i].used && m_slots[i].dirty;
    return n;
}

}  // namespace block
