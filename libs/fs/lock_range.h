// Byte ranges of advisory record locks (fcntl F_SETLK and F_OFD_SETLK; flock as one lock on
// the whole file), as pure logic: when a held lock stands in a request's way, and what a
// lock owner holds after it sets or clears a range. The kernel keeps the held locks
// (kernel/fs/locks.cc) and asks these functions what to do with them.
//
// Linux's rules: a request conflicts with a lock of another owner when their ranges overlap
// and one of them is a write lock. An owner's own locks never overlap each other: a new
// lock replaces what the owner held on its range (splitting a lock it cuts through) and
// joins the owner's locks of the same kind that overlap or touch it, so F_GETLK reports one
// range where the owner made several adjacent ones.
#pragma once

#include "base/types.h"

namespace locks {

constexpr u64 kToEnd = ~0ull;  // an end that means "to the end of the file, however long"

struct LockRange {
    u64 start;
    u64 end;  // exclusive; kToEnd for a lock to the end of the file
    bool write;
};

constexpr bool overlaps(const LockRange& a, const LockRange& b) { return a.start < b.end && b.start < a.end; }

// Whether a lock held by another owner stands in the way of `wanted`.
constexpr bool conflicts(const LockRange& held, const LockRange& wanted) {
    return overlaps(held, wanted) && (held.write || wanted.write);
}

// What an owner's held lock becomes when the owner sets (`set` true, a lock of kind
// `wanted.write`) or clears the range of `wanted`.
struct Reshape {
    // The held lock is taken into the new one (same kind, overlapping or adjacent): the new
    // lock grows to `merged_start`..`merged_end` and the held one goes away.
    bool absorbed = false;
    u64 merged_start = 0, merged_end = 0;
    // Otherwise the pieces of the held lock outside the range: none (it goes away), one (it
    // shrinks), or two (the range cut through its middle). Unchanged when it is untouched.
    usize piece_count = 0;
    LockRange pieces[2] = {};
};
Reshape reshape(const LockRange& held, const LockRange& wanted, bool set);

}  // namespace locks
