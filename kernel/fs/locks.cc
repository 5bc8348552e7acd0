#include "fs/locks.h"

#include <new>

#include "fs/lock_range.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

struct Record {
    ListNode node;
    Inode* inode;
    const void* owner;
    LockRequest lock;
};

// One table for the system: locks are few. Its wait queue's lock guards the list; records
// are allocated before it is taken (a set or clear splits at most one held lock in two).
WaitQueue g_changed;
IntrusiveList<Record, &Record::node> g_records;

locks::LockRange range_of(const LockRequest& r) { return {r.start, r.end, r.write}; }

Record* first_conflict(Inode& inode, const void* owner, const LockRequest& request) {
    Record* found = nullptr;
    g_records.for_each([&](Record& r) {
        if (!found && r.inode == &inode && r.owner != owner && r.lock.space == request.space &&
            locks::conflicts(range_of(r.lock), range_of(request)))
            found = &r;
    });
    return found;
}

// Sets (a lock of request.write) or clears the owner's range: its locks there are cut back,
// split or joined into the new one. Returns the range the new lock covers after joining.
// `spare` takes the second piece of a split lock (and is then consumed).
LockRequest reshape_owner(Inode& inode, const void* owner, const LockRequest& request, bool set, Record*& spare) {
    locks::LockRange wanted = range_of(request);
    Record* second_piece = nullptr;
    g_records.for_each([&](Record& r) {
        if (r.inode != &inode || r.owner != owner || r.lock.space != request.space) return;
        auto shape = locks::reshape(range_of(r.lock), wanted, set);
        if (shape.absorbed) {
            wanted.start = shape.merged_start;
            wanted.end = shape.merged_end;
        } else if (shape.piece_count > 0) {
            r.lock.start = shape.pieces[0].start;
            r.lock.end = shape.pieces[0].end;
            if (shape.piece_count == 2 && spare) {
                *spare = r;
                spare->node = {};
                spare->lock.start = shape.pieces[1].start;
                spare->lock.end = shape.pieces[1].end;
                second_piece = spare;
                spare = nullptr;
            }
            return;
        }
        g_records.remove(r);
        delete &r;
    });
    if (second_piece) g_records.push_back(*second_piece);
    LockRequest joined = request;
    joined.start = wanted.start;
    joined.end = wanted.end;
    return joined;
}

}  // namespace

Result<void> lock(Inode& inode, const void* owner, const LockRequest& request, bool wait) {
    auto* record = new (std::nothrow) Record{{}, &inode, owner, request};
    auto* spare = new (std::nothrow) Record{{}, &inode, owner, request};
    if (!record || !spare) {
        delete record;
        delete spare;
        return Error(ENOLCK);
    }
    // Runs under the queue's lock: takes the lock when nothing conflicts.
    auto take = [&] {
        if (first_conflict(inode, owner, request)) return false;
        record->lock = reshape_owner(inode, owner, request, true, spare);
        g_records.push_back(*record);
        return true;
    };
    Result<void> taken = wait ? g_changed.wait_interruptible(take)
                              : (g_changed.locked(take) ? Result<void>() : Result<void>(Error(EAGAIN)));
    delete spare;
    if (taken.is_error()) {
        delete record;
        return taken;
    }
    // A lock that replaced a write lock by a read lock may let readers in.
    g_changed.wake_all();
    return {};
}

Result<void> unlock(Inode& inode, const void* owner, LockSpace space, u64 start, u64 end) {
    auto* spare = new (std::nothrow) Record{};
    if (!spare) return Error(ENOLCK);
    LockRequest range{space, false, start, end};
    g_changed.locked([&] { (void)reshape_owner(inode, owner, range, false, spare); });
    delete spare;
    g_changed.wake_all();
    return {};
}

bool find_conflict(Inode& inode, const void* owner, const LockRequest& request, LockRequest& conflict) {
    return g_changed.locked([&] {
        Record* r = first_conflict(inode, owner, request);
        if (r) conflict = r->lock;
        return r != nullptr;
    });
}

bool find_own(Inode& inode, const void* owner, LockSpace space, u64 start, u64 end, LockRequest& found) {
    return g_changed.locked([&] {
        bool any = false;
        g_records.for_each([&](Record& r) {
            if (any || r.inode != &inode || r.owner != owner || r.lock.space != space) return;
            if (!locks::overlaps(range_of(r.lock), {start, end, false})) return;
            found = r.lock;
            any = true;
        });
        return any;
    });
}

namespace {
template <typename Match>
void release_matching(Match match) {
    bool any = g_changed.locked([&] {
        bool removed = false;
        g_records.for_each([&](Record& r) {
            if (!match(r)) return;
            g_records.remove(r);
            delete &r;
            removed = true;
        });
        return removed;
    });
    if (any) g_changed.wake_all();
}
}  // namespace

void release_all(const void* owner) {
    release_matching([&](const Record& r) { return r.owner == owner; });
}

void release_on(Inode& inode, const void* owner) {
    release_matching([&](const Record& r) { return r.owner == owner && r.inode == &inode; });
}

}  // namespace fs
