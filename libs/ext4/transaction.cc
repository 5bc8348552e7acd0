#include "ext4/transaction.h"

#include <cstring>

namespace ext4 {

Transaction::Transaction(BlockDevice& device, u32 block_size, std::span<u8> memory)
    : m_device(device), m_block_size(block_size) {
    if (block_size == 0) return;
    m_capacity = u32(memory.size() / (sizeof(Slot) + block_size));
    m_slots = reinterpret_cast<Slot*>(memory.data());
    u8* buffers = memory.data() + usize(m_capacity) * sizeof(Slot);
    for (u32 i = 0; i < m_capacity; i++) m_slots[i] = Slot{0, buffers + usize(i) * block_size, false};
}

Transaction::Slot* Transaction::find(u64 block) {
    for (u32 i = 0; i < m_used; i++)
        if (m_slots[i].block == block) return &m_slots[i];
    return nullptr;
}

// A slot for `block` (not yet held); ENOMEM when the transaction is full, which the
// caller answers by aborting: the operation was too large for the memory given.
Result<Transaction::Slot*> Transaction::take(u64 block) {
    if (m_used == m_capacity) return Error(ENOMEM);
    Slot* slot = &m_slots[m_used++];
    slot->block = block;
    slot->dirty = false;
    return slot;
}

Result<void> Transaction::read(u64 offset, std::span<u8> out) {
    // Piece by piece: the superblock read (1024 bytes at 1024) may sit inside block 0.
    usize done = 0;
    while (done < out.size()) {
        u64 at = offset + done;
        u64 block = at / m_block_size;
        usize within = usize(at % m_block_size);
        usize piece = m_block_size - within < out.size() - done ? m_block_size - within : out.size() - done;
        if (Slot* slot = find(block))
            std::memcpy(out.data() + done, slot->data + within, piece);
        else
            TRY(m_device.read(at, out.subspan(done, piece)));
        done += piece;
    }
    return {};
}

Result<std::span<u8>> Transaction::get(u64 block) {
    Slot* slot = find(block);
    if (!slot) {
        slot = TRY(take(block));
        auto filled = m_device.read(block * m_block_size, std::span<u8>(slot->data, m_block_size));
        if (filled.is_error()) {
            m_used--;
            return Error(filled.error());
        }
    }
    slot->dirty = true;
    return std::span<u8>(slot->data, m_block_size);
}

Result<std::span<u8>> Transaction::get_new(u64 block) {
    Slot* slot = find(block);
    if (!slot) slot = TRY(take(block));
    std::memset(slot->data, 0, m_block_size);
    slot->dirty = true;
    return std::span<u8>(slot->data, m_block_size);
}

Result<void> Transaction::write_data(u64 block, std::span<const u8> bytes) {
    if (bytes.empty() || bytes.size() % m_block_size) return Error(EINVAL);
    // A copy of what a block held before must not go home over the data.
    for (u64 i = 0; i < bytes.size() / m_block_size; i++) forget(block + i);
    return m_device.write(block * m_block_size, bytes);
}

void Transaction::forget(u64 block) {
    Slot* slot = find(block);
    if (!slot) return;
    // Keep the held slots packed: the last one moves into the hole (with its buffer, so
    // spans already handed out for it stay valid).
    Slot* last = &m_slots[m_used - 1];
    u8* freed = slot->data;
    *slot = *last;
    last->data = freed;
    m_used--;
}

usize Transaction::dirty_count() const {
    usize count = 0;
    for (u32 i = 0; i < m_used; i++) count += m_slots[i].dirty;
    return count;
}

Result<std::span<DirtyBlock>> Transaction::dirty_blocks(std::span<DirtyBlock> out) const {
    usize count = 0;
    for (u32 i = 0; i < m_used; i++) {
        if (!m_slots[i].dirty) continue;
        if (count == out.size()) return Error(E2BIG);
        // Insertion sort by block number: lists are short.
        usize at = count++;
        while (at > 0 && out[at - 1].block > m_slots[i].block) {
            out[at] = out[at - 1];
            at--;
        }
        out[at] = DirtyBlock{m_slots[i].block, std::span<const u8>(m_slots[i].data, m_block_size)};
    }
    return out.first(count);
}

Result<void> Transaction::write_home() {
    for (u32 i = 0; i < m_used; i++)
        if (m_slots[i].dirty) TRY(m_device.write(m_slots[i].block * m_block_size, std::span<const u8>(m_slots[i].data, m_block_size)));
    return {};
}

}  // namespace ext4
