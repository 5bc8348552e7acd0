// A network interface as the stack keeps it, and as the socket ioctls (SIOCGIFCONF,
// SIOCGIFADDR, SIOCGIFFLAGS, SIOCGIFHWADDR, SIOCGIFINDEX, SIOCGIFMTU), netlink
// (RTM_GETLINK, RTM_GETADDR) and /proc/net/dev read it: everything here is readable through
// the const accessors; only NetStack changes it.
//
// "lo" is index 1 (127.0.0.1/8, MTU 65536, no link layer); Ethernet interfaces "eth0"...
// follow from index 2, each with its device (a FrameSink), MAC, MTU, neighbour cache and,
// when asked, a DHCP client.
#pragma once

#include <optional>

#include "base/types.h"
#include "net/address.h"
#include "net/dhcp/client.h"
#include "net/ip_config.h"
#include "net/layers.h"
#include "net/link/arp_cache.h"

namespace net {

class NetStack;

constexpr usize kInterfaceNameSize = 16;  // IFNAMSIZ, with the terminating NUL

// Linux's interface flags (IFF_*), as SIOCGIFFLAGS and netlink report them.
constexpr u32 kIffUp = 0x1, kIffBroadcast = 0x2, kIffLoopback = 0x8, kIffRunning = 0x40, kIffMulticast = 0x1000,
              kIffLowerUp = 0x10000;

// As /proc/net/dev and netlink's rtnl_link_stats64.
struct InterfaceCounters {
    u64 rx_packets = 0, rx_bytes = 0, rx_errors = 0, rx_dropped = 0;
    u64 rx_nohandler = 0;  // frames of a protocol we do not speak (IPv6, LLDP, ...)
    u64 tx_packets = 0, tx_bytes = 0, tx_errors = 0, tx_dropped = 0;
};

enum class InterfaceKind : u8 { Loopback, Ethernet };

class Interface final : private link::ArpLink, private dhcp::ClientOutput {
public:
    const char* name() const { return m_name; }
    unsigned index() const { return m_index; }
    InterfaceKind kind() const { return m_kind; }
    bool is_loopback() const { return m_kind == InterfaceKind::Loopback; }
    MacAddress mac() const { return m_mac; }  // zero for loopback
    u32 mtu() const { return m_mtu; }
    u32 device_mtu() const { return m_device_mtu; }
    bool up() const { return m_up; }            // administratively
    bool running() const { return m_running; }  // the link (carrier) is up
    u32 flags() const;
    // The address and prefix, once configured.
    std::optional<Ipv4Prefix> address() const {
        if (!m_configured) return std::nullopt;
        return m_config.address;
    }
    Ipv4Address broadcast_address() const;  // the subnet broadcast, or kIpv4Any
    // The whole configuration (gateway, DNS, domain, lease), or null when none.
    const IpConfig* config() const { return m_configured ? &m_config : nullptr; }
    const InterfaceCounters& counters() const { return m_counters; }
    const link::ArpCache* arp() const { return m_arp; }
    const dhcp::Client* dhcp() const { return m_dhcp; }

    Interface(const Interface&) = delete;
    Interface& operator=(const Interface&) = delete;

private:
    friend class NetStack;
    Interface(NetStack& stack, unsigned index, InterfaceKind kind, const char* name);
    ~Interface();

    bool has_address() const { return m_configured; }
    bool usable() const { return m_up && m_running; }
    bool dhcp_active() const { return m_dhcp && m_dhcp->state() != dhcp::ClientState::Stopped; }

    // link::ArpLink
    MacAddress link_address() const override { return m_mac; }
    Ipv4Address protocol_address() const override { return has_address() ? m_config.address.address : kIpv4Any; }
    Result<void> transmit(MacAddress destination, u16 ether_type, const Gather& payload,
                          const PartialChecksum* partial) override;
    void unresolved(const u8* ip_packet, usize length, Nanos now) override;
    // dhcp::ClientOutput
    void send_dhcp(const u8* message, usize length, Ipv4Address source, Ipv4Address destination, Nanos now) override;
    void lease_acquired(const dhcp::Lease& lease, Nanos now) override;
    void lease_lost(Nanos now) override;

    NetStack& m_stack;
    unsigned m_index;
    InterfaceKind m_kind;
    char m_name[kInterfaceNameSize] = {};
    MacAddress m_mac;
    u32 m_mtu = 0;
    u32 m_device_mtu = 0;
    bool m_up = true;
    bool m_running = false;
    IpConfig m_config;
    bool m_configured = false;
    InterfaceCounters m_counters;
    FrameSink* m_sink = nullptr;
    link::ArpCache* m_arp = nullptr;  // Ethernet only
    dhcp::Client* m_dhcp = nullptr;   // once DHCP was started
    char m_hostname[dhcp::kMaxNameLength + 1] = {};
};

}  // namespace net
