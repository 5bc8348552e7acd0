// How an interface gets its IPv4 configuration, as the kernel command line says it
// (docs/cmdline.md; the host tool writes it from --network and --ip):
//
//   ip=dhcp                                       a DHCP client (the default for tap)
//   ip=10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3      static; gw and dns optional, dns may
//                                                 repeat (dns=1.1.1.1,dns=8.8.8.8)
//   ip=none                                       no address (loopback still works)
//
// Pure parsing and printing of that text; the kernel applies it (net/config.cc).
#pragma once

#include <string_view>

#include "base/result.h"
#include "net/address.h"

namespace net {

// "10.0.2.15" → the address; EINVAL for anything else (no leading zeros ambiguity: each
// part is 1-3 decimal digits up to 255, exactly four parts).
Result<Ipv4Address> parse_ipv4(std::string_view text);
// "10.0.2.15/24"; a missing "/N" is EINVAL (a prefix must be said).
Result<Ipv4Prefix> parse_ipv4_prefix(std::string_view text);

struct InterfaceConfig {
    enum class Mode : u8 { None, Dhcp, Static };
    static constexpr usize kMaxDns = 3;  // resolv.conf's MAXNS

    Mode mode = Mode::None;
    Ipv4Prefix address;      // Static
    Ipv4Address gateway;     // Static; any = none
    Ipv4Address dns[kMaxDns];
    usize dns_count = 0;

    // EINVAL with a reason a person can act on in `error` (a static string).
    static Result<InterfaceConfig> parse(std::string_view text, const char** error = nullptr);
};

}  // namespace net
