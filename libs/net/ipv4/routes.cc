#include "net/ipv4/routes.h"

namespace net::ipv4 {

Result<void> RoutingTable::add(const Route& route) {
    if (route.destination.length > 32) return Error(EINVAL);
    Route r = route;
    r.destination.address = r.destination.network();
    for (usize i = 0; i < m_count; i++)
        if (m_routes[i].destination == r.destination && m_routes[i].metric == r.metric) return Error(EEXIST);
    if (m_count == kMaxRoutes) return Error(ENOBUFS);
    m_routes[m_count++] = r;
    return {};
}

Result<void> RoutingTable::remove(Ipv4Prefix destination, u32 metric) {
    Ipv4Prefix network{destination.network(), destination.length};
    usize removed = remove_if([&](const Route& r) { return r.destination == network && r.metric == metric; });
    if (!removed) return Error(ESRCH);
    return {};
}

}  // namespace net::ipv4
