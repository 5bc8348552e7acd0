#include "sched/fair_queue.h"

namespace sched {

namespace {
// 1024 / 1.25^nice, rounded as the commonly used table has it (nice -20 .. 19).
constexpr u32 kWeights[40] = {
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
    9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
    1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
    110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

bool vruntime_before(u64 a, u64 b) { return static_cast<i64>(a - b) < 0; }
}  // namespace

u32 weight_for_nice(int nice) {
    if (nice < kNiceMin) nice = kNiceMin;
    if (nice > kNiceMax) nice = kNiceMax;
    return kWeights[nice - kNiceMin];
}

void FairQueue::enqueue(SchedEntity& entity, bool waking) {
    if (waking) {
        u64 floor = m_min_vruntime - m_tunables.latency_ns / 2;
        if (vruntime_before(entity.vruntime, floor)) entity.vruntime = floor;
    }
    entity.sequence = m_next_sequence++;
    m_heap.push(entity);
    m_total_weight += entity.weight;
}

void FairQueue::dequeue(SchedEntity& entity) {
    if (!decltype(m_heap)::contains(entity)) return;
    m_heap.remove(entity);
    m_total_weight -= entity.weight;
}

SchedEntity* FairQueue::pop() {
    SchedEntity* next = m_heap.pop();
    if (next) m_total_weight -= next->weight;
    return next;
}

void FairQueue::charge(SchedEntity& running, u64 ns) {
    running.vruntime += ns * kNiceZeroWeight / running.weight;
}

void FairQueue::update_min_vruntime(const SchedEntity* running) {
    // min_vruntime only moves forward: it is the floor for waking entities.
    u64 candidate = m_min_vruntime;
    bool have = false;
    if (running) {
        candidate = running->vruntime;
        have = true;
    }
    if (auto* first = m_heap.top()) {
        if (!have || vruntime_before(first->vruntime, candidate)) candidate = first->vruntime;
        have = true;
    }
    if (have && vruntime_before(m_min_vruntime, candidate)) m_min_vruntime = candidate;
}

u64 FairQueue::slice_ns(const SchedEntity& running) const {
    u64 total = m_total_weight + running.weight;
    u64 slice = m_tunables.latency_ns * running.weight / total;
    return slice < m_tunables.min_granularity_ns ? m_tunables.min_granularity_ns : slice;
}

bool FairQueue::should_preempt(const SchedEntity& running, const SchedEntity& woken) const {
    // The granularity is in the woken entity's weighted time, so a heavier (higher
    // priority) waker preempts sooner.
    u64 granularity = m_tunables.wakeup_granularity_ns * kNiceZeroWeight / woken.weight;
    return vruntime_before(woken.vruntime + granularity, running.vruntime);
}

}  // namespace sched
