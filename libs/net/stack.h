// The IPv4 network stack of one machine: interfaces (loopback and Ethernet), ARP, IPv4
// with routing, fragmentation and reassembly, ICMP, UDP, DHCP clients, and the table of
// transport protocols (TCP registers itself here). It is the IpSender every transport
// sends through.
//
// Pure and single-threaded: the kernel glue holds one lock around every call, feeds the
// frames its NICs receive into receive_frame(), gives each NIC's transmit as a FrameSink,
// and arms one timer at next_deadline() that calls on_timers(). Nothing here blocks,
// sleeps or reads a clock; memory comes from new (std::nothrow), bounded everywhere.
//
//   NetStack stack(random, callbacks);
//   unsigned eth0 = stack.add_ethernet("eth0", mac, 1500, nic).value();
//   stack.set_link(eth0, true, now);
//   stack.start_dhcp(eth0, "osprey", now);           // or configure_static(eth0, config, now)
//   stack.register_protocol(kProtoTcp, tcp);
//   ... stack.receive_frame(eth0, frame, length, verified, now);
//   ... stack.on_timers(now); arm(stack.next_deadline());
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/interface.h"
#include "net/ip_config.h"
#include "net/ipv4/header.h"
#include "net/ipv4/icmp.h"
#include "net/ipv4/path_mtu.h"
#include "net/ipv4/protocols.h"
#include "net/ipv4/reassembly.h"
#include "net/ipv4/routes.h"
#include "net/ipv4/stats.h"
#include "net/layers.h"
#include "net/loopback_queue.h"
#include "net/udp/udp.h"

namespace net {

constexpr unsigned kLoopbackIndex = 1;
constexpr u32 kLoopbackMtu = 65536;

class NetStack final : public IpSender, private udp::UdpHost, private ipv4::IcmpObserver {
public:
    static constexpr unsigned kMaxInterfaces = 8;

    // What the stack tells the kernel. Called with the stack's lock held: record, wake,
    // log; never call back into the stack from here.
    class Callbacks : public udp::Events {
    public:
        // An interface got its address (DHCP lease acquired or renewed, static
        // configuration): write /etc/resolv.conf from config.dns/domain, log it.
        virtual void address_configured(const Interface& interface, const IpConfig& config) = 0;
        // The interface lost its address (lease expired or refused, reconfiguration).
        virtual void address_removed(const Interface& interface) = 0;

    protected:
        ~Callbacks() = default;
    };

    NetStack(RandomSource& random, Callbacks& callbacks);
    ~NetStack();
    NetStack(const NetStack&) = delete;
    NetStack& operator=(const NetStack&) = delete;

    // ---- Interfaces ----
    // Adds an Ethernet interface (administratively up, link down until set_link). Returns
    // its index. EINVAL for a bad name or an MTU under 68, ENOSPC when there are already
    // kMaxInterfaces, ENOMEM.
    Result<unsigned> add_ethernet(const char* name, MacAddress mac, u16 mtu, FrameSink& sink);
    // The link (carrier) went up or down. Coming up, the address is announced again and
    // a DHCP client still looking for a lease asks again at once.
    void set_link(unsigned index, bool up, Nanos now);
    // SIOCSIFFLAGS IFF_UP: an interface that is down neither sends nor receives.
    Result<void> set_up(unsigned index, bool up, Nanos now);
    // A static configuration (address/prefix, gateway, DNS): replaces any other and stops
    // DHCP. ENODEV for an unknown interface, EINVAL for the loopback interface or a bad
    // address.
    Result<void> configure_static(unsigned index, const IpConfig& config, Nanos now);
    // Starts (or restarts) DHCP on the interface; its lease configures it when acquired.
    Result<void> start_dhcp(unsigned index, const char* hostname, Nanos now);
    Result<void> stop_dhcp(unsigned index, Nanos now);
    // Removes the address, its routes, and stops DHCP.
    Result<void> clear_address(unsigned index, Nanos now);

    unsigned interface_count() const { return m_interface_count; }  // lo included
    // By index (1 = lo), or null.
    const Interface* interface(unsigned index) const;
    const Interface* interface_by_name(const char* name) const;
    template <typename F>
    void for_each_interface(F&& f) const {
        for (unsigned i = 0; i < m_interface_count; i++) f(static_cast<const Interface&>(*m_interfaces[i]));
    }

    // ---- Routes ----
    const ipv4::RoutingTable& routes() const { return m_routes; }
    // For netlink RTM_NEWROUTE / RTM_DELROUTE and static host routes. ENODEV for an
    // unknown interface; otherwise as RoutingTable.
    Result<void> add_route(const ipv4::Route& route);
    Result<void> remove_route(Ipv4Prefix destination, u32 metric);

    // ---- Protocols ----
    // Registers a transport (TCP: protocol 6). EEXIST when taken (ICMP and UDP are).
    Result<void> register_protocol(u8 protocol, IpProtocolHandler& handler);
    void unregister_protocol(u8 protocol);
    udp::Udp& udp() { return m_udp; }
    const udp::Udp& udp() const { return m_udp; }

