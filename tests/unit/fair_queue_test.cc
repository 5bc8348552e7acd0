#include <gtest/gtest.h>

#include <vector>

#include "sched/fair_queue.h"

using sched::FairQueue;
using sched::SchedEntity;

namespace {

// Simulates a CPU: the entity with least vruntime runs for its slice, is charged, and
// goes back; returns the CPU time each entity received.
std::vector<u64> simulate(FairQueue& queue, std::vector<SchedEntity>& entities, u64 total_ns) {
    std::vector<u64> received(entities.size());
    for (auto& e : entities) queue.enqueue(e, true);
    u64 elapsed = 0;
    while (elapsed < total_ns) {
        SchedEntity* running = queue.pop();
        u64 slice = queue.slice_ns(*running);
        queue.charge(*running, slice);
        queue.update_min_vruntime(running);
        received[running - entities.data()] += slice;
        elapsed += slice;
        queue.enqueue(*running, false);
    }
    return received;
}

TEST(FairQueue, EqualWeightsShareTheCpuEqually) {
    FairQueue queue;
    std::vector<SchedEntity> entities(4);
    auto received = simulate(queue, entities, 4'000'000'000);
    for (u64 r : received) EXPECT_NEAR(static_cast<double>(r), 1e9, 0.01e9);
}

TEST(FairQueue, NiceMinusFiveGetsAboutThreeTimesNiceZero) {
    FairQueue queue;
    std::vector<SchedEntity> entities(2);
    entities[0].weight = sched::weight_for_nice(-5);
    entities[1].weight = sched::weight_for_nice(0);
    auto received = simulate(queue, entities, 2'000'000'000);
    double ratio = static_cast<double>(received[0]) / received[1];
    EXPECT_NEAR(ratio, 3121.0 / 1024.0, 0.1);
}

TEST(FairQueue, WeightsFollowTheNiceTable) {
    EXPECT_EQ(sched::weight_for_nice(0), 1024u);
    EXPECT_EQ(sched::weight_for_nice(-20), 88761u);
    EXPECT_EQ(sched::weight_for_nice(19), 15u);
    EXPECT_EQ(sched::weight_for_nice(-100), 88761u);  // clamped
    EXPECT_EQ(sched::weight_for_nice(100), 15u);
}

TEST(FairQueue, EqualVruntimesRunInArrivalOrder) {
    FairQueue queue;
    std::vector<SchedEntity> entities(5);
    for (auto& e : entities) queue.enqueue(e, false);
    for (auto& e : entities) EXPECT_EQ(queue.pop(), &e);
}

TEST(FairQueue, ALongSleeperIsPlacedNearTheQueueAndCannotMonopolize) {
    FairQueue queue;
    SchedEntity busy, sleeper;
    queue.enqueue(busy, true);
    // busy runs alone for a long time.
    for (int i = 0; i < 1000; i++) {
        SchedEntity* running = queue.pop();
        queue.charge(*running, 1'000'000);
        queue.update_min_vruntime(running);
        queue.enqueue(*running, false);
    }
    queue.enqueue(sleeper, true);  // vruntime 0 would give it a second of CPU in a row
    EXPECT_GE(sleeper.vruntime, queue.min_vruntime() - queue.tunables().latency_ns / 2);
    // ...but it still goes first, since it was waiting.
    EXPECT_EQ(queue.peek(), &sleeper);
}

TEST(FairQueue, WakeupPreemptsOnlyBeyondTheGranularity) {
    FairQueue queue;
    SchedEntity running, woken;
    running.vruntime = 10'000'000;
    woken.vruntime = 9'500'000;  // only 0.5 ms behind
    EXPECT_FALSE(queue.should_preempt(running, woken));
    woken.vruntime = 8'000'000;  // 2 ms behind
    EXPECT_TRUE(queue.should_preempt(running, woken));
}

TEST(FairQueue, SliceShrinksWithLoadButNotBelowTheMinimum) {
    FairQueue queue;
    std::vector<SchedEntity> others(100);
    SchedEntity running;
    EXPECT_EQ(queue.slice_ns(running), queue.tunables().latency_ns);
    queue.enqueue(others[0], false);
    EXPECT_EQ(queue.slice_ns(running), queue.tunables().latency_ns / 2);
    for (size_t i = 1; i < others.size(); i++) queue.enqueue(others[i], false);
    EXPECT_EQ(queue.slice_ns(running), queue.tunables().min_granularity_ns);
}

TEST(FairQueue, DequeueOfAWaitingEntityAdjustsWeight) {
    FairQueue queue;
    SchedEntity a, b;
    queue.enqueue(a, false);
    queue.enqueue(b, false);
    EXPECT_EQ(queue.total_weight(), 2048u);
    queue.dequeue(a);
    queue.dequeue(a);  // twice: no effect
    EXPECT_EQ(queue.total_weight(), 1024u);
    EXPECT_EQ(queue.pop(), &b);
    EXPECT_TRUE(queue.empty());
}

}  // namespace
