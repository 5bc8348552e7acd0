// The IPv4 configuration of an interface, from a DHCP lease or given statically: the one
// shape both paths use, and what the kernel is told (to write /etc/resolv.conf and log).
#pragma once

#include "base/types.h"
#include "net/address.h"

namespace net {

enum class AddressOrigin : u8 { None, Static, Dhcp };

struct IpConfig {
    static constexpr usize kMaxDns = 3;
    static constexpr u32 kInfiniteLease = 0xffffffff;

    Ipv4Prefix address;   // e.g. 10.0.2.15/24
    Ipv4Address gateway;  // kIpv4Any: no default route through this interface
    Ipv4Address dns[kMaxDns];
    usize dns_count = 0;
    char domain[64] = {};  // empty: none
    u32 lease_seconds = kInfiniteLease;
    u16 mtu = 0;  // 0: keep the device's
    AddressOrigin origin = AddressOrigin::Static;
};

}  // namespace net
