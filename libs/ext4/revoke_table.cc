#include "ext4/revoke_table.h"

#include "ext4/jbd2_format.h"

namespace ext4::jbd2 {

Result<RevokeTable> RevokeTable::create(u64 records) {
    // At most half full, a power of two so a mask picks the slot.
    usize slots = 16;
    while (slots < 2 * records) {
        if (slots > (usize(1) << 40)) return Error(ENOMEM);
        slots *= 2;
    }
    RevokeTable table;
    table.m_slots = TRY(HeapArray<Slot>::create(slots));
    return table;
}

usize RevokeTable::home(u64 block) const {
    u64 mixed = block * 0x9E3779B97F4A7C15ull;  // Fibonacci hashing spreads runs of blocks
    return usize(mixed >> 24) & (m_slots.size() - 1);
}

Result<void> RevokeTable::set(u64 block, u32 sequence) {
    if (m_slots.size() == 0) return Error(ENOSPC);
    for (usize probe = 0, i = home(block); probe < m_slots.size(); probe++, i = (i + 1) & (m_slots.size() - 1)) {
        Slot& slot = m_slots[i];
        if (!slot.used) {
            if (2 * (m_used + 1) > m_slots.size()) return Error(ENOSPC);
            slot = Slot{block, sequence, true};
            m_used++;
            return {};
        }
        if (slot.block == block) {
            if (tid_after(sequence, slot.sequence)) slot.sequence = sequence;
            return {};
        }
    }
    return Error(ENOSPC);
}

bool RevokeTable::revoked(u64 block, u32 sequence) const {
    if (m_slots.size() == 0) return false;
    for (usize probe = 0, i = home(block); probe < m_slots.size(); probe++, i = (i + 1) & (m_slots.size() - 1)) {
        const Slot& slot = m_slots[i];
        if (!slot.used) return false;
        if (slot.block == block) return !tid_after(sequence, slot.sequence);
    }
    return false;
}

}  // namespace ext4::jbd2
