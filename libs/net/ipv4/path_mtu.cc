#include "net/ipv4/path_mtu.h"

namespace net::ipv4 {

u32 next_lower_plateau(u32 packet_size) {
    static constexpr u32 kPlateaus[] = {65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
    for (u32 p : kPlateaus)
        if (p < packet_size) return p;
    return 68;
}

u32 PathMtuCache::update(Ipv4Address destination, u32 mtu, u32 route_mtu, Nanos now) {
    if (mtu < kMinPathMtu) mtu = kMinPathMtu;
    if (mtu >= route_mtu) return 0;
    Entry* slot = nullptr;
    for (Entry& e : m_entries) {
        if (e.mtu && e.destination == destination) {
            if (mtu >= e.mtu) return e.mtu;
            slot = &e;
            break;
        }
    }
    if (!slot) {
        for (Entry& e : m_entries) {
            if (!e.mtu) {
                slot = &e;
                break;
            }
            if (!slot || e.expires < slot->expires) slot = &e;
        }
    }
    slot->destination = destination;
    slot->mtu = mtu;
    slot->expires = now + kLifetime;
    return mtu;
}

u32 PathMtuCache::lookup(Ipv4Address destination) const {
    for (const Entry& e : m_entries)
        if (e.mtu && e.destination == destination) return e.mtu;
    return 0;
}

void PathMtuCache::on_timers(Nanos now) {
    for (Entry& e : m_entries)
        if (e.mtu && e.expires <= now) e = Entry{};
}

Nanos PathMtuCache::next_deadline() const {
    Nanos next = kNoDeadline;
    for (const Entry& e : m_entries)
        if (e.mtu) next = earliest(next, e.expires);
    return next;
}

usize PathMtuCache::size() const {
    usize n = 0;
    for (const Entry& e : m_entries) n += e.mtu != 0;
    return n;
}

}  // namespace net::ipv4
