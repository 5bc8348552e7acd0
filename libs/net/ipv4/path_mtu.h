// Path MTUs learnt from ICMP "fragmentation needed" (RFC 1191): per destination, smaller
// than the route's MTU, forgotten after 10 minutes so a path that got better is found
// again. Bounded: when full, the entry closest to expiry makes room.
#pragma once

#include "base/types.h"
#include "net/address.h"
#include "net/layers.h"

namespace net::ipv4 {

// As Linux's min_pmtu: a forged ICMP message cannot push the MTU (and with it TCP's
// segment size) below this.
constexpr u32 kMinPathMtu = 552;

// RFC 1191's plateau table: the MTU to try when a router reports none (an old router
// sends 0), the largest plateau below the size of the packet that did not fit.
u32 next_lower_plateau(u32 packet_size);

class PathMtuCache {
public:
    static constexpr usize kMaxEntries = 32;
    static constexpr Nanos kLifetime = 600 * kSecond;

    // Records `mtu` for `destination` when it is lower than what is known (clamped to
    // kMinPathMtu). Returns the MTU now in force for it, or 0 when nothing was recorded.
    u32 update(Ipv4Address destination, u32 mtu, u32 route_mtu, Nanos now);
    u32 lookup(Ipv4Address destination) const;  // 0: none known
    void on_timers(Nanos now);
    Nanos next_deadline() const;
    usize size() const;

private:
    struct Entry {
        Ipv4Address destination;
        u32 mtu = 0;  // 0: free
        Nanos expires = 0;
    };
    Entry m_entries[kMaxEntries];
};

}  // namespace net::ipv4
