#include "net/frame_summary.h"

#include "net/address.h"
#include "net/dhcp/message.h"
#include "net/ipv4/header.h"
#include "net/ipv4/icmp.h"
#include "net/link/arp_packet.h"
#include "net/link/ethernet.h"
#include "net/tcp/segment.h"
#include "net/udp/header.h"

namespace net {

namespace {

using text::format_to;
using text::Sink;

constexpr usize kVlanTaggedHeaderSize = link::kEthernetHeaderSize + 4;
constexpr u16 kMinEtherType = 0x0600;  // below: an 802.3 length

void write_address(Sink& out, Ipv4Address a) {
    format_to(out, "{}.{}.{}.{}", a.octet(0), a.octet(1), a.octet(2), a.octet(3));
}

void write_mac(Sink& out, const MacAddress& m) {
    format_to(out, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", m.bytes[0], m.bytes[1], m.bytes[2], m.bytes[3],
              m.bytes[4], m.bytes[5]);
}

// "10.0.2.2 > 10.0.2.15: "
void write_hosts(Sink& out, Ipv4Address source, Ipv4Address destination) {
    write_address(out, source);
    out.write(" > ");
    write_address(out, destination);
    out.write(": ");
}

// "10.0.2.2.35794 > 10.0.2.15.8080: ", as tcpdump joins address and port.
void write_endpoints(Sink& out, const ipv4::Header& h, u16 source_port, u16 destination_port) {
    write_address(out, h.source);
    format_to(out, ".{} > ", source_port);
    write_address(out, h.destination);
    format_to(out, ".{}: ", destination_port);
}

void write_protocol(Sink& out, u8 protocol) {
    switch (protocol) {
        case kProtoTcp: out.write("TCP"); return;
        case kProtoUdp: out.write("UDP"); return;
        case kProtoIcmp: out.write("ICMP"); return;
        default: format_to(out, "ip-proto {}", protocol); return;
    }
}

// Why parse_ethernet refused a frame; it refuses only these.
void summarize_unparsed_ethernet(Sink& out, const u8* frame, usize length) {
    if (length < link::kEthernetHeaderSize) {
        format_to(out, "truncated Ethernet header len {}", length);
        return;
    }
    u16 type = load_be16(frame + 12);
    if (type < kMinEtherType) {
        format_to(out, "802.3 len {}", length - link::kEthernetHeaderSize);
        return;
    }
    if (length < kVlanTaggedHeaderSize) {
        format_to(out, "truncated VLAN tag len {}", length);
        return;
    }
    u16 vlan = load_be16(frame + 14) & 0x0fff;
    format_to(out, "VLAN {} ethertype {:#06x} len {}", vlan, load_be16(frame + 16), length - kVlanTaggedHeaderSize);
}

void summarize_arp(Sink& out, const u8* data, usize length) {
    auto arp = link::parse_arp(data, length);
    if (!arp) {
        if (length < link::kArpPacketSize)
            format_to(out, "truncated ARP len {}", length);
        else
            format_to(out, "ARP hardware {} protocol {:#06x} op {} (not IPv4 over Ethernet)", load_be16(data),
                      load_be16(data + 2), load_be16(data + 6));
        return;
    }
    if (arp->operation == link::kArpReply) {
        out.write("ARP ");
        write_address(out, arp->sender_ip);
        out.write(" is-at ");
        write_mac(out, arp->sender_mac);
        return;
    }
    // A request for the sender's own address tells the link who has it (RFC 5227).
    if (arp->sender_ip == arp->target_ip) {
        out.write("ARP announce ");
        write_address(out, arp->sender_ip);
        return;
    }
    out.write("ARP who-has ");
    write_address(out, arp->target_ip);
    out.write(" tell ");
    write_address(out, arp->sender_ip);
}

void write_tcp_flags(Sink& out, u8 flags) {
    // tcpdump's letters and order; "." is ACK.
    constexpr struct {
        u8 flag;
        char letter;
    } kLetters[] = {{tcp::flags::kFin, 'F'}, {tcp::flags::kSyn, 'S'}, {tcp::flags::kRst, 'R'}, {tcp::flags::kPsh, 'P'},
                    {tcp::flags::kAck, '.'}, {tcp::flags::kUrg, 'U'}, {tcp::flags::kEce, 'E'}, {tcp::flags::kCwr, 'W'}};
    out.write("[");
    if (flags == 0) out.write("none");
    for (const auto& l : kLetters)
        if (flags & l.flag) out.write({&l.letter, 1});
    out.write("]");
}

void write_tcp_options(Sink& out, const tcp::SegmentOptions& o) {
    const char* separator = " <";
    auto next = [&] {
        out.write(separator);
        separator = ",";
    };
    if (o.has_mss) {
        next();
        format_to(out, "mss {}", o.mss);
    }
    if (o.sack_permitted) {
        next();
        out.write("sackOK");
    }
    if (o.has_timestamps) {
        next();
        out.write("TS");
    }
    if (o.has_window_scale) {
        next();
        format_to(out, "wscale {}", o.window_scale);
    }
    if (o.sack_count) {
        next();
        format_to(out, "sack {}", o.sack_count);
    }
    if (separator[0] == ',') out.write(">");
}

void summarize_tcp(Sink& out, const ipv4::Header& h, const u8* data, usize length) {
    tcp::Segment s;
    if (!tcp::parse_segment(data, length, s)) {
        write_hosts(out, h.source, h.destination);
        if (length < tcp::kHeaderLength)
            format_to(out, "truncated TCP header len {}", length);
        else
            format_to(out, "bad TCP data offset {} len {}", data[12] >> 4, length);
        return;
    }
    write_endpoints(out, h, s.source_port, s.destination_port);
    out.write("TCP ");
    write_tcp_flags(out, s.flags);
    format_to(out, " seq {}", s.seq);
    if (s.has(tcp::flags::kAck)) format_to(out, " ack {}", s.ack);
    format_to(out, " win {}", s.window);
    if (s.has(tcp::flags::kUrg)) format_to(out, " urg {}", s.urgent);
    format_to(out, " len {}", s.data_length);
    write_tcp_options(out, s.options);
}

const char* dhcp_type_name(u8 type) {
    switch (type) {
        case dhcp::kDiscover: return "DISCOVER";
        case dhcp::kOffer: return "OFFER";
        case dhcp::kRequest: return "REQUEST";
        case dhcp::kDecline: return "DECLINE";
        case dhcp::kAck: return "ACK";
        case dhcp::kNak: return "NAK";
        case dhcp::kRelease: return "RELEASE";
        case dhcp::kInform: return "INFORM";
        default: return nullptr;
    }
}

// " (DHCP OFFER 10.0.2.15)": the type, and the address it offers, grants or asks for.
void summarize_dhcp(Sink& out, const u8* data, usize length) {
    auto m = dhcp::parse_message(data, length);
    if (!m) {
        out.write(" (malformed DHCP)");
        return;
    }
    if (m->message_type == 0) {
        out.write(" (BOOTP)");
        return;
    }
    if (const char* name = dhcp_type_name(m->message_type))
        format_to(out, " (DHCP {}", name);
    else
        format_to(out, " (DHCP type {}", m->message_type);
    Ipv4Address address = m->yiaddr;
    if (m->requested_address) address = *m->requested_address;
    if (address.is_any()) address = m->ciaddr;
    if (!address.is_any()) {
        out.write(" ");
        write_address(out, address);
    }
    out.write(")");
}

bool is_dhcp_port(u16 port) { return port == dhcp::kServerPort || port == dhcp::kClientPort; }

void summarize_udp(Sink& out, const ipv4::Header& h, const u8* data, usize length) {
    if (length < udp::kHeaderSize) {
        write_hosts(out, h.source, h.destination);
        format_to(out, "truncated UDP header len {}", length);
        return;
    }
    udp::Header u = udp::load_header(data);
    write_endpoints(out, h, u.source_port, u.destination_port);
    if (u.length < udp::kHeaderSize || u.length > length) {
        format_to(out, "UDP bad length {} in {} bytes", u.length, length);
        return;
    }
    usize payload = u.length - udp::kHeaderSize;
    format_to(out, "UDP len {}", payload);
    if (is_dhcp_port(u.source_port) && is_dhcp_port(u.destination_port))
        summarize_dhcp(out, data + udp::kHeaderSize, payload);
}

void summarize_icmp(Sink& out, const ipv4::Header& h, const u8* data, usize length) {
    write_hosts(out, h.source, h.destination);
    if (length < ipv4::kIcmpHeaderSize) {
        format_to(out, "truncated ICMP header len {}", length);
        return;
    }
    u8 type = data[0], code = data[1];
    usize body = length - ipv4::kIcmpHeaderSize;
    switch (type) {
        case ipv4::kIcmpEchoRequest:
        case ipv4::kIcmpEchoReply:
            format_to(out, "ICMP echo {} id {} seq {} len {}", type == ipv4::kIcmpEchoRequest ? "request" : "reply",
                      load_be16(data + 4), load_be16(data + 6), body);
            return;
        case ipv4::kIcmpDestinationUnreachable:
            switch (code) {
                case ipv4::kIcmpNetUnreachable: out.write("ICMP net unreachable"); return;
                case ipv4::kIcmpHostUnreachable: out.write("ICMP host unreachable"); return;
                case ipv4::kIcmpProtocolUnreachable: out.write("ICMP protocol unreachable"); return;
                case ipv4::kIcmpPortUnreachable: out.write("ICMP port unreachable"); return;
                case ipv4::kIcmpFragmentationNeeded:
                    format_to(out, "ICMP need to frag (mtu {})", load_be16(data + 6));
                    return;
                default: format_to(out, "ICMP unreachable code {}", code); return;
            }
        case ipv4::kIcmpTimeExceeded:
            if (code == ipv4::kIcmpTtlExceeded)
                out.write("ICMP time exceeded in transit");
            else if (code == ipv4::kIcmpReassemblyTimeExceeded)
                out.write("ICMP reassembly time exceeded");
            else
                format_to(out, "ICMP time exceeded code {}", code);
            return;
        case ipv4::kIcmpSourceQuench: out.write("ICMP source quench"); return;
        case ipv4::kIcmpRedirect: format_to(out, "ICMP redirect code {}", code); return;
        case ipv4::kIcmpParameterProblem: format_to(out, "ICMP parameter problem at {}", data[4]); return;
        default: format_to(out, "ICMP type {} code {} len {}", type, code, body); return;
    }
}

// What parse_header refused, with the addresses wherever the header is all there.
void summarize_bad_ipv4(Sink& out, ipv4::HeaderError error, const u8* packet, usize length) {
    usize header_length = static_cast<usize>(packet[0] & 0x0f) * 4;
    u16 total = load_be16(packet + 2);
    Ipv4Address source = Ipv4Address::load(packet + 12);
    Ipv4Address destination = Ipv4Address::load(packet + 16);
    switch (error) {
        case ipv4::HeaderError::BadVersion: format_to(out, "IP version {} in an IPv4 frame", packet[0] >> 4); return;
        case ipv4::HeaderError::BadHeaderLength:
            if (header_length < ipv4::kMinHeaderSize)
                format_to(out, "bad IPv4 header length {}", header_length);
            else
                format_to(out, "bad IPv4 total length {} (header {})", total, header_length);
            return;
        case ipv4::HeaderError::Truncated:
            if (length < header_length) {
                format_to(out, "truncated IPv4 header len {} (header {})", length, header_length);
                return;
            }
            write_hosts(out, source, destination);
            format_to(out, "truncated IPv4 packet, {} of {} bytes", length, total);
            return;
        case ipv4::HeaderError::BadChecksum:
            write_hosts(out, source, destination);
            out.write("bad IPv4 header checksum");
            return;
        case ipv4::HeaderError::BadFragment:
            write_hosts(out, source, destination);
            out.write("IPv4 fragment reaching past 65535 bytes");
            return;
        case ipv4::HeaderError::None: return;
    }
}

void summarize_ipv4(Sink& out, const u8* packet, usize length) {
    if (length < ipv4::kMinHeaderSize) {
        format_to(out, "truncated IPv4 header len {}", length);
        return;
    }
    ipv4::Header h;
    if (auto error = ipv4::parse_header(packet, length, h); error != ipv4::HeaderError::None) {
        summarize_bad_ipv4(out, error, packet, length);
        return;
    }
    // Link-layer padding may follow: the packet ends where the header says.
    const u8* payload = packet + h.header_length;
    usize payload_length = h.payload_length();
    if (h.is_fragment()) {
        // Only a whole datagram has a transport header worth reading.
        write_hosts(out, h.source, h.destination);
        write_protocol(out, h.protocol);
        format_to(out, " fragment id {} offset {}{} len {}", h.id, h.fragment_offset, h.more_fragments ? " more" : "",
                  payload_length);
        return;
    }
    switch (h.protocol) {
        case kProtoTcp: summarize_tcp(out, h, payload, payload_length); return;
        case kProtoUdp: summarize_udp(out, h, payload, payload_length); return;
        case kProtoIcmp: summarize_icmp(out, h, payload, payload_length); return;
        default:
            write_hosts(out, h.source, h.destination);
            format_to(out, "ip-proto {} len {}", h.protocol, payload_length);
            return;
    }
}

void write_prefix(Sink& out, std::string_view interface, FrameDirection direction) {
    format_to(out, "{:<4} {:<3} ", interface, direction == FrameDirection::In ? "in" : "out");
}

}  // namespace

void summarize_frame(Sink& out, std::string_view interface, FrameDirection direction, const u8* frame, usize length) {
    write_prefix(out, interface, direction);
    auto eth = link::parse_ethernet(frame, length);
    if (!eth) {
        summarize_unparsed_ethernet(out, frame, length);
        return;
    }
    switch (eth->ether_type) {
        case link::kEtherTypeArp: summarize_arp(out, eth->payload, eth->payload_length); return;
        case link::kEtherTypeIpv4: summarize_ipv4(out, eth->payload, eth->payload_length); return;
        default: format_to(out, "ethertype {:#06x} len {}", eth->ether_type, eth->payload_length); return;
    }
}

void summarize_ipv4_packet(Sink& out, std::string_view interface, FrameDirection direction, const u8* packet,
                           usize length) {
    write_prefix(out, interface, direction);
    summarize_ipv4(out, packet, length);
}

std::string_view summarize_frame(char* buffer, usize capacity, std::string_view interface, FrameDirection direction,
                                 const u8* frame, usize length) {
    text::BufferSink sink(buffer, capacity);
    summarize_frame(sink, interface, direction, frame, length);
    return sink.view();
}

std::string_view summarize_ipv4_packet(char* buffer, usize capacity, std::string_view interface,
                                       FrameDirection direction, const u8* packet, usize length) {
    text::BufferSink sink(buffer, capacity);
    summarize_ipv4_packet(sink, interface, direction, packet, length);
    return sink.view();
}

}  // namespace net
