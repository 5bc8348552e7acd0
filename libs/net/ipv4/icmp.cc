#include "net/ipv4/icmp.h"

#include "net/checksum.h"
#include "net/ipv4/header.h"
#include "net/ipv4/path_mtu.h"

namespace net::ipv4 {

IcmpErrno icmp_errno(u8 type, u8 code) {
    if (type == kIcmpTimeExceeded) return {EHOSTUNREACH, false};
    if (type == kIcmpParameterProblem) return {EPROTO, true};
    if (type != kIcmpDestinationUnreachable) return {0, false};
    static constexpr IcmpErrno kUnreachable[] = {
        {ENETUNREACH, false},  {EHOSTUNREACH, false}, {ENOPROTOOPT, true},  {ECONNREFUSED, true},
        {EMSGSIZE, false},     {EOPNOTSUPP, false},   {ENETUNREACH, true},  {EHOSTDOWN, true},
        {ENONET, true},        {ENETUNREACH, true},   {EHOSTUNREACH, true}, {ENETUNREACH, false},
        {EHOSTUNREACH, false}, {EHOSTUNREACH, true},  {EHOSTUNREACH, true}, {EHOSTUNREACH, true},
    };
    if (code < sizeof kUnreachable / sizeof kUnreachable[0]) return kUnreachable[code];
    return {EHOSTUNREACH, false};
}

Icmp::Icmp(IpSender& ip, const ProtocolTable& protocols, IcmpObserver& observer, IcmpStats& stats)
    : m_ip(ip), m_protocols(protocols), m_observer(observer), m_stats(stats) {}

bool Icmp::take_token(Nanos now) {
    if (now > m_last_refill) {
        u64 earned = (now - m_last_refill) / kTokenInterval;
        if (m_tokens + earned >= kBurst) {
            m_tokens = kBurst;
            m_last_refill = now;
        } else {
            m_tokens += static_cast<u32>(earned);
            m_last_refill += earned * kTokenInterval;
        }
    }
    if (m_tokens == 0) return false;
    m_tokens--;
    return true;
}

static bool is_error_type(u8 type) {
    return type == kIcmpDestinationUnreachable || type == kIcmpSourceQuench || type == kIcmpRedirect ||
           type == kIcmpTimeExceeded || type == kIcmpParameterProblem;
}

bool Icmp::send_error(u8 type, u8 code, u32 rest, const u8* packet, usize length, bool to_broadcast, Nanos now) {
    // Only what the rules need is read: the packet may be a quote cut short (a fragment's
    // header and first bytes), whose lengths describe more than is here.
    if (length < kMinHeaderSize || (packet[0] >> 4) != 4) return false;
    usize ihl = static_cast<usize>(packet[0] & 0x0f) * 4;
    if (ihl < kMinHeaderSize || length < ihl) return false;
    Ipv4Address source = Ipv4Address::load(packet + 12);
    Ipv4Address destination = Ipv4Address::load(packet + 16);
    u8 protocol = packet[9];
    u16 fragment_offset = load_be16(packet + 6) & 0x1fff;
    if (to_broadcast || destination.is_limited_broadcast() || destination.is_multicast()) return false;
    if (fragment_offset != 0) return false;
    // Not to a source that is no single host (RFC 1122 3.2.2).
    if (source.is_any() || source.is_limited_broadcast() || source.is_multicast()) return false;
    if (protocol == kProtoIcmp) {
        // About an ICMP error (or a message too short to tell): never.
        if (length == ihl || is_error_type(packet[ihl]) || packet[ihl] > 18) return false;
    }
    bool local = m_ip.is_local(source);
    if (!local && !take_token(now)) {
        m_stats.out_rate_limited++;
        return false;
    }

    usize quoted = length;
    if (quoted > kMaxErrorSize - kMinHeaderSize - kIcmpHeaderSize)
        quoted = kMaxErrorSize - kMinHeaderSize - kIcmpHeaderSize;
    u8 header[kIcmpHeaderSize];
    header[0] = type;
    header[1] = code;
    store_be16(header + 2, 0);
    store_be32(header + 4, rest);
    Checksum sum;
    sum.add(header, sizeof header);
    sum.add(packet, quoted);
    store_be16(header + 2, sum.finish());

    Gather message(header, sizeof header);
    message.append(packet, quoted);
    IpSendOptions options;
    options.tos = 0xc0;  // internetwork control precedence, as Linux marks its errors
    Ipv4Address from = m_ip.is_local(destination) ? destination : kIpv4Any;
    if (m_ip.send(from, source, kProtoIcmp, message, options, now).is_error()) {
        m_stats.out_errors++;
        return false;
    }
    m_stats.out_msgs++;
    if (type == kIcmpDestinationUnreachable) m_stats.out_dest_unreachs++;
    if (type == kIcmpTimeExceeded) m_stats.out_time_excds++;
    return true;
}

void Icmp::receive(const IpPacketInfo& info, const u8* message, usize length, Nanos now) {
    m_stats.in_msgs++;
    if (length < kIcmpHeaderSize) {
        m_stats.in_errors++;
        return;
    }
    if (!info.checksum_verified && internet_checksum(message, length) != 0) {
        m_stats.in_csum_errors++;
        m_stats.in_errors++;
        return;
    }
    switch (message[0]) {
        case kIcmpEchoRequest: {
            m_stats.in_echos++;
            // Like Linux's icmp_echo_ignore_broadcasts: no smurf amplifier here.
            if (info.link_broadcast || info.destination.is_limited_broadcast() || info.destination.is_multicast())
                return;
            u8 header[kIcmpHeaderSize];
            header[0] = kIcmpEchoReply;
            header[1] = message[1];
            store_be16(header + 2, 0);
            for (int i = 4; i < 8; i++) header[i] = message[i];
            Checksum sum;
            sum.add(header, sizeof header);
            sum.add(message + kIcmpHeaderSize, length - kIcmpHeaderSize);
            store_be16(header + 2, sum.finish());
            Gather reply(header, sizeof header);
            reply.append(message + kIcmpHeaderSize, length - kIcmpHeaderSize);
            IpSendOptions options;
            options.tos = info.tos;
            if (m_ip.send(info.destination, info.source, kProtoIcmp, reply, options, now).is_error()) {
                m_stats.out_errors++;
                return;
            }
            m_stats.out_msgs++;
            m_stats.out_echo_reps++;
            return;
        }
        case kIcmpEchoReply: m_stats.in_echo_reps++; return;
        case kIcmpDestinationUnreachable:
            m_stats.in_dest_unreachs++;
            receive_error(info, message, length, now);
            return;
        case kIcmpTimeExceeded:
            m_stats.in_time_excds++;
            receive_error(info, message, length, now);
            return;
        case kIcmpParameterProblem:
            m_stats.in_parm_probs++;
            receive_error(info, message, length, now);
            return;
        default:
            // Redirects, source quench (RFC 6633), timestamps, router advertisements: ignored.
            return;
    }
}

void Icmp::receive_error(const IpPacketInfo& info, const u8* message, usize length, Nanos now) {
    if (info.link_broadcast) return;
    const u8* quoted = message + kIcmpHeaderSize;
    usize quoted_length = length - kIcmpHeaderSize;
    // The quoted header as far as it is there: routers may trim what follows it, and its
    // checksum and lengths describe the packet as it was, not this quote.
    if (quoted_length < kMinHeaderSize || (quoted[0] >> 4) != 4) {
        m_stats.in_errors++;
        return;
    }
    usize ihl = static_cast<usize>(quoted[0] & 0x0f) * 4;
    if (ihl < kMinHeaderSize || quoted_length < ihl + 8) {
        m_stats.in_errors++;
        return;
    }
    u8 type = message[0], code = message[1];
    u8 protocol = quoted[9];
    Ipv4Address quoted_destination = Ipv4Address::load(quoted + 16);
    u16 mtu = 0;
    if (type == kIcmpDestinationUnreachable && code == kIcmpFragmentationNeeded) {
        u32 reported = load_be16(message + 6);
        if (reported == 0) reported = next_lower_plateau(load_be16(quoted + 2));
        if (reported < 68) {
            m_stats.in_errors++;
            return;
        }
        m_observer.path_mtu_reported(quoted_destination, reported, now);
        // What the transport may use: never below the floor the cache keeps.
        mtu = static_cast<u16>(reported < kMinPathMtu ? kMinPathMtu : reported);
    }
    IpProtocolHandler* handler = m_protocols.get(protocol);
    if (handler) handler->icmp_error(type, code, mtu, quoted, quoted_length, now);
}

}  // namespace net::ipv4
