// NetStack: construction, interfaces, configuration, routes and timers. The receive path
// is in stack_input.cc, the send path in stack_output.cc, DHCP's glue in stack_dhcp.cc.
#include "net/stack.h"

#include <new>

namespace net {

namespace {

bool copy_name(char* out, const char* name) {
    usize n = 0;
    while (name[n]) {
        if (n + 1 >= kInterfaceNameSize) return false;
        n++;
    }
    if (n == 0) return false;
    for (usize i = 0; i <= n; i++) out[i] = name[i];
    return true;
}

bool same_name(const char* a, const char* b) {
    usize i = 0;
    while (a[i] && a[i] == b[i]) i++;
    return a[i] == b[i];
}

}  // namespace

// ---- Interface ----

Interface::Interface(NetStack& stack, unsigned index, InterfaceKind kind, const char* name)
    : m_stack(stack), m_index(index), m_kind(kind) {
    copy_name(m_name, name);
}

Interface::~Interface() {
    delete m_arp;
    delete m_dhcp;
}

u32 Interface::flags() const {
    u32 f = 0;
    if (m_up) f |= kIffUp;
    if (m_running) f |= kIffRunning | kIffLowerUp;
    if (m_kind == InterfaceKind::Loopback)
        f |= kIffLoopback;
    else
        f |= kIffBroadcast | kIffMulticast;
    return f;
}

Ipv4Address Interface::broadcast_address() const {
    if (!has_address() || m_kind == InterfaceKind::Loopback || m_config.address.length >= 31) return kIpv4Any;
    return m_config.address.broadcast();
}

// ---- NetStack ----

NetStack::NetStack(RandomSource& random, Callbacks& callbacks)
    : m_random(random),
      m_callbacks(callbacks),
      m_reassembler(m_ip_stats),
      m_icmp(*this, m_protocols, *this, m_icmp_stats),
      m_udp(*this, *this, random, callbacks),
      m_loopback(*this, kLoopbackIndex, InterfaceKind::Loopback, "lo"),
      m_id_secret(random.next_u64()) {
    for (u16& id : m_ids) id = static_cast<u16>(random.next_u64());
    m_loopback.m_mtu = m_loopback.m_device_mtu = kLoopbackMtu;
    m_loopback.m_running = true;
    m_loopback.m_config.address = {kIpv4Loopback, 8};
    m_loopback.m_config.origin = AddressOrigin::Static;
    m_loopback.m_configured = true;
    m_interfaces[0] = &m_loopback;
    m_interface_count = 1;
    ipv4::Route lo_route;
    lo_route.destination = {kIpv4Loopback, 8};
    lo_route.interface_index = kLoopbackIndex;
    lo_route.origin = ipv4::RouteOrigin::Kernel;
    (void)m_routes.add(lo_route);
    (void)m_protocols.set(kProtoIcmp, m_icmp);
    (void)m_protocols.set(kProtoUdp, m_udp);
}

NetStack::~NetStack() {
    for (unsigned i = 1; i < m_interface_count; i++) delete m_interfaces[i];
}

Interface* NetStack::find(unsigned index) const {
    if (index == 0 || index > m_interface_count) return nullptr;
    return m_interfaces[index - 1];
}

const Interface* NetStack::interface(unsigned index) const { return find(index); }

const Interface* NetStack::interface_by_name(const char* name) const {
    for (unsigned i = 0; i < m_interface_count; i++)
        if (same_name(m_interfaces[i]->m_name, name)) return m_interfaces[i];
    return nullptr;
}

Result<unsigned> NetStack::add_ethernet(const char* name, MacAddress mac, u16 mtu, FrameSink& sink) {
    if (mtu < 68) return Error(EINVAL);
    if (m_interface_count == kMaxInterfaces) return Error(ENOSPC);
    char checked[kInterfaceNameSize];
    if (!name || !copy_name(checked, name) || interface_by_name(checked)) return Error(EINVAL);
    unsigned index = m_interface_count + 1;
    Interface* iface = new (std::nothrow) Interface(*this, index, InterfaceKind::Ethernet, checked);
    if (!iface) return Error(ENOMEM);
    iface->m_arp = new (std::nothrow) link::ArpCache(*iface);
    if (!iface->m_arp) {
        delete iface;
        return Error(ENOMEM);
    }
    iface->m_mac = mac;
    iface->m_mtu = iface->m_device_mtu = mtu;
    iface->m_sink = &sink;
    m_interfaces[m_interface_count++] = iface;
    return index;
}

void NetStack::set_link(unsigned index, bool up, Nanos now) {
    Interface* iface = find(index);
    if (!iface || iface->is_loopback() || iface->m_running == up) return;
    iface->m_running = up;
    if (!up) return;
    if (iface->has_address() && iface->m_up) iface->m_arp->announce(now);
    // A client still looking for a lease should not wait out its back-off.
    if (iface->dhcp_active() && !iface->m_dhcp->has_lease()) iface->m_dhcp->start(iface->m_hostname, now);
}

Result<void> NetStack::set_up(unsigned index, bool up, Nanos now) {
    Interface* iface = find(index);
    if (!iface) return Error(ENODEV);
    if (iface->m_up == up) return {};
    iface->m_up = up;
    if (up && iface->m_running && iface->has_address() && iface->m_arp) iface->m_arp->announce(now);
    if (!up && iface->m_arp) iface->m_arp->flush();
    return {};
}

// ---- Configuration ----

void NetStack::remove_config(Interface& iface) {
    if (!iface.has_address()) return;
    unsigned index = iface.m_index;
    m_routes.remove_if(
        [index](const ipv4::Route& r) { return r.interface_index == index && r.origin != ipv4::RouteOrigin::Static; });
    if (iface.m_arp) iface.m_arp->flush();
    iface.m_config = IpConfig{};
    iface.m_configured = false;
    iface.m_mtu = iface.m_device_mtu;
    m_callbacks.address_removed(iface);
}

void NetStack::apply_config(Interface& iface, const IpConfig& config, Nanos now) {
    const IpConfig* old = iface.config();
    bool same = old && old->address == config.address && old->gateway == config.gateway && old->mtu == config.mtu;
    if (!same) {
        // Routes and neighbours belong to the old address; the callback hears of the change.
        unsigned index = iface.m_index;
        m_routes.remove_if([index](const ipv4::Route& r) {
            return r.interface_index == index && r.origin != ipv4::RouteOrigin::Static;
        });
        if (iface.m_arp && !(old && old->address == config.address)) iface.m_arp->flush();
    }
    iface.m_config = config;
    iface.m_configured = true;
    iface.m_mtu = config.mtu >= 68 && config.mtu <= iface.m_device_mtu ? config.mtu : iface.m_device_mtu;
    if (!same) {
        ipv4::RouteOrigin origin =
            config.origin == AddressOrigin::Dhcp ? ipv4::RouteOrigin::Dhcp : ipv4::RouteOrigin::Boot;
        ipv4::Route subnet;
        subnet.destination = config.address;
        subnet.interface_index = iface.m_index;
        subnet.preferred_source = config.address.address;
        subnet.origin = ipv4::RouteOrigin::Kernel;
        (void)m_routes.add(subnet);
        if (!config.gateway.is_any() && !config.address.contains(config.gateway)) {
            // A gateway outside the prefix (clouds hand out /32 leases) is on the link all
            // the same: a host route says so, as dhclient-script adds one.
            ipv4::Route gateway;
            gateway.destination = {config.gateway, 32};
            gateway.interface_index = iface.m_index;
            gateway.preferred_source = config.address.address;
            gateway.origin = origin;
            (void)m_routes.add(gateway);
        }
        if (!config.gateway.is_any()) {
            ipv4::Route def;
            def.destination = {kIpv4Any, 0};
            def.gateway = config.gateway;
            def.interface_index = iface.m_index;
            def.metric = iface.m_index;  // one default route per interface; eth0 first
            def.origin = origin;
            (void)m_routes.add(def);
        }
        if (iface.usable() && iface.m_arp) iface.m_arp->announce(now);
    }
    m_callbacks.address_configured(iface, iface.m_config);
}

static bool valid_host_prefix(Ipv4Prefix p) {
    Ipv4Address a = p.address;
    return p.length >= 1 && p.length <= 32 && !a.is_any() && !a.is_limited_broadcast() && !a.is_multicast() &&
           !a.is_loopback();
}

Result<void> NetStack::configure_static(unsigned index, const IpConfig& config, Nanos now) {
    Interface* iface = find(index);
    if (!iface) return Error(ENODEV);
    if (iface->is_loopback() || !valid_host_prefix(config.address) || config.dns_count > IpConfig::kMaxDns)
        return Error(EINVAL);
    if (iface->m_dhcp) iface->m_dhcp->stop(now);
    IpConfig c = config;
    c.origin = AddressOrigin::Static;
    c.lease_seconds = IpConfig::kInfiniteLease;
    c.domain[sizeof c.domain - 1] = 0;
    apply_config(*iface, c, now);
    return {};
}

Result<void> NetStack::start_dhcp(unsigned index, const char* hostname, Nanos now) {
    Interface* iface = find(index);
    if (!iface) return Error(ENODEV);
    if (iface->is_loopback()) return Error(EINVAL);
    if (!iface->m_dhcp) {
        iface->m_dhcp = new (std::nothrow) dhcp::Client(iface->m_mac, m_random, *iface);
        if (!iface->m_dhcp) return Error(ENOMEM);
    }
    iface->m_hostname[0] = 0;
    if (hostname) {
        usize n = 0;
        while (hostname[n] && n < dhcp::kMaxNameLength) {
            iface->m_hostname[n] = hostname[n];
            n++;
        }
        iface->m_hostname[n] = 0;
    }
    if (iface->has_address() && iface->m_config.origin == AddressOrigin::Static) remove_config(*iface);
    iface->m_dhcp->start(iface->m_hostname, now);
    return {};
}

Result<void> NetStack::stop_dhcp(unsigned index, Nanos now) {
    Interface* iface = find(index);
    if (!iface) return Error(ENODEV);
    if (iface->m_dhcp) iface->m_dhcp->stop(now);
    return {};
}

Result<void> NetStack::clear_address(unsigned index, Nanos now) {
    Interface* iface = find(index);
    if (!iface) return Error(ENODEV);
    if (iface->is_loopback()) return Error(EINVAL);
    if (iface->m_dhcp) iface->m_dhcp->stop(now);
    remove_config(*iface);
    return {};
}

// ---- Routes and protocols ----

Result<void> NetStack::add_route(const ipv4::Route& route) {
    if (!find(route.interface_index)) return Error(ENODEV);
    return m_routes.add(route);
}

Result<void> NetStack::remove_route(Ipv4Prefix destination, u32 metric) { return m_routes.remove(destination, metric); }

Result<void> NetStack::register_protocol(u8 protocol, IpProtocolHandler& handler) {
    return m_protocols.set(protocol, handler);
}

void NetStack::unregister_protocol(u8 protocol) {
    if (protocol == kProtoIcmp || protocol == kProtoUdp) return;
    m_protocols.clear(protocol);
}

// ---- Time ----

void NetStack::on_timers(Nanos now) {
    run_pending(now);
    for (unsigned i = 0; i < m_interface_count; i++) {
        Interface& iface = *m_interfaces[i];
        if (iface.m_arp) iface.m_arp->on_timers(now);
        if (iface.m_dhcp) iface.m_dhcp->on_timers(now);
    }
    m_reassembler.on_timers(now, [&](const u8* quote, usize length) {
        // RFC 792/1122: time exceeded in reassembly, when the first fragment had come.
        m_icmp.send_error(ipv4::kIcmpTimeExceeded, ipv4::kIcmpReassemblyTimeExceeded, 0, quote, length, false, now);
    });
    m_path_mtu.on_timers(now);
}

Nanos NetStack::next_deadline() const {
    Nanos next = m_loopback_queue.next_deadline();
    for (unsigned i = 0; i < m_interface_count; i++) {
        const Interface& iface = *m_interfaces[i];
        if (iface.m_arp) next = earliest(next, iface.m_arp->next_deadline());
        if (iface.m_dhcp) next = earliest(next, iface.m_dhcp->next_deadline());
    }
    next = earliest(next, m_reassembler.next_deadline());
    next = earliest(next, m_path_mtu.next_deadline());
    return next;
}

}  // namespace net
