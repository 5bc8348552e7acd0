// Reassembly of fragmented IPv4 datagrams (RFC 791, RFC 815), hardened for hostile
// input: a bounded number of datagrams in progress, a bound on the bytes held overall
// (each fragment is charged its size plus a fixed overhead, so a flood of tiny fragments
// is bounded too), a bound on fragments per datagram, and a 30 s lifetime. Overlapping
// fragments are not merged: as RFC 5722 asks of IPv6, a datagram with any overlap is
// dropped whole (an exact duplicate is only ignored), which leaves no ambiguity for an
// attacker to play with. Inconsistent lengths (a second last fragment, data past the end,
// a non-final fragment whose length is not a multiple of 8) drop the datagram too.
#pragma once

#include "base/types.h"
#include "net/address.h"
#include "net/ipv4/header.h"
#include "net/ipv4/stats.h"
#include "net/layers.h"
#include "net/packet_buffer.h"

namespace net::ipv4 {

struct ReassemblyConfig {
    usize max_datagrams = 16;  // at most Reassembler::kMaxDatagrams
    usize max_bytes = 256 * KiB;
    usize max_fragments = 64;  // per datagram
    Nanos timeout = 30 * kSecond;
};

class Reassembler {
public:
    static constexpr usize kMaxDatagrams = 64;
    static constexpr usize kFragmentOverhead = 128;  // charged per fragment besides its bytes

    Reassembler(IpStats& stats, const ReassemblyConfig& config = {});
    ~Reassembler();
    Reassembler(const Reassembler&) = delete;
    Reassembler& operator=(const Reassembler&) = delete;

    // Takes one fragment (`packet` holds header.total_length bytes). Returns the whole
    // datagram (header of the first fragment, now unfragmented, then all the data) when
    // this fragment completes it, and an empty buffer otherwise.
    PacketBuffer add(const Header& header, const u8* packet, Nanos now);

    // Drops datagrams past their lifetime. For each one whose first fragment had arrived,
    // `expired(quote, length)` gets that fragment's header and first 8 data bytes (what an
    // ICMP time-exceeded message quotes, RFC 792), after the table is consistent again.
    template <typename F>
    void on_timers(Nanos now, F&& expired) {
        for (usize i = 0; i < m_config.max_datagrams; i++) {
            Slot& s = m_slots[i];
            if (!s.used || s.deadline > now) continue;
            m_stats.reasm_timeout++;
            m_stats.reasm_fails++;
            u8 quote[kMaxHeaderSize + 8];
            usize quote_length = first_fragment_quote(s, quote);
            release(s);
            if (quote_length) expired(static_cast<const u8*>(quote), quote_length);
        }
    }
    Nanos next_deadline() const;

    usize datagrams_in_progress() const;
    usize bytes_held() const { return m_bytes; }

private:
    struct Fragment {
        Fragment* next;
        u32 offset;
        u32 length;
    };
    struct Slot {
        bool used = false;
        Ipv4Address source, destination;
        u16 id = 0;
        u8 protocol = 0;
        Nanos started = 0, deadline = 0;
        Fragment* fragments = nullptr;  // sorted by offset, never overlapping
        usize fragment_count = 0;
        usize charged = 0;
        u32 total = 0;  // the data length, known once the last fragment arrived
        bool have_last = false;
        bool have_first = false;
        u8 header[kMaxHeaderSize];
        usize header_length = 0;
    };

    Slot* find_or_create(const Header& h, Nanos now);
    void release(Slot& s);
    void fail(Slot& s);
    bool make_room(usize charge, const Slot& keep);
    PacketBuffer try_complete(Slot& s);
    usize first_fragment_quote(const Slot& s, u8* out) const;

    IpStats& m_stats;
    ReassemblyConfig m_config;
    Slot m_slots[kMaxDatagrams];
    usize m_bytes = 0;
};

}  // namespace net::ipv4
