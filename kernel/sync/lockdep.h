// The lock-order checker (lockdep builds only: cmake -DOSPREY_LOCKDEP=ON, or the
// osprey_lockdep.elf kernel every build makes; docs/reliability.md).
//
// Every lock belongs to a class: its name when it was given one (`IrqSpinLock m_lock{"fd
// table"}`), else the place it was constructed. Each thread keeps the locks it holds, in
// order. Taking lock class B while holding class A records "A before B"; if B was already
// known to come before A (directly or through other classes), two threads can each hold one
// and wait for the other: the checker reports the inversion, with where each edge of the
// cycle was first seen, and panics. It does so the first time the order is taken, whether or
// not the threads ever meet: the deadlock does not have to happen to be found.
//
// Locks of one class nested in each other (two run queues, two inodes) are not checked:
// their order comes from their addresses or the tree they sit in, not from their class.
// A try_lock cannot deadlock: it is held-tracked but adds no edge to itself.
#pragma once

#include <source_location>

#include "base/types.h"

class Thread;

namespace lockdep {

#ifdef OSPREY_LOCKDEP
constexpr bool kEnabled = true;
#else
constexpr bool kEnabled = false;
#endif

// What a lock carries in lockdep builds: its class's name and site, and the class number
// the checker gave it on first use (0 until then).
struct Key {
    const char* name;
    const char* file;
    u32 line;
    u16 id = 0;
};

constexpr u32 kMaxHeld = 24;
struct Held {
    u16 class_id;
    const void* lock;
    u64 taken_at;  // return address of the lock() call
};
// Per thread (Thread::m_held_locks).
struct HeldLocks {
    Held entries[kMaxHeld];
    u8 depth = 0;
    bool overflowed = false;  // deeper than kMaxHeld: no longer checked, said once
};

#ifdef OSPREY_LOCKDEP
// Turns checking on, once the current thread is known on the boot CPU (sched::init).
void start();
// Before waiting for `lock`: checks the order against every lock the thread holds (reports
// and panics on an inversion) and records it as held, taken where this was called from.
// `try_lock`: a try that succeeded.
[[gnu::noinline]] void acquire(Key& key, const void* lock, bool try_lock = false);
void release(Key& key, const void* lock);
// `lock`, held by `from`, is released once `to` is the current thread (the run-queue lock
// across a context switch): it moves to `to`'s list.
void hand_over(const void* lock, Thread& from, Thread& to);
// The locks `thread` holds, one line each, for the state dump.
void print_held(const Thread& thread);
struct Stats {
    u32 classes;
    u32 edges;
};
Stats stats();
#else
inline void start() {}
inline void hand_over(const void*, Thread&, Thread&) {}
inline void print_held(const Thread&) {}
#endif

}  // namespace lockdep

// In a lock's body: the lockdep key in lockdep builds, nothing otherwise.
#ifdef OSPREY_LOCKDEP
#define LOCKDEP_KEY_MEMBER lockdep::Key m_lockdep_key;
#define LOCKDEP_INIT_KEY(name, where) m_lockdep_key{name, (where).file_name(), (where).line()}
#define LOCKDEP_ACQUIRE(lock) lockdep::acquire(m_lockdep_key, lock)
#define LOCKDEP_ACQUIRED_TRY(lock) lockdep::acquire(m_lockdep_key, lock, true)
#define LOCKDEP_RELEASE(lock) lockdep::release(m_lockdep_key, lock)
#else
#define LOCKDEP_KEY_MEMBER
#define LOCKDEP_ACQUIRE(lock) ((void)0)
#define LOCKDEP_ACQUIRED_TRY(lock) ((void)0)
#define LOCKDEP_RELEASE(lock) ((void)0)
#endif
