#include "net/unix/in_flight.h"

#include "lib/atomic.h"
#include "net/unix/table.h"
#include "net/unix/unix_socket.h"

namespace net::af_unix::in_flight {

namespace {

constexpr usize kCollectAbove = 256;    // no collection before a send below this many
constexpr usize kMaxInFlight = 65536;   // sends of files fail beyond this many

usize g_total = 0;                // unix socket files in flight; guarded by the table lock
usize g_after_last_collect = 0;   // g_total when the collector last finished
kstd::Atomic<bool> g_freeing{false};  // the collector is dropping what it found

// Records waiting to be freed, and whether a thread is freeing them. Freeing a record can
// close a socket whose queue holds records with sockets in it, and so on without bound (a
// socket in flight inside one in flight inside ...): instead of recursing, a free inside
// another adds to this list, which the outermost one empties in a loop.
IrqSpinLock g_pending_lock{"unix in flight"};
Record* g_pending = nullptr;   // guarded by g_pending_lock
bool g_draining = false;       // guarded by g_pending_lock

void destroy_all(Record* records) {
    if (!records) return;
    {
        IrqSpinLockGuard guard(g_pending_lock);
        Record* last = records;
        while (last->next) last = last->next;
        last->next = g_pending;
        g_pending = records;
        if (g_draining) return;
        g_draining = true;
    }
    for (;;) {
        Record* record;
        {
            IrqSpinLockGuard guard(g_pending_lock);
            record = g_pending;
            if (!record) {
                g_draining = false;
                return;
            }
            g_pending = record->next;
        }
        record->next = nullptr;
        Record::destroy(record);
    }
}

UnixSocket* as_unix(const RefPtr<fs::File>& file) {
    Socket* socket = file ? file->socket() : nullptr;
    return socket && socket->family() == AF_UNIX ? static_cast<UnixSocket*>(socket) : nullptr;
}

template <typename F>
void for_each_unix_file(const Record& record, F&& f) {
    for (u32 i = 0; i < record.file_count; i++)
        if (UnixSocket* socket = as_unix(record.files[i])) f(*socket);
}

void count(const Record& record, int delta) {
    for_each_unix_file(record, [&](UnixSocket& socket) {
        socket.in_flight += delta;
        g_total += delta;
    });
}

// Runs f(record) for every record in `endpoint`'s queue and, for a listener, in the
// queues of the connections waiting on it. Under the table lock.
template <typename F>
void for_each_queued(Endpoint& endpoint, F&& f) {
    endpoint.locked([&] {
        for (Record* r = endpoint.queue.front(); r; r = r->next) {
            if (r->file_count) f(*r);
            if (Endpoint* connection = r->connection.get())
                connection->locked([&] {
                    for (Record* c = connection->queue.front(); c; c = c->next)
                        if (c->file_count) f(*c);
                });
        }
    });
}

// Takes the records carrying files out of a garbage socket's queues (and those of the
// connections waiting on it), onto `list`. Under the table lock.
void take_garbage(Endpoint& endpoint, Record**& tail) {
    auto take = [&](Endpoint& e) {
        Record* taken = e.queue.take_if([](Record& r) { return r.file_count != 0; });
        for (Record* r = taken; r; r = r->next) {
            count(*r, -1);
            *tail = r;
            tail = &r->next;
        }
    };
    endpoint.locked([&] {
        take(endpoint);
        for (Record* r = endpoint.queue.front(); r; r = r->next)
            if (Endpoint* connection = r->connection.get()) connection->locked([&] { take(*connection); });
    });
}

enum Mark : u8 { kNone = 0, kCandidate, kReachable };

// Finds the unreachable sockets and takes their records with files; returns them.
Record* find_garbage() {
    MutexLocker lock(table::lock());
    if (g_total == 0) return nullptr;
    IntrusiveList<UnixSocket, &UnixSocket::gc_node> candidates;
    table::for_each([&](Endpoint& e) {
        UnixSocket* socket = e.file;  // written under the table lock too
        if (!socket || socket->in_flight == 0 || socket->ref_count() != socket->in_flight) return;
        socket->gc_mark = kCandidate;
        socket->gc_refs = socket->in_flight;
        candidates.push_back(*socket);
    });
    // References from candidates' queues do not make anything reachable.
    candidates.for_each([&](UnixSocket& socket) {
        for_each_queued(socket.endpoint(), [&](Record& r) {
            for_each_unix_file(r, [&](UnixSocket& target) {
                if (target.gc_mark != kNone) target.gc_refs--;
            });
        });
    });
    // What is left is referenced from outside; so is all it holds, transitively.
    IntrusiveList<UnixSocket, &UnixSocket::gc_node> reachable;
    candidates.for_each([&](UnixSocket& socket) {
        if (socket.gc_refs == 0) return;
        candidates.remove(socket);
        socket.gc_mark = kReachable;
        reachable.push_back(socket);
    });
    while (UnixSocket* socket = reachable.pop_front()) {
        for_each_queued(socket->endpoint(), [&](Record& r) {
            for_each_unix_file(r, [&](UnixSocket& target) {
                if (target.gc_mark != kCandidate) return;
                candidates.remove(target);
                target.gc_mark = kReachable;
                reachable.push_back(target);
            });
        });
        socket->gc_mark = kNone;
    }
    Record* garbage = nullptr;
    Record** tail = &garbage;
    while (UnixSocket* socket = candidates.pop_front()) {
        take_garbage(socket->endpoint(), tail);
        socket->gc_mark = kNone;
    }
    g_after_last_collect = g_total;
    return garbage;
}

void collect() {
    Record* garbage = find_garbage();
    if (!garbage) return;
    // Dropping the records closes the sockets they held; those closes must not start
    // another collection each.
    bool was_freeing = g_freeing.exchange(true);
    destroy_all(garbage);
    g_freeing.store(was_freeing);
}

}  // namespace

Result<void> add(const Record& record) {
    usize sockets = 0;
    for_each_unix_file(record, [&](UnixSocket&) { sockets++; });
    if (sockets == 0) return {};
    bool due = false;
    {
        MutexLocker lock(table::lock());
        due = g_total >= kCollectAbove && g_total >= 2 * g_after_last_collect;
    }
    if (due) collect();
    MutexLocker lock(table::lock());
    if (g_total + sockets > kMaxInFlight) return Error(ETOOMANYREFS);
    count(record, +1);
    return {};
}

void remove(RefPtr<fs::File>* files, u32 count_of_files) {
    bool any = false;
    for (u32 i = 0; i < count_of_files; i++) any |= as_unix(files[i]) != nullptr;
    if (!any) return;
    MutexLocker lock(table::lock());
    for (u32 i = 0; i < count_of_files; i++)
        if (UnixSocket* socket = as_unix(files[i])) {
            socket->in_flight--;
            g_total--;
        }
}

void discard(Record* records) {
    bool any = false;
    for (Record* r = records; r; r = r->next) any |= r->file_count != 0;
    if (!any) {
        // Nothing here can close a socket (a connection record's end was released first).
        while (records) {
            Record* next = records->next;
            Record::destroy(records);
            records = next;
        }
        return;
    }
    {
        MutexLocker lock(table::lock());
        for (Record* r = records; r; r = r->next) count(*r, -1);
    }
    destroy_all(records);
}

void socket_closed() {
    if (g_freeing.load()) return;
    bool any;
    {
        MutexLocker lock(table::lock());
        any = g_total != 0;
    }
    if (any) collect();
}

}  // namespace net::af_unix::in_flight
