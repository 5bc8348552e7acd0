// The neighbour cache of one Ethernet interface (ARP, RFC 826 and RFC 1122 2.3.2): maps
// next-hop IPv4 addresses to MAC addresses, resolves unknown ones with broadcast requests,
// keeps a bounded queue of packets waiting for the answer, answers requests for our own
// address, and announces our address (gratuitous ARP).
//
// Entry life: Incomplete (requests every second, up to three) -> Reachable (30 s after the
// last confirmation) -> Stale (still used; the next use re-checks it with unicast requests:
// Probe) -> forgotten when unused for a minute or when a probe goes unanswered. An
// Incomplete entry that gets no answer becomes Failed: its packets are handed back to the
// interface (which reports EHOSTUNREACH to their senders) and new packets are refused at
// once for a few seconds.
//
// Memory is bounded: a fixed table of entries (the least useful one is evicted when
// full), and per-neighbour and overall limits on the bytes of waiting packets (the oldest
// waiting packet is dropped first).
#pragma once

#include "base/result.h"
#include "base/types.h"
#include "net/address.h"
#include "net/gather.h"
#include "net/layers.h"

namespace net::link {

// What the cache needs from its interface.
class ArpLink {
public:
    virtual MacAddress link_address() const = 0;
    virtual Ipv4Address protocol_address() const = 0;  // kIpv4Any while unconfigured
    // Sends one Ethernet frame carrying `payload` (an ARP or IPv4 packet). `partial` is
    // relative to the start of the payload. ENOBUFS when the device queue is full.
    virtual Result<void> transmit(MacAddress destination, u16 ether_type, const Gather& payload,
                                  const PartialChecksum* partial) = 0;
    // A packet that waited for resolution is given up; called outside any iteration of
    // the cache, so it may send again.
    virtual void unresolved(const u8* ip_packet, usize length, Nanos now) = 0;

protected:
    ~ArpLink() = default;
};

struct ArpConfig {
    usize max_entries = 64;  // at most ArpCache::kMaxEntries
    Nanos reachable_time = 30 * kSecond;
    Nanos stale_time = 60 * kSecond;  // an unused stale entry is forgotten after this
    Nanos retry_interval = 1 * kSecond;
    unsigned max_requests = 3;
    Nanos failed_time = 5 * kSecond;  // a neighbour that did not answer is refused this long
    // Waiting packets per neighbour: enough for one 64 KiB datagram in 1500-byte fragments.
    usize max_pending_packets = 48;
    usize max_pending_bytes = 72 * KiB;
    usize max_total_pending_bytes = 256 * KiB;
};

struct ArpStats {
    u64 requests_sent = 0;
    u64 replies_sent = 0;
    u64 received = 0;
    u64 invalid = 0;    // malformed, or from our own MAC, or a bogus sender
    u64 conflicts = 0;  // someone else claims our address
    u64 failures = 0;   // resolutions that got no answer
    u64 pending_dropped = 0;
    u64 evictions = 0;
};

enum class NeighbourState : u8 { Free, Incomplete, Reachable, Stale, Probe, Failed };

struct NeighbourView {
    Ipv4Address address;
    MacAddress mac;  // zero while Incomplete or Failed
    NeighbourState state;
};

class ArpCache {
public:
    static constexpr usize kMaxEntries = 128;

    explicit ArpCache(ArpLink& link, const ArpConfig& config = {});
    ~ArpCache();
    ArpCache(const ArpCache&) = delete;
    ArpCache& operator=(const ArpCache&) = delete;

    // Sends the IP packet to the neighbour `next_hop`: at once when its MAC is known,
    // otherwise a copy waits for the answer (which counts as sent). EHOSTUNREACH when the
    // neighbour failed to answer moments ago, ENOBUFS when no copy can be kept.
    Result<void> send(Ipv4Address next_hop, const Gather& ip_packet, const PartialChecksum* partial, Nanos now);

    // An ARP packet (the Ethernet payload) arrived.
    void receive(const u8* data, usize length, Nanos now);

    // Gratuitous ARP: tells the link our (new) address.
    void announce(Nanos now);
    // Forgets every entry and drops waiting packets (the address or link changed).
    void flush();

    void on_timers(Nanos now);
    Nanos next_deadline() const;

    const ArpStats& stats() const { return m_stats; }
    NeighbourState state_of(Ipv4Address address) const;
    template <typename F>
    void for_each(F&& f) const {
        for (usize i = 0; i < m_config.max_entries; i++)
            if (m_entries[i].state != NeighbourState::Free)
                f(NeighbourView{m_entries[i].address, m_entries[i].mac, m_entries[i].state});
    }

private:
    struct Pending {
        Pending* next;
        usize length;
        PartialChecksum partial;
        bool has_partial;
    };
    struct Entry {
        Ipv4Address address;
        MacAddress mac;
        NeighbourState state = NeighbourState::Free;
        u8 requests_sent = 0;
        Nanos deadline = kNoDeadline;  // the next retry or state change
        Nanos last_used = 0;
        Pending* pending_head = nullptr;
        Pending* pending_tail = nullptr;
        usize pending_count = 0;
        usize pending_bytes = 0;
    };

    Entry* find(Ipv4Address address);
    const Entry* find(Ipv4Address address) const;
    Entry* allocate(Ipv4Address address, Nanos now);
    void release(Entry& entry);
    Result<void> enqueue(Entry& entry, const Gather& ip_packet, const PartialChecksum* partial);
    void drop_oldest(Entry& entry);
    void flush_pending(Entry& entry);
    Pending* take_pending(Entry& entry);
    void send_request(Ipv4Address target, const MacAddress* unicast_to);
    void send_reply(const MacAddress& to_mac, Ipv4Address to_ip);
    void confirm(Entry& entry, const MacAddress& mac, Nanos now);

    ArpLink& m_link;
    ArpConfig m_config;
    Entry m_entries[kMaxEntries];
    usize m_total_pending_bytes = 0;
    ArpStats m_stats;
};

}  // namespace net::link
