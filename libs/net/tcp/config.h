// The tunables of one TCP instance, with Linux's defaults (the sysctls of
// net.ipv4.tcp_* and net.core.*) unless a VM of a few MiB asks for less.
#pragma once

#include "base/types.h"
#include "net/layers.h"
#include "net/tcp/congestion.h"

namespace net::tcp {

struct Config {
    // Hash table sizes, fixed at creation (powers of two). Lookups stay O(1) while
    // connections number up to a few times the bucket count.
    usize connection_buckets = 4096;
    usize port_buckets = 1024;

    usize receive_buffer = 131072;       // tcp_rmem[1]
    usize receive_buffer_max = 6 * MiB;  // tcp_rmem[2]: sizes the window scale we offer
    // Growth limit of the receive buffer while the application keeps up with a sender
    // the window holds back (Linux's autotuning goes to tcp_rmem[2]; a small VM less).
    usize receive_buffer_auto_max = 1 * MiB;
    usize send_buffer = 16384;             // tcp_wmem[1]
    usize send_buffer_auto_max = 1 * MiB;  // growth limit while the window allows
    usize max_buffer_request = 212992;     // net.core.rmem_max / wmem_max: SO_RCVBUF/SO_SNDBUF clamp

    unsigned somaxconn = 4096;       // the listen() backlog limit
    unsigned max_syn_backlog = 256;  // embryonic connections per listener, at most
    bool syn_cookies = true;         // when a listener's SYN queue is full
    usize max_time_wait = 4096;      // tcp_max_tw_buckets: beyond it, no TIME_WAIT
    usize max_orphans = 4096;        // closed by the application, still closing

    u16 ephemeral_first = 32768;  // ip_local_port_range
    u16 ephemeral_last = 60999;

    bool timestamps = true;
    bool sack = true;
    bool window_scaling = true;
    CongestionAlgorithm congestion = CongestionAlgorithm::Cubic;
    bool slow_start_after_idle = true;

    unsigned syn_retries = 6;     // about 127 s
    unsigned synack_retries = 5;  // about 63 s
    unsigned retries2 = 15;       // about 15 minutes
    unsigned orphan_retries = 8;
    Nanos fin_timeout = 60 * kSecond;  // an orphaned FIN_WAIT_2
    Nanos time_wait = 60 * kSecond;

    Nanos keepalive_time = 7200 * kSecond;
    Nanos keepalive_interval = 75 * kSecond;
    unsigned keepalive_probes = 9;
};

// Fixed protocol constants, as Linux has them.
constexpr u16 kDefaultMss = 536;                         // RFC 9293 §3.7.1: without an MSS option
constexpr u16 kMinMss = 48;                              // tcp_min_snd_mss: a peer's smaller MSS is raised to it
constexpr u16 kMinUserMss = 88;                          // TCP_MAXSEG's lower bound
constexpr Nanos kDelayedAckTimeout = 40 * kMillisecond;  // TCP_DELACK_MIN
constexpr Nanos kMaxDelayedAck = 200 * kMillisecond;     // TCP_DELACK_MAX
constexpr Nanos kCorkTimeout = 200 * kMillisecond;       // tcp(7): TCP_CORK's ceiling
constexpr unsigned kMaxQuickAcks = 16;
constexpr u32 kMaxWindow = 0x3fffffff;  // with scaling, 2^30 - 1

}  // namespace net::tcp
