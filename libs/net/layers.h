// The narrow interfaces that wire the layers of the stack together (IncludeOS-style): the
// NIC knows nothing of IP, IP nothing of TCP, TCP nothing of the NIC. Each layer holds a
// pointer to the interface below it (to send) and registers with the one below it (to
// receive). Time is always passed in as `now` (monotonic nanoseconds): the protocol code
// has no clock and no threads of its own, so host tests drive time (DESIGN.md).
#pragma once

#include "base/result.h"
#include "net/address.h"
#include "net/gather.h"

namespace net {

// Nanoseconds of the monotonic clock; 0 as a deadline means "none".
using Nanos = u64;
constexpr Nanos kNoDeadline = 0;
constexpr Nanos kMillisecond = 1000000, kSecond = 1000000000;

inline Nanos earliest(Nanos a, Nanos b) {
    if (a == kNoDeadline) return b;
    if (b == kNoDeadline) return a;
    return a < b ? a : b;
}

// A checksum left for the device to finish (virtio's NEEDS_CSUM, Linux's CHECKSUM_PARTIAL):
// the 16-bit field at start + offset holds the pseudo-header sum (not complemented); the
// device sums from `start` to the end of the frame and stores the complemented result.
struct PartialChecksum {
    u16 start = 0;   // offset in the frame (or IP packet) where summing begins
    u16 offset = 0;  // of the checksum field, from start
};

// Where a link layer's frames go: a NIC driver's transmit (or a test's capture). The frame
// is complete (Ethernet header included); the sink copies it before returning. ENOBUFS
// when the device has no room: the packet is dropped, as a full queue drops it.
class FrameSink {
public:
    // `partial` is set only when offloads_checksum() said yes.
    virtual Result<void> transmit(const Gather& frame, const PartialChecksum* partial) = 0;
    virtual bool offloads_checksum() const { return false; }

protected:
    ~FrameSink() = default;
};

// What the IP layer tells a transport about a packet it delivers.
struct IpPacketInfo {
    Ipv4Address source;
    Ipv4Address destination;
    u8 protocol = 0;
    u8 ttl = 0;
    u8 tos = 0;
    unsigned interface_index = 0;  // the interface it arrived on
    bool link_broadcast = false;   // sent to the link's broadcast address (or an IP broadcast)
    // The transport checksum needs no check: the device verified it, or the packet never
    // left this machine (loopback), or the device left it partial (it was made here).
    bool checksum_verified = false;
};

// A transport protocol (TCP, UDP, ICMP) as the IP layer sees it. `payload` is the
// transport header and data, valid only during the call.
class IpProtocolHandler {
public:
    virtual void receive(const IpPacketInfo& info, const u8* payload, usize length, Nanos now) = 0;
    // An ICMP error arrived about a packet this protocol sent: `quoted` is the IP header
    // and at least 8 bytes of transport header of that packet (RFC 792). For destination
    // unreachable, `mtu` is the next-hop MTU of a fragmentation-needed message (0 otherwise).
    virtual void icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos now) {
        (void)type, (void)code, (void)mtu, (void)quoted, (void)length, (void)now;
    }

protected:
    ~IpProtocolHandler() = default;
};

// Options for one outgoing IP packet.
struct IpSendOptions {
    u8 ttl = 64;
    u8 tos = 0;
    bool dont_fragment = false;  // TCP sets it (path-MTU discovery)
    // Where the transport's checksum field is, from the start of the payload, or -1. When
    // set, the transport stored only the pseudo-header sum there (not complemented), and
    // the IP layer finishes it: the device does where it can, loopback needs none, and
    // otherwise the IP layer sums the payload itself. The field must lie in the payload's
    // first run (the transport header). Transports that fill the checksum themselves leave -1.
    int checksum_field = -1;
};

// The IP layer as a transport sees it.
class IpSender {
public:
    // Sends `payload` (transport header + data) from `source` to `destination`. `source`
    // may be kIpv4Any: the route's interface address is used. EHOSTUNREACH/ENETUNREACH
    // without a route, EMSGSIZE when too long to send (with DF, or over 64 KiB), ENOBUFS
    // when a queue is full. A packet waiting for ARP counts as sent.
    virtual Result<void> send(Ipv4Address source, Ipv4Address destination, u8 protocol, const Gather& payload,
                              const IpSendOptions& options, Nanos now) = 0;
    // The source address a packet to `destination` would carry (connect's local address),
    // or EHOSTUNREACH/ENETUNREACH.
    virtual Result<Ipv4Address> source_for(Ipv4Address destination) const = 0;
    // The largest transport header + payload one IP packet to `destination` can carry
    // without fragmentation (the route's MTU less 20, lowered by ICMP frag-needed).
    virtual usize max_payload(Ipv4Address destination) const = 0;
    // Whether `address` is one of ours (an interface address or loopback), for bind().
    virtual bool is_local(Ipv4Address address) const = 0;

protected:
    ~IpSender() = default;
};

// Where a socket's data comes from and goes to: user memory behind a system call (the
// kernel's copies may fail with EFAULT), a kernel buffer (sendfile), or a test's array.
// Offsets count from the start of the caller's buffer.
class ByteSource {
public:
    virtual Result<void> copy_in(usize offset, u8* destination, usize length) const = 0;

protected:
    ~ByteSource() = default;
};

class ByteSink {
public:
    virtual Result<void> copy_out(usize offset, const u8* source, usize length) const = 0;

protected:
    ~ByteSink() = default;
};

// Randomness for initial sequence numbers, ephemeral ports, IP IDs, DHCP transaction
// IDs. The kernel draws from its ChaCha20 generator; tests use a seeded one.
class RandomSource {
public:
    virtual u64 next_u64() = 0;

protected:
    ~RandomSource() = default;
};

}  // namespace net
