// The text of /proc/net/{tcp,udp,tcp6,udp6,dev,route} as Linux prints it (net/ipv4/
// tcp_ipv4.c, udp.c, fib_trie.c, net/core/net-procfs.c), as pure logic the host tests hold
// to the host's own files. Tools (ss, netstat, lsof, psutil) and runtimes parse them.
#pragma once

#include "base/types.h"
#include "text/format.h"

namespace text::proc {

// Addresses as Linux prints them: the 32-bit value in network order read as a native
// (little-endian) number, so 127.0.0.1 reads "0100007F". `ipv4` is host order here.
struct SocketRow {
    u32 local_ipv4 = 0, remote_ipv4 = 0;
    u16 local_port = 0, remote_port = 0;
    u8 state = 0;            // TCP: TCP_ESTABLISHED 1 ... TCP_LISTEN 10, TCP_CLOSING 11; UDP: 7 or 1
    u32 tx_queue = 0, rx_queue = 0;
    u8 timer = 0;            // 0 none, 1 retransmit, 2 keepalive, 3 TIME_WAIT, 4 zero-window probe
    u64 timer_ticks = 0;     // until it fires, in USER_HZ (1/100 s)
    u32 retransmits = 0;
    u32 uid = 0;
    u64 inode = 0;
    // TCP only: the RTO and delayed-ACK timeout in USER_HZ, congestion window and
    // slow-start threshold (-1 while in initial slow start).
    u64 rto_ticks = 0, ato_ticks = 0;
    u32 cwnd = 0;
    i32 ssthresh = -1;
    bool time_wait = false;  // printed in the shorter TIME_WAIT form
    u64 drops = 0;           // UDP
};

void format_tcp_header(Sink& out);
void format_tcp_line(Sink& out, u32 slot, const SocketRow& row);
void format_udp_header(Sink& out);
void format_udp_line(Sink& out, u32 slot, const SocketRow& row);
// IPv6 is not there yet: the files hold only their header.
void format_tcp6_header(Sink& out);
void format_udp6_header(Sink& out);

struct DevCounters {
    u64 rx_bytes = 0, rx_packets = 0, rx_errors = 0, rx_dropped = 0, rx_fifo = 0, rx_frame = 0,
        rx_compressed = 0, rx_multicast = 0;
    u64 tx_bytes = 0, tx_packets = 0, tx_errors = 0, tx_dropped = 0, tx_fifo = 0, tx_collisions = 0,
        tx_carrier = 0, tx_compressed = 0;
};
void format_dev_header(Sink& out);
void format_dev_line(Sink& out, const char* name, const DevCounters& counters);

struct RouteRow {
    const char* interface = "";
    u32 destination_ipv4 = 0, gateway_ipv4 = 0, mask_ipv4 = 0;  // host order
    u32 flags = 0;   // RTF_UP 1, RTF_GATEWAY 2, RTF_HOST 4
    u32 metric = 0;
    u32 mtu = 0;
};
void format_route_header(Sink& out);
void format_route_line(Sink& out, const RouteRow& row);

}  // namespace text::proc
