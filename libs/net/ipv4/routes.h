// The routing table of a host: where a packet to a destination goes (interface, next hop,
// MTU). Routes come from each interface's address prefix (on-link), the default gateway
// (0.0.0.0/0), and host or network routes added on purpose. Lookup is longest-prefix
// match, then the lowest metric; the caller says which interfaces can be used right now.
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/address.h"

namespace net::ipv4 {

// Who made a route (netlink's rtm_protocol shows it).
enum class RouteOrigin : u8 {
    Kernel,  // from an interface's address prefix (RTPROT_KERNEL)
    Boot,    // a static configuration (RTPROT_BOOT)
    Dhcp,    // from a DHCP lease (RTPROT_DHCP)
    Static,  // added by an administrator (RTPROT_STATIC)
};

struct Route {
    Ipv4Prefix destination;  // stored as the network (host bits cleared)
    Ipv4Address gateway;     // kIpv4Any: the destination is on the link
    unsigned interface_index = 0;
    Ipv4Address preferred_source;  // kIpv4Any: the interface's address
    u32 mtu = 0;                   // 0: the interface's
    u32 metric = 0;
    RouteOrigin origin = RouteOrigin::Static;

    Ipv4Address next_hop(Ipv4Address destination_address) const {
        return gateway.is_any() ? destination_address : gateway;
    }
};

class RoutingTable {
public:
    static constexpr usize kMaxRoutes = 32;

    // EEXIST when a route to the same prefix with the same metric exists, ENOBUFS when
    // the table is full, EINVAL for a prefix length over 32.
    Result<void> add(const Route& route);
    // Removes the routes `matches` selects; returns how many.
    template <typename F>
    usize remove_if(F&& matches) {
        usize kept = 0, removed = 0;
        for (usize i = 0; i < m_count; i++) {
            if (matches(static_cast<const Route&>(m_routes[i])))
                removed++;
            else
                m_routes[kept++] = m_routes[i];
        }
        m_count = kept;
        return removed;
    }
    // ESRCH when there is no such route (netlink's answer to RTM_DELROUTE).
    Result<void> remove(Ipv4Prefix destination, u32 metric);

    // The best route to `destination` among those whose interface `usable(index)` accepts.
    template <typename F>
    const Route* lookup(Ipv4Address destination, F&& usable) const {
        const Route* best = nullptr;
        for (usize i = 0; i < m_count; i++) {
            const Route& r = m_routes[i];
            if (!r.destination.contains(destination) || !usable(r.interface_index)) continue;
            if (!best || r.destination.length > best->destination.length ||
                (r.destination.length == best->destination.length && r.metric < best->metric))
                best = &r;
        }
        return best;
    }
    const Route* lookup(Ipv4Address destination) const {
        return lookup(destination, [](unsigned) { return true; });
    }

    usize size() const { return m_count; }
    const Route& operator[](usize i) const { return m_routes[i]; }
    const Route* begin() const { return m_routes; }
    const Route* end() const { return m_routes + m_count; }

private:
    Route m_routes[kMaxRoutes];
    usize m_count = 0;
};

}  // namespace net::ipv4
