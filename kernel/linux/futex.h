// Futexes: user-space words that threads sleep on. One table of wait queues keyed by the
// word's address space and virtual address, or, for a word in a shared mapping, by its
// physical address (process-shared semaphores and mutexes). `shared` is the call's lack of
// FUTEX_PRIVATE_FLAG: a private futex (glibc's pthread objects) is keyed by address space
// without looking at the page.
#pragma once

#include "base/result.h"

namespace futex {

// FUTEX_WAIT: sleeps while *address == expected, until woken (with `bitset` matching), a
// signal (EINTR) or the deadline (TSC, 0: none; then ETIMEDOUT). EAGAIN if the word differs.
Result<void> wait(u64 address, u32 expected, u64 deadline_tsc, u32 bitset, bool shared);
// FUTEX_WAKE: wakes up to `count` waiters whose bitset matches; returns how many.
usize wake(u64 address, usize count, u32 bitset, bool shared);
// FUTEX_CMP_REQUEUE / FUTEX_REQUEUE: wakes `count`, moves up to `requeue` others to `target`.
Result<usize> requeue(u64 address, u64 target, usize count, usize requeue, bool compare, u32 expected,
                      bool shared);

}  // namespace futex
