// The revoke records of a journal replay: for each revoked home block, the newest
// transaction that revoked it. A logged copy from transaction T of a block revoked by a
// transaction at or after T is not replayed (jbd2_journal_test_revoke): the block was freed
// and perhaps reused for data that the journal never saw.
//
// Open addressing over a table sized once from the count the scan pass found; it never
// grows, so set() fails with ENOSPC only if the caller miscounted.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "ext4/heap_array.h"

namespace ext4::jbd2 {

class RevokeTable {
public:
    static Result<RevokeTable> create(u64 records);

    Result<void> set(u64 block, u32 sequence);
    bool revoked(u64 block, u32 sequence) const;
    u64 size() const { return m_used; }

private:
    struct Slot {
        u64 block = 0;
        u32 sequence = 0;
        bool used = false;
    };
    usize home(u64 block) const;

    HeapArray<Slot> m_slots;
    u64 m_used = 0;
};

}  // namespace ext4::jbd2
