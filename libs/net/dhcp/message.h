// DHCP messages (RFC 2131 on the BOOTP format of RFC 951, options from RFC 2132): a parser
// for what servers send, hardened for hostile input (every option length checked against
// what is left, option overload honoured without recursion, strings kept only when they
// are plain host names), and a builder for what the client sends.
#pragma once

#include <optional>

#include "base/types.h"
#include "net/address.h"

namespace net::dhcp {

constexpr u16 kServerPort = 67;
constexpr u16 kClientPort = 68;
constexpr usize kFixedSize = 236;       // the BOOTP fields before the magic cookie
constexpr usize kOptionsOffset = 240;   // after the magic cookie
constexpr usize kMinMessageSize = 300;  // BOOTP's minimum; relays drop shorter ones
constexpr u16 kBroadcastFlag = 0x8000;

enum MessageType : u8 {
    kDiscover = 1,
    kOffer = 2,
    kRequest = 3,
    kDecline = 4,
    kAck = 5,
    kNak = 6,
    kRelease = 7,
    kInform = 8,
};

enum OptionCode : u8 {
    kOptionPad = 0,
    kOptionSubnetMask = 1,
    kOptionRouter = 3,
    kOptionDnsServer = 6,
    kOptionHostName = 12,
    kOptionDomainName = 15,
    kOptionInterfaceMtu = 26,
    kOptionBroadcastAddress = 28,
    kOptionRequestedAddress = 50,
    kOptionLeaseTime = 51,
    kOptionOverload = 52,
    kOptionMessageType = 53,
    kOptionServerId = 54,
    kOptionParameterList = 55,
    kOptionMaxMessageSize = 57,
    kOptionRenewalTime = 58,
    kOptionRebindingTime = 59,
    kOptionClientId = 61,
    kOptionEnd = 255,
};

constexpr usize kMaxDnsServers = 3;
constexpr usize kMaxNameLength = 63;

struct Message {
    u8 op = 0;  // 1 request, 2 reply
    u32 xid = 0;
    u16 secs = 0;
    u16 flags = 0;
    Ipv4Address ciaddr, yiaddr, siaddr, giaddr;
    MacAddress chaddr;

    u8 message_type = 0;  // 0: none (plain BOOTP)
    std::optional<Ipv4Address> server_id;
    std::optional<Ipv4Address> subnet_mask;
    std::optional<Ipv4Address> router;  // the first one listed
    std::optional<Ipv4Address> broadcast_address;
    std::optional<Ipv4Address> requested_address;
    Ipv4Address dns[kMaxDnsServers];
    usize dns_count = 0;
    char domain_name[kMaxNameLength + 1] = {};  // empty: none (or not a plain name)
    char host_name[kMaxNameLength + 1] = {};
    std::optional<u32> lease_time;
    std::optional<u32> renewal_time;
    std::optional<u32> rebinding_time;
    std::optional<u16> mtu;
};

// nullopt when it is not a DHCP message over Ethernet (too short, wrong magic cookie,
// hardware type or length) or an option runs past the end.
std::optional<Message> parse_message(const u8* data, usize length);

// Builds a client message: the fixed fields, then options added in order, then End and
// padding to the BOOTP minimum.
class MessageBuilder {
public:
    static constexpr usize kCapacity = 576 - 28;  // fits the minimum IP datagram every host accepts

    MessageBuilder(u8 op, u32 xid, u16 secs, u16 flags, Ipv4Address ciaddr, MacAddress chaddr);
    void add(u8 code, const void* data, usize length);  // ignored when it would not fit
    void add_u8(u8 code, u8 value) { add(code, &value, 1); }
    void add_u16(u8 code, u16 value);
    void add_u32(u8 code, u32 value);
    void add_address(u8 code, Ipv4Address address);
    // Appends End and padding; the message is then bytes()[0, length()).
    void finish();
    const u8* bytes() const { return m_bytes; }
    usize length() const { return m_length; }

private:
    u8 m_bytes[kCapacity] = {};
    usize m_length = kOptionsOffset;
};

// Copies `name` if it is a plain host or domain name (letters, digits, '-', '.', '_', at
// most kMaxNameLength): it will end up in /etc/resolv.conf and logs. Returns whether it was.
bool copy_plain_name(char* out, const u8* name, usize length);

}  // namespace net::dhcp
