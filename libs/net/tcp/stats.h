// Counters of a TCP instance: the "Tcp:" line of /proc/net/snmp (RFC 4022 names, as
// Linux prints them) and a few of /proc/net/netstat's "TcpExt:".
#pragma once

#include "base/types.h"

namespace net::tcp {

struct Stats {
    // Tcp:
    u64 active_opens = 0;    // ActiveOpens: CLOSED -> SYN_SENT
    u64 passive_opens = 0;   // PassiveOpens: LISTEN -> SYN_RECV
    u64 attempt_fails = 0;   // AttemptFails: SYN_SENT/SYN_RECV -> CLOSED (or LISTEN)
    u64 estab_resets = 0;    // EstabResets: ESTABLISHED/CLOSE_WAIT -> CLOSED
    u64 curr_estab = 0;      // CurrEstab: now in ESTABLISHED or CLOSE_WAIT
    u64 in_segs = 0;         // InSegs
    u64 out_segs = 0;        // OutSegs (retransmissions excluded, as Linux counts)
    u64 retrans_segs = 0;    // RetransSegs
    u64 in_errs = 0;         // InErrs: bad checksums, malformed headers
    u64 out_rsts = 0;        // OutRsts
    u64 in_csum_errors = 0;  // InCsumErrors
    // TcpExt:
    u64 listen_overflows = 0;  // ListenOverflows: accept queue full
    u64 listen_drops = 0;      // ListenDrops
    u64 syncookies_sent = 0;
    u64 syncookies_recv = 0;
    u64 syncookies_failed = 0;
    u64 timeouts = 0;            // TCPTimeouts: RTO expirations
    u64 fast_retrans = 0;        // TCPFastRetrans
    u64 delayed_acks = 0;        // DelayedACKs
    u64 challenge_acks = 0;      // TCPChallengeACK
    u64 paws_drops = 0;          // PAWSEstab
    u64 ofo_queue = 0;           // TCPOFOQueue: segments kept out of order
    u64 ofo_drops = 0;           // TCPOFODrop
    u64 rcvq_drops = 0;          // TCPRcvQDrop: no memory for received data
    u64 abort_on_data = 0;       // TCPAbortOnData
    u64 abort_on_close = 0;      // TCPAbortOnClose: unread data at close
    u64 abort_on_linger = 0;     // TCPAbortOnLinger
    u64 abort_on_timeout = 0;    // TCPAbortOnTimeout
    u64 abort_on_memory = 0;     // TCPAbortOnMemory: too many orphans
    u64 time_wait_recycled = 0;  // TIME_WAIT connections reopened by a new SYN
    u64 time_wait_overflow = 0;  // TCPTimeWaitOverflow
    u64 keepalive_probes = 0;
    u64 window_probes = 0;
};

}  // namespace net::tcp
