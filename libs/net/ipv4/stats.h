// Counters of the IP and ICMP layers, named and kept as Linux's /proc/net/snmp "Ip:" and
// "Icmp:" lines show them, so /proc and netlink can print them as they are.
#pragma once

#include "base/types.h"

namespace net::ipv4 {

struct IpStats {
    u64 in_receives = 0;
    u64 in_hdr_errors = 0;
    u64 in_addr_errors = 0;
    u64 in_unknown_protos = 0;
    u64 in_discards = 0;
    u64 in_delivers = 0;
    u64 in_truncated_pkts = 0;
    u64 out_requests = 0;
    u64 out_discards = 0;
    u64 out_no_routes = 0;
    u64 reasm_timeout = 0;
    u64 reasm_reqds = 0;
    u64 reasm_oks = 0;
    u64 reasm_fails = 0;
    u64 frag_oks = 0;
    u64 frag_fails = 0;
    u64 frag_creates = 0;
};

struct IcmpStats {
    u64 in_msgs = 0;
    u64 in_errors = 0;
    u64 in_csum_errors = 0;
    u64 in_dest_unreachs = 0;
    u64 in_time_excds = 0;
    u64 in_parm_probs = 0;
    u64 in_echos = 0;
    u64 in_echo_reps = 0;
    u64 out_msgs = 0;
    u64 out_errors = 0;
    u64 out_dest_unreachs = 0;
    u64 out_time_excds = 0;
    u64 out_echo_reps = 0;
    u64 out_rate_limited = 0;  // errors not sent because of the rate limit (Linux: OutRateLimitGlobal)
};

}  // namespace net::ipv4
