// A bounded set of sequence ranges: the out-of-order data a receiver holds (which its SACK
// blocks report) and the SACKed data a sender has learnt of (its scoreboard, RFC 6675).
// A fixed array, never allocated: a hostile peer can fill it, and then new ranges that
// would need a slot of their own are refused, which only costs that data a retransmission.
//
// All ranges lie within 2^31 of each other (inside one window), so sequence comparisons
// order them.
#pragma once

#include <new>

#include "base/types.h"
#include "net/tcp/segment.h"
#include "net/tcp/seq.h"

namespace net::tcp {

template <unsigned N>
class SeqRangeSet {
public:
    struct Range {
        u32 start;
        u32 end;
        u32 stamp;  // when it last grew: SACK blocks report the newest first
    };

    unsigned count() const { return m_count; }
    bool empty() const { return m_count == 0; }
    const Range& at(unsigned i) const { return m_ranges[i]; }  // ordered by start
    void clear() { m_count = 0; }

    // Adds [start, end), merging with every range it overlaps or touches. false, and
    // unchanged, when it would need a new slot and none is free.
    bool add(u32 start, u32 end) {
        if (!seq_lt(start, end)) return true;
        unsigned first = 0;
        while (first < m_count && seq_lt(m_ranges[first].end, start)) first++;
        unsigned last = first;  // one past the last range merged
        while (last < m_count && seq_le(m_ranges[last].start, end)) last++;
        u32 stamp = ++m_clock;
        if (first == last) {  // touches nothing: a new range at `first`
            if (m_count == N) return false;
            for (unsigned i = m_count; i > first; i--) m_ranges[i] = m_ranges[i - 1];
            m_ranges[first] = {start, end, stamp};
            m_count++;
            return true;
        }
        Range merged{seq_min(start, m_ranges[first].start), seq_max(end, m_ranges[last - 1].end), stamp};
        unsigned removed = last - first - 1;
        m_ranges[first] = merged;
        for (unsigned i = first + 1; i + removed < m_count; i++) m_ranges[i] = m_ranges[i + removed];
        m_count -= removed;
        return true;
    }

    // Forgets everything before `seq`.
    void remove_below(u32 seq) {
        unsigned drop = 0;
        while (drop < m_count && seq_le(m_ranges[drop].end, seq)) drop++;
        if (drop) {
            for (unsigned i = 0; i + drop < m_count; i++) m_ranges[i] = m_ranges[i + drop];
            m_count -= drop;
        }
        if (m_count && seq_lt(m_ranges[0].start, seq)) m_ranges[0].start = seq;
    }

    // The range holding `seq`, or null.
    const Range* find(u32 seq) const {
        for (unsigned i = 0; i < m_count; i++)
            if (seq_in(seq, m_ranges[i].start, m_ranges[i].end)) return &m_ranges[i];
        return nullptr;
    }
    // The first range starting after `seq`, or null.
    const Range* next_after(u32 seq) const {
        for (unsigned i = 0; i < m_count; i++)
            if (seq_gt(m_ranges[i].start, seq)) return &m_ranges[i];
        return nullptr;
    }

    u32 bytes() const {
        u32 total = 0;
        for (unsigned i = 0; i < m_count; i++) total += m_ranges[i].end - m_ranges[i].start;
        return total;
    }
    // Bytes of the set inside [low, high).
    u32 bytes_in(u32 low, u32 high) const {
        u32 total = 0;
        for (unsigned i = 0; i < m_count; i++) {
            u32 s = seq_max(m_ranges[i].start, low), e = seq_min(m_ranges[i].end, high);
            if (seq_lt(s, e)) total += e - s;
        }
        return total;
    }
    u32 highest_end(u32 fallback) const { return m_count ? m_ranges[m_count - 1].end : fallback; }

    // Up to `max` ranges as SACK blocks, the most recently grown first (RFC 2018 §4).
    unsigned newest_first(SackBlock* out, unsigned max) const {
        unsigned n = 0;
        bool taken[N] = {};
        while (n < max && n < m_count) {
            unsigned best = N;
            for (unsigned i = 0; i < m_count; i++)
                if (!taken[i] && (best == N || m_ranges[i].stamp > m_ranges[best].stamp)) best = i;
            taken[best] = true;
            out[n++] = {m_ranges[best].start, m_ranges[best].end};
        }
        return n;
    }

private:
    Range m_ranges[N] = {};
    unsigned m_count = 0;
    u32 m_clock = 0;
};

// A SeqRangeSet allocated only while it holds ranges: most connections never see loss or
// reordering, and an idle one (or one in TIME_WAIT) should not carry the array. When
// memory is short, adding fails as a full set does.
template <unsigned N>
class LazySeqRangeSet {
public:
    using Set = SeqRangeSet<N>;
    LazySeqRangeSet() = default;
    ~LazySeqRangeSet() { delete m_set; }
    LazySeqRangeSet(const LazySeqRangeSet&) = delete;
    LazySeqRangeSet& operator=(const LazySeqRangeSet&) = delete;

    const Set& view() const { return m_set ? *m_set : kEmpty; }
    bool allocated() const { return m_set != nullptr; }

    bool add(u32 start, u32 end) {
        if (!m_set) {
            if (!seq_lt(start, end)) return true;
            m_set = new (std::nothrow) Set();
            if (!m_set) return false;
        }
        return m_set->add(start, end);
    }
    void remove_below(u32 seq) {
        if (!m_set) return;
        m_set->remove_below(seq);
        if (m_set->empty()) clear();
    }
    void clear() {
        delete m_set;
        m_set = nullptr;
    }

    unsigned count() const { return view().count(); }
    bool empty() const { return view().empty(); }
    const typename Set::Range& at(unsigned i) const { return view().at(i); }
    const typename Set::Range* find(u32 seq) const { return view().find(seq); }
    const typename Set::Range* next_after(u32 seq) const { return view().next_after(seq); }
    u32 bytes() const { return view().bytes(); }
    u32 bytes_in(u32 low, u32 high) const { return view().bytes_in(low, high); }
    u32 highest_end(u32 fallback) const { return view().highest_end(fallback); }
    unsigned newest_first(SackBlock* out, unsigned max) const { return view().newest_first(out, max); }

private:
    static constexpr Set kEmpty{};
    Set* m_set = nullptr;
};

}  // namespace net::tcp
