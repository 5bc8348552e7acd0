#include "fs/locks.h"

#include <new>

#include "linux/process.h"
#include "linux/signals.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"

namespace fs {

namespace {

struct Record {
    ListNode node;
    Inode* inode;
    File* owner;
    LockRequest lock;
};

// One table for the system: locks are few. Its wait queue's lock guards the list.
WaitQueue g_changed;
IntrusiveList<Record, &Record::node> g_records;

bool overlaps(const LockRequest& a, const LockRequest& b) { return a.start < b.end && b.start < a.end; }

bool conflicts(const Record& r, Inode& inode, File& owner, const LockRequest& request) {
    return r.inode == &inode && r.owner != &owner && r.lock.space == request.space && overlaps(r.lock, request) &&
           (r.lock.write || request.write);
}

Record* first_conflict(Inode& inode, File& owner, const LockRequest& request) {
    Record* found = nullptr;
    g_records.for_each([&](Record& r) {
        if (!found && conflicts(r, inode, owner, request)) found = &r;
    });
    return found;
}

// Removes the owner's locks in [start, end) of a space, trimming partial overlaps.
// FIXME: a range in the middle of a held lock trims from one side only (no split).
void remove_locked(Inode& inode, File& owner, LockSpace space, u64 start, u64 end) {
    g_records.for_each([&](Record& r) {
        if (r.inode != &inode || r.owner != &owner || r.lock.space != space) return;
        if (r.lock.end <= start || end <= r.lock.start) return;
        if (start <= r.lock.start && end >= r.lock.end) {
            g_records.remove(r);
            delete &r;
        } else if (start <= r.lock.start) {
            r.lock.start = end;
        } else {
            r.lock.end = start;
        }
    });
}

}  // namespace

Result<void> lock(Inode& inode, File& owner, const LockRequest& request, bool wait) {
    auto* record = new (std::nothrow) Record{{}, &inode, &owner, request};
    if (!record) return Error(ENOLCK);
    linux_abi::UserContext* user = current_thread()->m_user;
    for (;;) {
        bool taken = false, interrupted = false;
        auto waited = g_changed.wait_until([&] {
            if (!first_conflict(inode, owner, request)) {
                remove_locked(inode, owner, request.space, request.start, request.end);
                g_records.push_back(*record);
                taken = true;
                return true;
            }
            if (!wait) return true;
            if (user && signals::has_deliverable(*user)) {
                interrupted = true;
                return true;
            }
            return false;
        });
        (void)waited;
        if (taken) return {};
        delete record;
        return Error(interrupted ? ERESTARTSYS : EAGAIN);
    }
}

void unlock(Inode& inode, File& owner, LockSpace space, u64 start, u64 end) {
    g_changed.locked([&] { remove_locked(inode, owner, space, start, end); });
    g_changed.wake_all();
}

bool find_conflict(Inode& inode, File& owner, const LockRequest& request, LockRequest& conflict) {
    return g_changed.locked([&] {
        Record* r = first_conflict(inode, owner, request);
        if (r) conflict = r->lock;
        return r != nullptr;
    });
}

void release_all(File& owner) {
    bool any = g_changed.locked([&] {
        bool removed = false;
        g_records.for_each([&](Record& r) {
            if (r.owner != &owner) return;
            g_records.remove(r);
            delete &r;
            removed = true;
        });
        return removed;
    });
    if (any) g_changed.wake_all();
}

}  // namespace fs
