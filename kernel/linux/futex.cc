#include "linux/futex.h"

#include "base/intrusive_list.h"
#include "mm/address_space.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "mm/user_memory.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "sched/timer.h"
#include "sync/wait_queue.h"

namespace futex {

namespace {

// A futex is a word of one address space (the same address in a forked child is another
// futex), unless it lies in a shared mapping's page: then it is that memory, whichever
// process maps it where (process-shared semaphores and mutexes), and the key is the
// physical address with no address space. The word is read (so backed) before a wait,
// and written before a wake, so its page is there when the key is made.
struct Key {
    const void* space;
    u64 address;
};

struct Waiter {
    ListNode node;
    Thread* thread;
    u64 address;  // the key's address; may change on requeue
    u32 bitset;
    const void* space;  // the key's address space (nullptr: physical)
    bool woken = false;
};

Key key_for(u64 address, bool shared) {
    mm::AddressSpace& memory = proc::Process::current().memory();
    if (shared) {
        if (u64 physical = memory.shared_physical(address)) return {nullptr, physical};
    }
    return {&memory, address};
}

// Buckets by address hash; each bucket's lock guards its list and the woken flags.
constexpr usize kBuckets = 256;
struct Bucket {
    IrqSpinLock lock{"futex bucket"};
    IntrusiveList<Waiter, &Waiter::node> waiters;
};
Bucket g_buckets[kBuckets];

Bucket& bucket_for(u64 address) { return g_buckets[(address >> 2) * 0x9e3779b97f4a7c15ull >> 56]; }

void wake_on_timeout(Timer& timer) { sched::wake(static_cast<Thread*>(timer.context)); }

}  // namespace

Result<void> wait(u64 address, u32 expected, u64 deadline_tsc, u32 bitset, bool shared) {
    if ((address & 3) || !user_memory::range_ok(address, 4)) return Error(EFAULT);
    if (bitset == 0) return Error(EINVAL);
    // Read the word before queueing (it may fault in a page: no lock held), then check it
    // again under the bucket lock through an atomic compare-exchange that changes nothing:
    // a waker changes the word before it takes the lock, so no wake-up is lost.
    u32 value = TRY(UserPtr<u32>(address).read());
    if (value != expected) return Error(EAGAIN);
    Key key = key_for(address, shared);
    Bucket& bucket = bucket_for(key.address);
    Waiter waiter{{}, current_thread(), key.address, bitset, key.space};
    bool restore = bucket.lock.lock();
    // A plain read (the page was just touched, so it is present): read-only mappings work.
    auto current = UserPtr<u32>(address).read();
    if (current.is_error() || current.value() != expected) {
        bucket.lock.unlock(restore);
        return current.is_error() ? Error(EFAULT) : Error(EAGAIN);
    }
    bucket.waiters.push_back(waiter);
    Timer timeout;
    for (;;) {
        u32 seen_wakeups = sched::wake_count();
        if (waiter.woken) break;
        if (WaitQueue::signal_pending()) break;
        if (deadline_tsc && static_cast<i64>(cpu::rdtsc() - deadline_tsc) >= 0) break;
        sched::prepare_to_block(seen_wakeups);
        if (deadline_tsc) {
            timeout.callback = wake_on_timeout;
            timeout.context = waiter.thread;
            timers::arm(timeout, deadline_tsc);
        }
        bucket.lock.unlock(false);
        sched::block();
        if (deadline_tsc) timers::cancel(timeout);
        bucket.lock.lock();
    }
    // A requeue may have moved the waiter to another bucket's list; it updates
    // waiter.address, and the waiter is in exactly one list.
    Bucket& now_in = bucket_for(waiter.address);
    if (&now_in != &bucket) {
        bucket.lock.unlock(false);
        now_in.lock.lock();
        now_in.waiters.remove(waiter);
        now_in.lock.unlock(restore);
    } else {
        bucket.waiters.remove(waiter);
        bucket.lock.unlock(restore);
    }
    if (waiter.woken) return {};
    // Without a timeout an interrupted wait is restarted after an SA_RESTART handler, as on
    // Linux; with one, it reports EINTR (the timeout would have to be recomputed).
    if (WaitQueue::signal_pending()) return Error(deadline_tsc ? EINTR : ERESTARTSYS);
    return Error(ETIMEDOUT);
}

usize wake(u64 address, usize count, u32 bitset, bool shared) {
    Key key = key_for(address, shared);
    Bucket& bucket = bucket_for(key.address);
    usize woken = 0;
    {
        IrqSpinLockGuard guard(bucket.lock);
        bucket.waiters.for_each([&](Waiter& w) {
            if (woken >= count || w.address != key.address || w.space != key.space || !(w.bitset & bitset) || w.woken)
                return;
            w.woken = true;
            bucket.waiters.remove(w);
            sched::wake(w.thread);
            woken++;
        });
    }
    sched::preempt_point();
    return woken;
}

Result<usize> requeue(u64 address, u64 target, usize count, usize requeue_count, bool compare, u32 expected,
                      bool shared) {
    if ((address & 3) || (target & 3) || !user_memory::range_ok(target, 4)) return Error(EFAULT);
    Key from_key = key_for(address, shared), to_key = key_for(target, shared);
    Bucket& from = bucket_for(from_key.address);
    Bucket& to = bucket_for(to_key.address);
    // Lock both buckets in address order to avoid deadlock.
    Bucket* first = &from < &to ? &from : &to;
    Bucket* second = &from < &to ? &to : &from;
    bool restore = first->lock.lock();
    if (second != first) second->lock.lock();
    if (compare) {
        auto current = UserPtr<u32>(address).read();
        if (current.is_error() || current.value() != expected) {
            if (second != first) second->lock.unlock(false);
            first->lock.unlock(restore);
            return current.is_error() ? Error(EFAULT) : Error(EAGAIN);
        }
    }
    usize woken = 0, moved = 0;
    from.waiters.for_each([&](Waiter& w) {
        if (w.address != from_key.address || w.space != from_key.space || w.woken) return;
        if (woken < count) {
            w.woken = true;
            from.waiters.remove(w);
            sched::wake(w.thread);
            woken++;
        } else if (moved < requeue_count) {
            from.waiters.remove(w);
            w.address = to_key.address;
            w.space = to_key.space;
            to.waiters.push_back(w);
            moved++;
        }
    });
    if (second != first) second->lock.unlock(false);
    first->lock.unlock(restore);
    sched::preempt_point();
    return woken + moved;
}

}  // namespace futex
