// ICMP for a host (RFC 792, RFC 1122 3.2.2): answers echo requests, sends destination-
// unreachable and time-exceeded errors for the IP layer and UDP, and hands errors that
// arrive to the protocol of the packet they quote (with the path MTU of a
// fragmentation-needed message, RFC 1191).
//
// Errors are never sent about an ICMP error, a packet to a broadcast or multicast address,
// a fragment other than the first, or a packet whose source is not a single host; and at
// most 1000 a second with bursts of 50 (as Linux's icmp_msgs_per_sec / icmp_msgs_burst),
// except to ourselves (Linux does not limit loopback either: a UDP program probing closed
// local ports sees every ECONNREFUSED).
#pragma once

#include "base/types.h"
#include "net/address.h"
#include "net/ipv4/protocols.h"
#include "net/ipv4/stats.h"
#include "net/layers.h"

namespace net::ipv4 {

constexpr u8 kIcmpEchoReply = 0;
constexpr u8 kIcmpDestinationUnreachable = 3;
constexpr u8 kIcmpSourceQuench = 4;
constexpr u8 kIcmpRedirect = 5;
constexpr u8 kIcmpEchoRequest = 8;
constexpr u8 kIcmpTimeExceeded = 11;
constexpr u8 kIcmpParameterProblem = 12;

// Destination-unreachable codes.
constexpr u8 kIcmpNetUnreachable = 0;
constexpr u8 kIcmpHostUnreachable = 1;
constexpr u8 kIcmpProtocolUnreachable = 2;
constexpr u8 kIcmpPortUnreachable = 3;
constexpr u8 kIcmpFragmentationNeeded = 4;
// Time-exceeded codes.
constexpr u8 kIcmpTtlExceeded = 0;
constexpr u8 kIcmpReassemblyTimeExceeded = 1;

constexpr usize kIcmpHeaderSize = 8;

// The Linux errno an ICMP error stands for, and whether it is "hard" (reported to a
// connected UDP socket; Linux's icmp_err_convert table).
struct IcmpErrno {
    int error;
    bool fatal;
};
IcmpErrno icmp_errno(u8 type, u8 code);

// What ICMP tells the rest of the stack.
class IcmpObserver {
public:
    // A router reported that packets to `destination` must fit in `mtu` bytes.
    virtual void path_mtu_reported(Ipv4Address destination, u32 mtu, Nanos now) = 0;

protected:
    ~IcmpObserver() = default;
};

class Icmp final : public IpProtocolHandler {
public:
    static constexpr u32 kBurst = 50;
    static constexpr Nanos kTokenInterval = kMillisecond;  // one message per millisecond
    static constexpr usize kMaxErrorSize = 576;            // RFC 1812 4.3.2.3

    Icmp(IpSender& ip, const ProtocolTable& protocols, IcmpObserver& observer, IcmpStats& stats);

    void receive(const IpPacketInfo& info, const u8* message, usize length, Nanos now) override;

    // Sends an error of `type`/`code` about `packet` (an IP packet as received, header
    // first, `length` bytes) to its source, unless one of the rules above forbids it.
    // `rest` fills the 32 bits after the checksum (the next-hop MTU for fragmentation
    // needed, the pointer for a parameter problem). `to_broadcast`: the packet was sent to
    // a link-layer or IP broadcast address. Returns whether it was sent.
    bool send_error(u8 type, u8 code, u32 rest, const u8* packet, usize length, bool to_broadcast, Nanos now);

private:
    void receive_error(const IpPacketInfo& info, const u8* message, usize length, Nanos now);
    bool take_token(Nanos now);

    IpSender& m_ip;
    const ProtocolTable& m_protocols;
    IcmpObserver& m_observer;
    IcmpStats& m_stats;
    u32 m_tokens = kBurst;
    Nanos m_last_refill = 0;
};

}  // namespace net::ipv4
