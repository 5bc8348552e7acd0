#include "impaired_path.h"

namespace interop {

namespace {

constexpr usize kEthernetHeader = 14;

}  // namespace

void ImpairedPath::push(const u8* frame, usize length, Nanos now) {
    m_counters.frames++;
    if (roll(m_impairment.loss_per_mille)) {
        m_counters.lost++;
        return;
    }
    std::vector<u8> bytes(frame, frame + length);
    // Past the Ethernet header: a flipped MAC address or EtherType is just a frame for
    // someone else, while a flipped IP or TCP bit must be caught by a checksum.
    if (length > kEthernetHeader && roll(m_impairment.corrupt_per_mille)) {
        usize at = kEthernetHeader + m_random() % (length - kEthernetHeader);
        bytes[at] ^= static_cast<u8>(1u << (m_random() % 8));
        m_counters.corrupted++;
    }
    if (roll(m_impairment.duplicate_per_mille)) {
        m_counters.duplicated++;
        hold(bytes, now);
    }
    hold(std::move(bytes), now);
}

void ImpairedPath::hold(std::vector<u8> frame, Nanos now) {
    if (m_held.size() >= kMaxHeld) {
        m_counters.overflowed++;
        return;
    }
    Nanos due = now;
    if (roll(m_impairment.reorder_per_mille)) {
        m_counters.reordered++;
    } else {
        i64 delay = static_cast<i64>(m_impairment.delay);
        if (m_impairment.jitter) {
            i64 span = static_cast<i64>(m_impairment.jitter);
            delay += static_cast<i64>(m_random() % static_cast<u64>(2 * span + 1)) - span;
        }
        if (delay > 0) due += static_cast<Nanos>(delay);
    }
    m_held.emplace(due, std::move(frame));
}

}  // namespace interop
