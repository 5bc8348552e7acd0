// The lock-order checker (sync/lockdep.h). Compiled into every kernel, active only in
// lockdep builds: without OSPREY_LOCKDEP this file is empty.
#ifdef OSPREY_LOCKDEP

#include "sync/lockdep.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "lib/atomic.h"
#include "lib/backtrace.h"
#include "lib/log.h"
#include "lib/panic.h"
#include "sched/thread.h"

namespace lockdep {

namespace {

constexpr u32 kMaxClasses = 256;  // class 0 is "none"
constexpr u32 kWords = kMaxClasses / 64;
constexpr u32 kMaxEdges = 2048;

struct Class {
    const char* name;
    const char* file;
    u32 line;
};

struct Edge {
    u16 from, to;
    u64 first_at;  // where `to` was first taken while `from` was held
};

// The graph: everything below is guarded by g_graph_lock, a plain flag rather than an
// IrqSpinLock (which would come back here).
kstd::Atomic<bool> g_graph_lock{false};
Class g_classes[kMaxClasses];
u32 g_class_count = 1;
u64 g_before[kMaxClasses][kWords];  // bit b of g_before[a]: a has been held while b was taken
Edge g_edges[kMaxEdges];
u32 g_edge_count = 0;
bool g_full_said = false;

bool g_started = false;

struct GraphLock {
    GraphLock() {
        cpu::SpinWait spin;
        while (g_graph_lock.exchange(true, kstd::acquire)) spin.once();
    }
    ~GraphLock() { g_graph_lock.store(false, kstd::release); }
};

bool same_text(const char* a, const char* b) {
    if (a == b) return true;
    if (!a || !b) return false;
    while (*a && *a == *b) a++, b++;
    return *a == *b;
}

// The class of `key`, registered on first sight; 0 when the table is full.
u16 class_of(Key& key) {
    if (key.id) return key.id;
    for (u32 id = 1; id < g_class_count; id++) {
        const Class& c = g_classes[id];
        bool match = key.name ? same_text(c.name, key.name) : (!c.name && c.file == key.file && c.line == key.line);
        if (match) return key.id = static_cast<u16>(id);
    }
    if (g_class_count == kMaxClasses) {
        if (!g_full_said) klog::warn("lockdep: more than {} lock classes; the rest are not checked", kMaxClasses - 1);
        g_full_said = true;
        return 0;
    }
    g_classes[g_class_count] = {key.name, key.file, key.line};
    return key.id = static_cast<u16>(g_class_count++);
}

bool has_edge(u16 from, u16 to) { return g_before[from][to / 64] & (1ull << (to % 64)); }

// A path from `from` to `to` through known edges, as the classes on it (from first); its
// length, or 0 when there is none.
u32 find_path(u16 from, u16 to, u16* path) {
    u16 parent[kMaxClasses];
    u16 queue[kMaxClasses];
    u64 seen[kWords] = {};
    u32 head = 0, tail = 0;
    queue[tail++] = from;
    seen[from / 64] |= 1ull << (from % 64);
    while (head < tail) {
        u16 at = queue[head++];
        for (u32 next = 1; next < g_class_count; next++) {
            if (!has_edge(at, static_cast<u16>(next)) || (seen[next / 64] & (1ull << (next % 64)))) continue;
            seen[next / 64] |= 1ull << (next % 64);
            parent[next] = at;
            if (next == to) {
                u32 length = 0;
                for (u16 c = to;; c = parent[c]) {
                    path[length++] = c;
                    if (c == from) break;
                }
                for (u32 i = 0; i < length / 2; i++) {
                    u16 swap = path[i];
                    path[i] = path[length - 1 - i];
                    path[length - 1 - i] = swap;
                }
                return length;
            }
            queue[tail++] = static_cast<u16>(next);
        }
    }
    return 0;
}

u64 first_seen(u16 from, u16 to) {
    for (u32 i = 0; i < g_edge_count; i++)
        if (g_edges[i].from == from && g_edges[i].to == to) return g_edges[i].first_at;
    return 0;
}

void print_class(u16 id) {
    const Class& c = g_classes[id];
    if (c.name)
        klog::print("'{}'", c.name);
    else
        klog::print("the lock made at {}:{}", c.file, c.line);
}

void print_held_entries(const HeldLocks& held) {
    for (u32 i = 0; i < held.depth && i < kMaxHeld; i++) {
        klog::print("    holds ");
        print_class(held.entries[i].class_id);
        klog::print(" ({:#x}), taken at ", reinterpret_cast<u64>(held.entries[i].lock));
        backtrace::print_address(held.entries[i].taken_at);
    }
}

[[noreturn]] void report_inversion(u16 held_class, u16 taking, u64 at, const HeldLocks& held, const u16* path,
                                   u32 length) {
    klog::print("\nlockdep: lock order inversion: taking ");
    print_class(taking);
    klog::print(" while holding ");
    print_class(held_class);
    klog::print(",\n  but the opposite order was seen before; if two threads meet here, each waits for the other:\n");
    for (u32 i = 0; i + 1 < length; i++) {
        klog::print("  ");
        print_class(path[i]);
        klog::print(" then ");
        print_class(path[i + 1]);
        klog::print(", first at ");
        backtrace::print_address(first_seen(path[i], path[i + 1]));
    }
    klog::print("  now ");
    print_class(held_class);
    klog::print(" then ");
    print_class(taking);
    klog::print(", at ");
    backtrace::print_address(at);
    klog::print("  the locks this thread holds:\n");
    print_held_entries(held);
    panic("lock order inversion (lockdep)");
}

}  // namespace

void start() { g_started = true; }

void acquire(Key& key, const void* lock, bool try_lock) {
    if (!g_started) return;
    Thread* thread = current_thread();
    if (!thread) return;
    u64 at = reinterpret_cast<u64>(__builtin_return_address(0));
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    HeldLocks& held = thread->m_held_locks;
    u16 id;
    {
        GraphLock graph;
        id = class_of(key);
        for (u32 i = 0; id && !try_lock && i < held.depth && i < kMaxHeld; i++) {
            u16 before = held.entries[i].class_id;
            if (!before || before == id || has_edge(before, id)) continue;
            u16 path[kMaxClasses];
            if (u32 length = find_path(id, before, path)) {
                g_graph_lock.store(false, kstd::release);
                report_inversion(before, id, at, held, path, length);
            }
            g_before[before][id / 64] |= 1ull << (id % 64);
            if (g_edge_count < kMaxEdges) g_edges[g_edge_count++] = {before, id, at};
        }
    }
    if (held.depth < kMaxHeld) {
        held.entries[held.depth] = {id, lock, at};
    } else if (!held.overflowed) {
        held.overflowed = true;
        klog::warn("lockdep: thread '{}' holds more than {} locks; the deeper ones are not checked", thread->name(),
                   kMaxHeld);
    }
    held.depth++;
    if (restore) cpu::enable_interrupts();
}

namespace {
// Takes `lock` off `held`; false when it is not there (taken before checking started).
bool remove(HeldLocks& held, const void* lock, Held* removed = nullptr) {
    // Usually the last one taken; any order is allowed.
    u32 visible = held.depth < kMaxHeld ? held.depth : kMaxHeld;
    for (u32 i = visible; i-- > 0;) {
        if (held.entries[i].lock != lock) continue;
        if (removed) *removed = held.entries[i];
        for (u32 j = i; j + 1 < visible; j++) held.entries[j] = held.entries[j + 1];
        held.depth--;
        return true;
    }
    if (held.depth > kMaxHeld) held.depth--;  // one of those not listed
    return false;
}
}  // namespace

void release(Key&, const void* lock) {
    if (!g_started) return;
    Thread* thread = current_thread();
    if (!thread) return;
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    remove(thread->m_held_locks, lock);
    if (restore) cpu::enable_interrupts();
}

void hand_over(const void* lock, Thread& from, Thread& to) {
    if (!g_started) return;
    Held moved;
    if (!remove(from.m_held_locks, lock, &moved)) return;
    HeldLocks& held = to.m_held_locks;
    if (held.depth < kMaxHeld) held.entries[held.depth] = moved;
    held.depth++;
}

void print_held(const Thread& thread) {
    const HeldLocks& held = thread.m_held_locks;
    if (held.depth) print_held_entries(held);
}

Stats stats() { return {g_class_count - 1, g_edge_count}; }

}  // namespace lockdep

#endif  // OSPREY_LOCKDEP
