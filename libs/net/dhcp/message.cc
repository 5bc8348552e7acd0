#include "net/dhcp/message.h"

namespace net::dhcp {

namespace {

constexpr u32 kMagicCookie = 0x63825363;
constexpr usize kSnameOffset = 44, kSnameSize = 64;
constexpr usize kFileOffset = 108, kFileSize = 128;

bool plain_name_char(u8 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

void take_addresses(const u8* data, usize length, Ipv4Address* out, usize max, usize& count) {
    for (usize i = 0; i + 4 <= length && count < max; i += 4) out[count++] = Ipv4Address::load(data + i);
}

// Parses one options area. false when an option overruns it.
bool parse_options(const u8* p, usize length, Message& m, u8* overload) {
    usize i = 0;
    while (i < length) {
        u8 code = p[i++];
        if (code == kOptionPad) continue;
        if (code == kOptionEnd) return true;
        if (i >= length) return false;
        usize len = p[i++];
        if (len > length - i) return false;
        const u8* v = p + i;
        i += len;
        switch (code) {
            case kOptionMessageType:
                if (len == 1) m.message_type = v[0];
                break;
            case kOptionServerId:
                if (len == 4) m.server_id = Ipv4Address::load(v);
                break;
            case kOptionSubnetMask:
                if (len == 4) m.subnet_mask = Ipv4Address::load(v);
                break;
            case kOptionRouter:
                if (len >= 4) m.router = Ipv4Address::load(v);
                break;
            case kOptionBroadcastAddress:
                if (len == 4) m.broadcast_address = Ipv4Address::load(v);
                break;
            case kOptionRequestedAddress:
                if (len == 4) m.requested_address = Ipv4Address::load(v);
                break;
            case kOptionDnsServer:
                m.dns_count = 0;
                take_addresses(v, len, m.dns, kMaxDnsServers, m.dns_count);
                break;
            case kOptionDomainName:
                if (!copy_plain_name(m.domain_name, v, len)) m.domain_name[0] = 0;
                break;
            case kOptionHostName:
                if (!copy_plain_name(m.host_name, v, len)) m.host_name[0] = 0;
                break;
            case kOptionLeaseTime:
                if (len == 4) m.lease_time = load_be32(v);
                break;
            case kOptionRenewalTime:
                if (len == 4) m.renewal_time = load_be32(v);
                break;
            case kOptionRebindingTime:
                if (len == 4) m.rebinding_time = load_be32(v);
                break;
            case kOptionInterfaceMtu:
                if (len == 2) m.mtu = load_be16(v);
                break;
            case kOptionOverload:
                if (len == 1 && overload) *overload = v[0];
                break;
            default: break;
        }
    }
    return true;  // End is optional when the area is used up
}

}  // namespace

bool copy_plain_name(char* out, const u8* name, usize length) {
    // Some servers count a trailing NUL.
    while (length && name[length - 1] == 0) length--;
    if (length == 0 || length > kMaxNameLength) return false;
    for (usize i = 0; i < length; i++)
        if (!plain_name_char(name[i])) return false;
    for (usize i = 0; i < length; i++) out[i] = static_cast<char>(name[i]);
    out[length] = 0;
    return true;
}

std::optional<Message> parse_message(const u8* data, usize length) {
    if (length < kOptionsOffset) return std::nullopt;
    if (data[1] != 1 || data[2] != 6) return std::nullopt;  // Ethernet, 6-byte addresses
    if (load_be32(data + kFixedSize) != kMagicCookie) return std::nullopt;
    Message m;
    m.op = data[0];
    m.xid = load_be32(data + 4);
    m.secs = load_be16(data + 8);
    m.flags = load_be16(data + 10);
    m.ciaddr = Ipv4Address::load(data + 12);
    m.yiaddr = Ipv4Address::load(data + 16);
    m.siaddr = Ipv4Address::load(data + 20);
    m.giaddr = Ipv4Address::load(data + 24);
    m.chaddr = MacAddress::load(data + 28);
    u8 overload = 0;
    if (!parse_options(data + kOptionsOffset, length - kOptionsOffset, m, &overload)) return std::nullopt;
    // Overloaded fields hold more options; they cannot overload again.
    if ((overload & 1) && !parse_options(data + kFileOffset, kFileSize, m, nullptr)) return std::nullopt;
    if ((overload & 2) && !parse_options(data + kSnameOffset, kSnameSize, m, nullptr)) return std::nullopt;
    return m;
}

MessageBuilder::MessageBuilder(u8 op, u32 xid, u16 secs, u16 flags, Ipv4Address ciaddr, MacAddress chaddr) {
    m_bytes[0] = op;
    m_bytes[1] = 1;
    m_bytes[2] = 6;
    store_be32(m_bytes + 4, xid);
    store_be16(m_bytes + 8, secs);
    store_be16(m_bytes + 10, flags);
    ciaddr.store(m_bytes + 12);
    chaddr.store(m_bytes + 28);
    store_be32(m_bytes + kFixedSize, kMagicCookie);
}

void MessageBuilder::add(u8 code, const void* data, usize length) {
    // Room for this option and the End that finish() appends.
    if (length > 255 || m_length + 2 + length + 1 > kCapacity - 1) return;
    m_bytes[m_length++] = code;
    m_bytes[m_length++] = static_cast<u8>(length);
    const u8* p = static_cast<const u8*>(data);
    for (usize i = 0; i < length; i++) m_bytes[m_length++] = p[i];
}

void MessageBuilder::add_u16(u8 code, u16 value) {
    u8 b[2];
    store_be16(b, value);
    add(code, b, 2);
}

void MessageBuilder::add_u32(u8 code, u32 value) {
    u8 b[4];
    store_be32(b, value);
    add(code, b, 4);
}

void MessageBuilder::add_address(u8 code, Ipv4Address address) {
    u8 b[4];
    address.store(b);
    add(code, b, 4);
}

void MessageBuilder::finish() {
    if (m_length >= kCapacity) return;
    m_bytes[m_length++] = kOptionEnd;
    while (m_length < kMinMessageSize) m_bytes[m_length++] = 0;
}

}  // namespace net::dhcp
