// NETLINK_ROUTE as far as programs read it: glibc's getifaddrs, if_nameindex and
// getaddrinfo(AI_ADDRCONFIG), node's os.networkInterfaces(), busybox `ip addr` and
// `ip route` send RTM_GETLINK / RTM_GETADDR / RTM_GETROUTE dumps and parse the answers.
// This is the message format (include/uapi/linux/netlink.h, rtnetlink.h, if_link.h,
// if_addr.h) as pure code: requests parsed, answers built from plain descriptions of the
// interfaces, addresses and routes. The kernel's netlink socket (kernel/net/netlink/)
// feeds it the stack's tables.
#pragma once

#include "base/result.h"
#include "net/address.h"

namespace net::netlink {

// nlmsghdr types and flags.
constexpr u16 NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3;
constexpr u16 NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200,
              NLM_F_DUMP = 0x300;
constexpr u16 RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_NEWADDR = 20, RTM_GETADDR = 22, RTM_NEWROUTE = 24,
              RTM_GETROUTE = 26, RTM_NEWNEIGH = 28, RTM_GETNEIGH = 30;
constexpr usize kHeaderSize = 16;

// Interface flags (IFF_*), link types (ARPHRD_*), operational states (IF_OPER_*).
constexpr u32 IFF_UP = 0x1, IFF_BROADCAST = 0x2, IFF_LOOPBACK = 0x8, IFF_RUNNING = 0x40, IFF_MULTICAST = 0x1000,
              IFF_LOWER_UP = 0x10000;
constexpr u16 ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;
constexpr u8 IF_OPER_UNKNOWN = 0, IF_OPER_DOWN = 2, IF_OPER_UP = 6;
// Route scopes, tables, types and origins.
constexpr u8 RT_SCOPE_UNIVERSE = 0, RT_SCOPE_LINK = 253, RT_SCOPE_HOST = 254;
constexpr u8 RT_TABLE_MAIN = 254, RT_TABLE_LOCAL = 255;
constexpr u8 RTN_UNICAST = 1, RTN_LOCAL = 2, RTN_BROADCAST = 3;
constexpr u8 RTPROT_KERNEL = 2, RTPROT_BOOT = 3, RTPROT_STATIC = 4, RTPROT_DHCP = 16;

struct LinkCounters {
    u64 rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
    u64 rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0, multicast = 0;
};

// One interface (an RTM_NEWLINK answer).
struct LinkInfo {
    u32 index = 0;
    char name[16] = {};
    u16 type = ARPHRD_ETHER;
    u32 flags = 0;  // IFF_*
    u32 mtu = 0;
    MacAddress address;      // zero for loopback, as Linux reports 00:00:00:00:00:00
    MacAddress broadcast;
    u8 operstate = IF_OPER_UNKNOWN;
    u32 tx_queue_length = 1000;
    LinkCounters counters;
};

// One IPv4 address of an interface (an RTM_NEWADDR answer).
struct AddressInfo {
    u32 index = 0;
    Ipv4Address address;
    u8 prefix_length = 0;
    Ipv4Address broadcast;  // zero: none (loopback)
    u8 scope = RT_SCOPE_UNIVERSE;
    char label[16] = {};    // the interface's name
    u32 valid_lifetime = 0xffffffff, preferred_lifetime = 0xffffffff;  // seconds; ~0 = forever
};

// One IPv4 route (an RTM_NEWROUTE answer).
struct RouteInfo {
    u8 table = RT_TABLE_MAIN;
    Ipv4Address destination;
    u8 prefix_length = 0;
    Ipv4Address gateway;    // zero: directly connected
    Ipv4Address preferred_source;  // zero: none
    u32 output_index = 0;
    u32 priority = 0;
    u8 scope = RT_SCOPE_UNIVERSE;
    u8 type = RTN_UNICAST;
    u8 protocol = RTPROT_KERNEL;
};

// What a request asks for.
struct Request {
    u16 type = 0;
    u16 flags = 0;
    u32 sequence = 0;
    u32 port = 0;       // nlmsg_pid: the sender's port id
    u8 family = 0;      // of the ifinfomsg/ifaddrmsg/rtmsg after the header (AF_UNSPEC when absent)
    i32 index = 0;      // RTM_GETLINK without NLM_F_DUMP: the interface asked for (or 0)
    char name[16] = {}; // ... or its IFLA_IFNAME
    usize length = 0;   // of the whole message (nlmsg_len)
    bool dump() const { return (flags & NLM_F_DUMP) == NLM_F_DUMP; }
};

// Parses the message at the start of `bytes` (a datagram may hold several: advance by
// align4(request.length)). EINVAL for a truncated or malformed header.
Result<Request> parse_request(const u8* bytes, usize length);
constexpr usize align4(usize n) { return (n + 3) & ~usize(3); }

// Calls f(request) for each well-formed message of a datagram, in order; stops at the first
// malformed one or at the end (a last message whose length is not a multiple of 4 ends the
// datagram: its padding may be missing). Returns how many were seen.
template <typename F>
usize for_each_request(const u8* bytes, usize length, F&& f) {
    usize offset = 0, count = 0;
    while (offset < length && length - offset >= kHeaderSize) {
        auto parsed = parse_request(bytes + offset, length - offset);
        if (parsed.is_error()) break;
        f(static_cast<const Request&>(parsed.value()));
        count++;
        usize step = align4(parsed.value().length);
        if (step > length - offset) break;
        offset += step;
    }
    return count;
}

// Builds answers into a caller's buffer. Each add_* returns false, leaving the buffer as it
// was, when the message does not fit: the caller starts a new datagram then.
class Writer {
public:
    Writer(u8* buffer, usize capacity) : m_buffer(buffer), m_capacity(capacity) {}

    bool add_link(const LinkInfo& link, const Request& request, u16 flags);
    bool add_address(const AddressInfo& address, const Request& request, u16 flags);
    bool add_route(const RouteInfo& route, const Request& request, u16 flags);
    // NLMSG_DONE ending a dump (its payload: an int 0).
    bool add_done(const Request& request);
    // NLMSG_ERROR with -errno (0 is an ACK) quoting the request's header.
    bool add_error(int error_number, const Request& request);

    usize length() const { return m_length; }
    const u8* data() const { return m_buffer; }
    void clear() { m_length = 0; }

private:
    // Begins a message: reserves its header and `fixed` zeroed bytes of family header.
    u8* begin(usize fixed);
    bool attribute(u16 type, const void* data, usize length);
    bool finish(u16 type, u16 flags, const Request& request);

    u8* m_buffer;
    usize m_capacity;
    usize m_length = 0;
    usize m_start = 0;  // of the message being built
    bool m_overflow = false;
};

}  // namespace net::netlink
