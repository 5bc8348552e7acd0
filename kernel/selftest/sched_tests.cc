// Threads, the scheduler, timers and synchronization under stress.
#include "lib/atomic.h"

#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "mm/kernel_stacks.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "selftest/selftest.h"
#include "sync/mutex.h"

namespace selftest {

namespace {

u64 ms(u64 n) { return n * 1'000'000; }

// Two threads hand a token back and forth through one mutex and condition variable.
struct PingPong {
    Mutex mutex;
    ConditionVariable changed;
    u64 turn = 0;  // even: ping's turn, odd: pong's
    u64 rounds = 0;
};

void pingpong_side(PingPong& p, u64 parity) {
    for (u64 i = 0; i < p.rounds; i++) {
        MutexLocker lock(p.mutex);
        while (p.turn % 2 != parity) p.changed.wait(p.mutex);
        p.turn++;
        p.changed.notify_one();
    }
}

// Every CPU's: the two sides may run on different CPUs.
u64 all_context_switches() { return sched::total_cpu_stats().context_switches; }

bool pingpong() {
    static PingPong p;
    p.turn = 0;
    // With several CPUs the two sides usually sit on different ones, and every hand-off
    // is a cross-CPU wake-up: under TCG a host thread's wake-up each, which a loaded host
    // makes milliseconds. Fewer rounds keep the stress within the guest tests' bound.
    p.rounds = sched::cpu_count() > 1 ? 20'000 : 100'000;
    u64 before = all_context_switches();
    u64 start = cpu::rdtsc();
    auto ping = Thread::spawn("ping", [](void* a) { pingpong_side(*static_cast<PingPong*>(a), 0); }, &p);
    auto pong = Thread::spawn("pong", [](void* a) { pingpong_side(*static_cast<PingPong*>(a), 1); }, &p);
    SELFTEST_CHECK(ping.is_ok() && pong.is_ok());
    Thread::join(ping.value());
    Thread::join(pong.value());
    u64 ticks = cpu::rdtsc() - start;
    u64 switches = all_context_switches() - before;
    klog::print("  {} round trips, {} context switches, {} TSC ticks per round trip\n", p.rounds, switches,
                ticks / p.rounds);
    SELFTEST_CHECK(p.turn == 2 * p.rounds);
    SELFTEST_CHECK(switches >= p.rounds);  // each hand-off needs the other thread to run
    return true;
}

struct MemoryLevel {
    usize frames_free;
    usize heap_live;
    usize heap_pages;
    usize threads;
    usize stacks;
};

MemoryLevel memory_level() {
    heap::trim();
    auto h = heap::stats();
    return {frames::free_count(), h.live_allocations, h.pages_held, live_thread_count(), kernel_stacks::live_count()};
}

kstd::Atomic<u64> g_ran{0};

bool many_threads() {
    constexpr u64 kTotal = 10'000;
    constexpr u64 kBatch = 100;
    static Thread* batch[kBatch];
    auto run_batch = [&](u64 first) -> bool {
        for (u64 i = 0; i < kBatch; i++) {
            auto t = Thread::spawn("worker", [](void* n) { g_ran += reinterpret_cast<u64>(n); },
                                   reinterpret_cast<void*>(first + i));
            if (t.is_error()) return false;
            batch[i] = t.value();
        }
        for (u64 i = 0; i < kBatch; i++) Thread::join(batch[i]);
        return true;
    };
    // One batch first: the page tables behind the stack range are built once and kept for
    // the stacks that reuse it, so the baseline is taken after them.
    SELFTEST_CHECK(run_batch(0));
    g_ran = 0;
    MemoryLevel before = memory_level();
    u64 start = cpu::rdtsc();
    for (u64 first = 0; first < kTotal; first += kBatch) SELFTEST_CHECK(run_batch(first));
    u64 ticks = cpu::rdtsc() - start;
    MemoryLevel after = memory_level();
    klog::print("  {} threads created and joined, {} TSC ticks each; frames free {} -> {}, heap objects {} -> {}\n",
                kTotal, ticks / kTotal, before.frames_free, after.frames_free, before.heap_live, after.heap_live);
    SELFTEST_CHECK(g_ran == kTotal * (kTotal - 1) / 2);  // every thread ran exactly once
    SELFTEST_CHECK(after.frames_free == before.frames_free);
    SELFTEST_CHECK(after.heap_live == before.heap_live);
    SELFTEST_CHECK(after.heap_pages == before.heap_pages);
    SELFTEST_CHECK(after.threads == before.threads);
    SELFTEST_CHECK(after.stacks == before.stacks);
    return true;
}

struct Contention {
    Mutex mutex;
    u64 counter = 0;
    u64 per_thread = 0;
};

bool mutex_contention() {
    static Contention c;
    c.counter = 0;
    c.per_thread = 2000;
    constexpr int kThreads = 16;
    Thread* threads[kThreads];
    for (auto& t : threads) {
        auto spawned = Thread::spawn("contender", [](void* a) {
            auto& c = *static_cast<Contention*>(a);
            for (u64 i = 0; i < c.per_thread; i++) {
                MutexLocker lock(c.mutex);
                u64 value = c.counter;
                // Give the CPU away inside the critical section now and then, so the
                // others pile up on the mutex: without mutual exclusion, updates are lost.
                if (i % 64 == 0) sched::yield();
                c.counter = value + 1;
            }
        }, &c);
        SELFTEST_CHECK(spawned.is_ok());
        t = spawned.value();
    }
    for (auto* t : threads) Thread::join(t);
    klog::print("  counter {} (expected {})\n", c.counter, kThreads * c.per_thread);
    SELFTEST_CHECK(c.counter == kThreads * c.per_thread);
    return true;
}

// A thread that never sleeps must not keep a sleeping thread from waking up on time.
kstd::Atomic<bool> g_stop_spinning{false};
kstd::Atomic<u64> g_spins{0};

bool no_starvation() {
    g_stop_spinning = false;
    g_spins = 0;
    auto spinner = Thread::spawn("spinner", [](void*) {
        while (!g_stop_spinning) g_spins++;
    }, nullptr);
    SELFTEST_CHECK(spinner.is_ok());
    u64 worst_late = 0;
    // This (main) thread sleeps 20 times for 5 ms while the spinner runs.
    for (int i = 0; i < 20; i++) {
        u64 start = ktime::monotonic_ns();
        sched::sleep_ns(ms(5));
        u64 slept = ktime::monotonic_ns() - start;
        SELFTEST_CHECK(slept >= ms(5));
        if (slept - ms(5) > worst_late) worst_late = slept - ms(5);
    }
    g_stop_spinning = true;
    Thread::join(spinner.value());
    klog::print("  sleeper woke 20 times beside a spinner ({} spins); worst lateness {} us\n", g_spins.load(),
                worst_late / 1000);
    SELFTEST_CHECK(g_spins > 0);  // and the spinner did run
    return true;
}

bool sleeps() {
    for (u64 n : {1, 10, 100}) {
        u64 start = ktime::monotonic_ns();
        sched::sleep_ns(ms(n));
        u64 slept = ktime::monotonic_ns() - start;
        klog::print("  sleep {} ms: {} us late\n", n, (slept - ms(n)) / 1000);
        SELFTEST_CHECK(slept >= ms(n));
    }
    // Timeouts: a condition nobody signals, a semaphore nobody raises.
    Mutex mutex;
    ConditionVariable never;
    u64 start = ktime::monotonic_ns();
    mutex.lock();
    auto waited = never.wait_until(mutex, cpu::rdtsc() + ktime::ns_to_tsc(ms(10)));
    mutex.unlock();
    SELFTEST_CHECK(waited.error() == ETIMEDOUT);
    SELFTEST_CHECK(ktime::monotonic_ns() - start >= ms(10));
    Semaphore empty;
    SELFTEST_CHECK(!empty.try_down());
    SELFTEST_CHECK(empty.down_until(cpu::rdtsc() + ktime::ns_to_tsc(ms(2))).error() == ETIMEDOUT);
    empty.up();
    SELFTEST_CHECK(empty.try_down());
    return true;
}

// Threads with FPU state keep their vector registers across switches to each other.
struct VectorCheck {
    u64 pattern;
    bool intact = true;
};

void vector_worker(void* argument) {
    auto* check = static_cast<VectorCheck*>(argument);
    for (int i = 0; i < 200; i++) {
        u64 in[2] = {check->pattern + i, ~check->pattern - i};
        u64 out[2] = {0, 0};
        asm volatile("movdqu %0, %%xmm7" ::"m"(in) : "memory");
        sched::yield();
        sched::sleep_ns(i % 10 == 0 ? 100'000 : 0);
        asm volatile("movdqu %%xmm7, %0" : "=m"(out)::"memory");
        if (out[0] != in[0] || out[1] != in[1]) check->intact = false;
    }
}

bool fpu_isolation() {
    static VectorCheck checks[4] = {{0x1111111111111111}, {0x2222222222222222}, {0x3333333333333333},
                                    {0x4444444444444444}};
    Thread* threads[4];
    for (int i = 0; i < 4; i++) {
        auto t = Thread::spawn("vector", vector_worker, &checks[i], {.uses_fpu = true});
        SELFTEST_CHECK(t.is_ok());
        threads[i] = t.value();
    }
    for (auto* t : threads) Thread::join(t);
    for (auto& c : checks) SELFTEST_CHECK(c.intact);
    return true;
}

// Two spinners at different nice levels: the one with more weight gets more CPU.
struct Spinner {
    kstd::Atomic<u64> count{0};
};
kstd::Atomic<bool> g_stop_weighted{false};

bool priorities() {
    static Spinner high, low;
    high.count = low.count = 0;
    g_stop_weighted = false;
    auto spin = [](void* a) {
        auto* s = static_cast<Spinner*>(a);
        while (!g_stop_weighted) s->count++;
    };
    // On one CPU, where their weights decide (each would have a CPU of its own otherwise).
    u64 here = 1ull << this_cpu()->id;
    auto a = Thread::spawn("nice-5", spin, &high, {.nice = -5, .affinity = here});
    auto b = Thread::spawn("nice+5", spin, &low, {.nice = 5, .affinity = here});
    SELFTEST_CHECK(a.is_ok() && b.is_ok());
    sched::sleep_ns(ms(200));
    g_stop_weighted = true;
    Thread::join(a.value());
    Thread::join(b.value());
    klog::print("  nice -5 spun {} times, nice +5 {} times (weights 3121:335)\n", high.count.load(), low.count.load());
    SELFTEST_CHECK(high.count > 2 * low.count);
    return true;
}

const Test kSchedTests[] = {
    {"pingpong", pingpong, false},
    {"threads", many_threads, false},
    {"mutex", mutex_contention, false},
    {"starvation", no_starvation, false},
    {"sleep", sleeps, false},
    {"fpu", fpu_isolation, false},
    {"priority", priorities, false},
};

}  // namespace

std::span<const Test> sched_tests() { return kSchedTests; }

}  // namespace selftest