    // ---- Running ----
    void receive_frame(unsigned interface_index, const u8* frame, usize length, bool checksum_verified, Nanos now);
    // Delivers the loopback packets queued so far (not those their delivery queues).
    void run_pending(Nanos now);
    // Everything due: loopback, ARP, reassembly, DHCP, path-MTU expiry.
    void on_timers(Nanos now);
    // The earliest time on_timers (or run_pending) has work; kNoDeadline for none. A
    // time in the past means "now".
    Nanos next_deadline() const;

    // ---- Tracing ----
    // Sees each packet loopback delivers, just before the stack takes it (the kernel's
    // trace_net). Ethernet frames need no such hook: the kernel sees them at its NICs.
    class LoopbackTap {
    public:
        virtual void delivering(const u8* packet, usize length) = 0;

    protected:
        ~LoopbackTap() = default;
    };
    void set_loopback_tap(LoopbackTap* tap) { m_loopback_tap = tap; }

    // ---- Statistics (/proc/net/snmp) ----
    const ipv4::IpStats& ip_stats() const { return m_ip_stats; }
    const ipv4::IcmpStats& icmp_stats() const { return m_icmp_stats; }
    const udp::UdpStats& udp_stats() const { return m_udp.stats(); }
    const ipv4::PathMtuCache& path_mtus() const { return m_path_mtu; }
    usize reassembly_bytes() const { return m_reassembler.bytes_held(); }

    // ---- IpSender ----
    Result<void> send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                      const IpSendOptions& options, Nanos now) override;
    Result<Ipv4Address> source_for(Ipv4Address destination) const override;
    usize max_payload(Ipv4Address destination) const override;
    bool is_local(Ipv4Address address) const override;

private:
    friend class Interface;

    // Where a packet to some destination goes.
    struct OutputRoute {
        Interface* interface = nullptr;
        Ipv4Address next_hop;
        Ipv4Address source;
        u32 mtu = 0;         // of the path, learnt MTUs included
        u32 route_mtu = 0;   // of the route alone
        bool local = false;  // to this host: through the loopback queue
        bool link_broadcast = false;
        bool link_multicast = false;
    };

    Interface* find(unsigned index) const;
    Result<OutputRoute> route_output(Ipv4Address destination) const;
    u16 next_id(Ipv4Address destination);
    Result<void> send_local(const u8* header, const Gather& payload, Nanos now);
    Result<void> send_link(Interface& interface, const OutputRoute& route, const u8* header, const Gather& payload,
                           const PartialChecksum* partial, Nanos now);
    Result<void> transmit_frame(Interface& interface, MacAddress destination, u16 ether_type, const Gather& payload,
                                const PartialChecksum* partial);

    void receive_ipv4(Interface& interface, const u8* packet, usize length, bool link_broadcast, bool checksum_verified,
                      Nanos now);
    void deliver(Interface& interface, const ipv4::Header& header, const u8* packet, bool link_broadcast,
                 bool checksum_verified, bool accepted_for_dhcp, Nanos now);
    bool is_our_address(Ipv4Address address) const;
    bool is_subnet_broadcast(const Interface& interface, Ipv4Address address) const;

    void apply_config(Interface& interface, const IpConfig& config, Nanos now);
    void remove_config(Interface& interface);
    void send_dhcp(Interface& interface, const u8* message, usize length, Ipv4Address source, Ipv4Address destination,
                   Nanos now);
    void neighbour_unreachable(const u8* ip_packet, usize length, Nanos now);

    // udp::UdpHost
    bool is_broadcast(Ipv4Address address) const override;
    void port_unreachable(const IpPacketInfo& info, const u8* datagram, usize length, Nanos now) override;
    // ipv4::IcmpObserver
    void path_mtu_reported(Ipv4Address destination, u32 mtu, Nanos now) override;

    RandomSource& m_random;
    Callbacks& m_callbacks;
    ipv4::IpStats m_ip_stats;
    ipv4::IcmpStats m_icmp_stats;
    ipv4::ProtocolTable m_protocols;
    ipv4::RoutingTable m_routes;
    ipv4::PathMtuCache m_path_mtu;
    ipv4::Reassembler m_reassembler;
    ipv4::Icmp m_icmp;
    udp::Udp m_udp;
    LoopbackQueue m_loopback_queue;
    LoopbackTap* m_loopback_tap = nullptr;  // null: not tracing
    Interface m_loopback;
    Interface* m_interfaces[kMaxInterfaces] = {};
    unsigned m_interface_count = 0;
    static constexpr usize kIdBuckets = 64;
    u16 m_ids[kIdBuckets];
    u64 m_id_secret;
    // The IP packet being delivered right now, quoted by ICMP port unreachable.
    const u8* m_input_packet = nullptr;
    usize m_input_length = 0;
    bool m_input_broadcast = false;
};

}  // namespace net
