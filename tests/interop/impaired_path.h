// One direction of an imperfect link, in netem's vocabulary: each frame may be lost,
// corrupted, duplicated, delayed with jitter, or sent at once ahead of the delayed ones
// (reordered). Decisions come from a seeded generator, so a profile impairs the same
// frames the same way whenever the two stacks send the same sequence.
//
// The interop program puts one on each side of its TAP device (what it sends and what it
// receives): both directions are impaired even where the kernel has no sch_netem, and
// libs/net meets loss in its receive path as well as its send path.
#pragma once

#include <map>
#include <random>
#include <vector>

#include "base/types.h"
#include "net/layers.h"

namespace interop {

using net::Nanos;

struct Impairment {
    u32 loss_per_mille = 0;
    u32 duplicate_per_mille = 0;
    u32 corrupt_per_mille = 0;  // one bit flipped inside the IP packet
    u32 reorder_per_mille = 0;  // sent without the delay, overtaking delayed frames
    Nanos delay = 0;
    Nanos jitter = 0;  // the delay varies uniformly by up to this much either way

    bool any() const {
        return loss_per_mille || duplicate_per_mille || corrupt_per_mille || reorder_per_mille || delay || jitter;
    }
};

struct PathCounters {
    u64 frames = 0;  // offered to the path
    u64 lost = 0;
    u64 duplicated = 0;
    u64 corrupted = 0;
    u64 reordered = 0;
    u64 overflowed = 0;  // dropped because the delay line was full
};

class ImpairedPath {
public:
    ImpairedPath(const Impairment& impairment, u64 seed) : m_impairment(impairment), m_random(seed) {}

    void push(const u8* frame, usize length, Nanos now);
    // Hands every frame whose time has come to `deliver(const u8*, usize)`, earliest first.
    template <typename Deliver>
    void release_due(Nanos now, Deliver&& deliver) {
        while (!m_held.empty() && m_held.begin()->first <= now) {
            auto node = m_held.extract(m_held.begin());
            deliver(node.mapped().data(), node.mapped().size());
        }
    }
    Nanos next_due() const { return m_held.empty() ? net::kNoDeadline : m_held.begin()->first; }
    bool empty() const { return m_held.empty(); }
    const PathCounters& counters() const { return m_counters; }

private:
    // Frames in flight at once: far more than any window the test opens, so reaching it
    // means something runs away, and dropping is what a real queue would do.
    static constexpr usize kMaxHeld = 16384;

    bool roll(u32 per_mille) { return per_mille && m_random() % 1000 < per_mille; }
    void hold(std::vector<u8> frame, Nanos now);

    Impairment m_impairment;
    std::mt19937_64 m_random;
    // By due time; frames due at the same time keep their order (multimap inserts last).
    std::multimap<Nanos, std::vector<u8>> m_held;
    PathCounters m_counters;
};

}  // namespace interop
