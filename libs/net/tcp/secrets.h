// The keyed hashes of one TCP instance, with keys drawn once from the RandomSource:
// initial sequence numbers (RFC 6528), timestamp offsets, SYN cookies, the ephemeral
// port search start (RFC 6056, algorithm 3) and the connection table's hash. An attacker
// who cannot read the keys can neither predict these nor aim collisions at the table.
#pragma once

#include "base/types.h"
#include "crypto/siphash.h"
#include "net/address.h"
#include "net/layers.h"

namespace net::tcp {

// The MSS values a SYN cookie can carry (3 bits): the largest not above the peer's is used.
constexpr u16 kCookieMss[8] = {536, 1220, 1300, 1440, 1460, 4036, 8960, 65000};

class Secrets {
public:
    explicit Secrets(RandomSource& random);

    // ISN = M + F(local, remote, key), M a clock ticking every 4 µs (RFC 6528 §3).
    u32 initial_sequence(Endpoint local, Endpoint remote, Nanos now) const;
    // Added to our timestamp clock. Per address pair, as Linux does, so that PAWS and
    // TIME_WAIT reuse work across successive connections between two hosts.
    u32 timestamp_offset(Ipv4Address local, Ipv4Address remote) const;
    // Where a search for an ephemeral port for connecting to `remote` starts.
    u32 port_offset(Ipv4Address local, Endpoint remote) const;
    // The connection table's hash of a 4-tuple.
    u32 tuple_hash(Endpoint local, Endpoint remote) const;

    // A SYN cookie: our ISN encoding a 64-second time slot, the MSS index and a keyed hash
    // of the connection and the peer's ISN.
    u32 syn_cookie(Endpoint local, Endpoint remote, u32 peer_isn, unsigned mss_index, Nanos now) const;
    // The MSS index of a valid cookie no older than two slots, or -1.
    int check_syn_cookie(Endpoint local, Endpoint remote, u32 peer_isn, u32 cookie, Nanos now) const;
    static unsigned cookie_mss_index(u16 peer_mss);

private:
    u32 cookie_hash(Endpoint local, Endpoint remote, u32 peer_isn, u32 slot, unsigned mss_index) const;

    crypto::SipKey m_isn_key;
    crypto::SipKey m_ts_key;
    crypto::SipKey m_cookie_key;
    crypto::SipKey m_port_key;
    u64 m_table_key0;
    u64 m_table_key1;
};

}  // namespace net::tcp
