// The scheduling policy, as pure logic: each runnable entity accrues virtual runtime at a
// rate inversely proportional to its weight (its priority), and the one with the least
// virtual runtime runs next. Threads of equal weight share the CPU equally; a thread at
// nice -5 gets about three times the CPU of one at nice 0.
//
// Not thread-safe: the kernel's run queue holds it under its lock.
#pragma once

#include "base/types.h"
#include "sched/pairing_heap.h"

namespace sched {

constexpr int kNiceMin = -20;
constexpr int kNiceMax = 19;
constexpr u32 kNiceZeroWeight = 1024;

// The weight of a nice level: each step is worth about 10% of CPU against a neighbour
// (a factor of 1.25), nice 0 being 1024.
u32 weight_for_nice(int nice);

struct Tunables {
    u64 latency_ns = 6'000'000;             // every runnable entity runs once in this period
    u64 min_granularity_ns = 750'000;       // ...but no slice is shorter than this
    u64 wakeup_granularity_ns = 1'000'000;  // a woken entity preempts only if this much ahead
};

struct SchedEntity {
    void* owner = nullptr;  // the thread this entity schedules
    u64 vruntime = 0;
    u32 weight = kNiceZeroWeight;
    u64 sequence = 0;  // FIFO among equal vruntimes
    HeapNode node;
};

class FairQueue {
public:
    explicit FairQueue(Tunables tunables = {}) : m_tunables(tunables) {}

    // Adds a runnable entity. A waking (or new) entity is placed no further back than half
    // a latency period behind the queue, so a long sleep earns no burst of CPU that would
    // starve the others, and a brief sleep loses nothing.
    void enqueue(SchedEntity& entity, bool waking);
    void dequeue(SchedEntity& entity);
    // The entity that should run next (least vruntime), without removing it.
    SchedEntity* peek() const { return m_heap.top(); }
    SchedEntity* pop();

    // Charges `ns` of CPU time to the entity that ran (not in the queue while running).
    void charge(SchedEntity& running, u64 ns);
    // Raises min_vruntime to follow the running entity and the queue.
    void update_min_vruntime(const SchedEntity* running);

    // How long `running` may run before the queue's best should get the CPU.
    u64 slice_ns(const SchedEntity& running) const;
    // Whether `woken` should take the CPU from `running` now.
    bool should_preempt(const SchedEntity& running, const SchedEntity& woken) const;

    usize size() const { return m_heap.size(); }
    bool empty() const { return m_heap.empty(); }
    u64 min_vruntime() const { return m_min_vruntime; }
    u64 total_weight() const { return m_total_weight; }
    const Tunables& tunables() const { return m_tunables; }

private:
    struct ByVruntime {
        bool operator()(const SchedEntity& a, const SchedEntity& b) const {
            // Signed difference: vruntime may wrap after centuries; compare as a window.
            i64 d = static_cast<i64>(a.vruntime - b.vruntime);
            return d < 0 || (d == 0 && a.sequence < b.sequence);
        }
    };

    Tunables m_tunables;
    PairingHeap<SchedEntity, &SchedEntity::node, ByVruntime> m_heap;
    u64 m_min_vruntime = 0;
    u64 m_total_weight = 0;
    u64 m_next_sequence = 0;
};

}  // namespace sched
