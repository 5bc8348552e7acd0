// The DHCP client of one interface (RFC 2131), as a pure state machine: it is given the
// messages that arrive and the time, and says what to send and when it next needs to run.
//
//   Selecting  --OFFER-->  Requesting  --ACK-->  Bound  --T1-->  Renewing  --T2-->  Rebinding
//       ^                      |                                   |  ACK: Bound      |
//       +------ NAK, or no ACK after 4 tries; NAK while renewing; lease expiry -------+
//
// DISCOVER and REQUEST are retransmitted after 4, 8, 16, 32, 64, 64... seconds, each
// randomized by +-1 s (RFC 2131 4.1); a renewal or rebinding request is repeated after half
// the time left until T2 or the lease's end, at least 60 s. The broadcast flag asks
// servers to broadcast their replies while we have no address.
#pragma once

#include "base/types.h"
#include "net/address.h"
#include "net/dhcp/message.h"
#include "net/layers.h"

namespace net::dhcp {

constexpr u32 kInfiniteLease = 0xffffffff;

struct Lease {
    Ipv4Prefix address;
    Ipv4Address router;  // kIpv4Any: none offered
    Ipv4Address server;
    Ipv4Address dns[kMaxDnsServers];
    usize dns_count = 0;
    char domain[kMaxNameLength + 1] = {};
    u32 lease_seconds = 0;  // kInfiniteLease: never expires
    u32 renewal_seconds = 0;
    u32 rebinding_seconds = 0;
    u16 mtu = 0;  // 0: the server gave none
};

// What the client asks of the stack.
class ClientOutput {
public:
    // Sends a message from port 68 to port 67. `source` is kIpv4Any before we have an
    // address; `destination` is 255.255.255.255 (broadcast on this interface) or the
    // server (unicast through the routing table).
    virtual void send_dhcp(const u8* message, usize length, Ipv4Address source, Ipv4Address destination, Nanos now) = 0;
    // A lease was acquired or renewed (the address or options may differ from before).
    virtual void lease_acquired(const Lease& lease, Nanos now) = 0;
    // The address must go: the lease expired or a server refused it.
    virtual void lease_lost(Nanos now) = 0;

protected:
    ~ClientOutput() = default;
};

enum class ClientState : u8 { Stopped, Selecting, Requesting, Bound, Renewing, Rebinding };

struct ClientStats {
    u64 discovers = 0;
    u64 requests = 0;
    u64 offers = 0;
    u64 acks = 0;
    u64 naks = 0;
    u64 ignored = 0;  // malformed, not for us, or not expected now
};

class Client {
public:
    static constexpr Nanos kFirstRetransmit = 4 * kSecond;
    static constexpr Nanos kMaxRetransmit = 64 * kSecond;
    static constexpr Nanos kMinRenewRetransmit = 60 * kSecond;
    static constexpr unsigned kMaxRequests = 4;
    static constexpr Nanos kRestartDelay = 2 * kSecond;  // after a NAK, before discovering again
    static constexpr u32 kDefaultLease = 3600;           // when an ACK names no lease time
    static constexpr u32 kMinLease = 10;                 // shorter leases would storm the server

    Client(MacAddress mac, RandomSource& random, ClientOutput& output);

    // Starts from scratch (sends a DISCOVER now). `hostname` (option 12) may be null.
    void start(const char* hostname, Nanos now);
    // Stops; a lease held is dropped (lease_lost) and released to the server.
    void stop(Nanos now);

    // A UDP payload that arrived for port 68 on this interface.
    void receive(const u8* message, usize length, Nanos now);
    void on_timers(Nanos now);
    Nanos next_deadline() const;

    ClientState state() const { return m_state; }
    bool has_lease() const {
        return m_state == ClientState::Bound || m_state == ClientState::Renewing || m_state == ClientState::Rebinding;
    }
    const Lease& lease() const { return m_lease; }
    const ClientStats& stats() const { return m_stats; }

private:
    void begin_selecting(Nanos now, Nanos first_send);
    void send_discover(Nanos now);
    void send_request(Nanos now);
    void send_release(Nanos now);
    void schedule_retransmit(Nanos now);
    Nanos backoff(unsigned attempt);
    u16 elapsed_seconds(Nanos now) const;
    void build_common(MessageBuilder& b);
    void take_offer(const Message& m, Nanos now);
    void take_ack(const Message& m, Nanos now);
    void take_nak(Nanos now);
    void lose_lease(Nanos now);

    MacAddress m_mac;
    RandomSource& m_random;
    ClientOutput& m_output;
    ClientState m_state = ClientState::Stopped;
    char m_hostname[kMaxNameLength + 1] = {};
    u32 m_xid = 0;
    Nanos m_exchange_started = 0;  // for the secs field
    unsigned m_attempts = 0;       // messages sent in this state
    Nanos m_retransmit = kNoDeadline;
    Ipv4Address m_offered;
    Ipv4Address m_offer_server;
    Lease m_lease;
    Nanos m_renew_at = kNoDeadline, m_rebind_at = kNoDeadline, m_expires_at = kNoDeadline;
    ClientStats m_stats;
};

}  // namespace net::dhcp
