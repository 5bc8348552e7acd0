#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "net/dhcp/message.h"
#include "net/frame_summary.h"
#include "net/tcp/segment.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using net::FrameDirection;

constexpr Ipv4Address kAny = kIpv4Any;

std::string summary(const Bytes& frame, FrameDirection direction = FrameDirection::In, const char* interface = "eth0") {
    char line[kFrameSummaryCapacity];
    return std::string(summarize_frame(line, sizeof line, interface, direction, frame.data(), frame.size()));
}

Bytes ip_frame(const Bytes& ip_packet, MacAddress to = kOurMac, MacAddress from = kGatewayMac) {
    return ethernet_frame(to, from, 0x0800, ip_packet);
}

Bytes tcp_segment(u16 source_port, u16 destination_port, u32 seq, u32 ack, u8 flags, u16 window,
                  const tcp::OutgoingOptions& options = {}, usize data = 0) {
    tcp::HeaderFields fields{source_port, destination_port, seq, ack, flags, window};
    u8 header[tcp::kMaxHeaderLength];
    usize length = tcp::write_header(header, fields, options);
    Bytes segment(header, header + length);
    segment.resize(length + data, 'x');
    return segment;
}

Bytes tcp_frame(const Bytes& segment, Ipv4Address source = kGatewayIp, Ipv4Address destination = kOurIp) {
    return ip_frame(ipv4_packet({.protocol = kProtoTcp, .source = source, .destination = destination}, segment));
}

Bytes udp_frame(Ipv4Address source, Ipv4Address destination, u16 source_port, u16 destination_port, const Bytes& data) {
    return ip_frame(ipv4_packet({.protocol = kProtoUdp, .source = source, .destination = destination},
                                udp_datagram(source, destination, source_port, destination_port, data)));
}

Bytes icmp_frame(u8 type, u8 code, u32 rest, usize body, Ipv4Address source = kOurIp,
                 Ipv4Address destination = kGatewayIp) {
    return ip_frame(ipv4_packet({.protocol = kProtoIcmp, .source = source, .destination = destination},
                                icmp_message(type, code, rest, Bytes(body, 0))));
}

Bytes dhcp_client_message(u8 type, std::optional<Ipv4Address> requested) {
    dhcp::MessageBuilder m(1, 0x1234, 0, dhcp::kBroadcastFlag, kAny, kOurMac);
    m.add_u8(dhcp::kOptionMessageType, type);
    if (requested) m.add_address(dhcp::kOptionRequestedAddress, *requested);
    m.finish();
    return Bytes(m.bytes(), m.bytes() + m.length());
}

// A server's reply: the BOOTP fields, the magic cookie, the message type, End.
Bytes dhcp_server_message(u8 type, Ipv4Address yiaddr) {
    Bytes b(240, 0);
    b[0] = 2;
    b[1] = 1;
    b[2] = 6;
    yiaddr.store(&b[16]);
    kOurMac.store(&b[28]);
    store_be32(&b[236], 0x63825363);
    b.resize(300, 0);
    u8 options[] = {dhcp::kOptionMessageType, 1, type, dhcp::kOptionEnd};
    std::copy(std::begin(options), std::end(options), b.begin() + 240);
    return b;
}

TEST(FrameSummary, TcpSynShowsEndpointsFlagsWindowAndOptions) {
    tcp::OutgoingOptions options;
    options.mss = 1460;
    options.sack_permitted = true;
    options.timestamps = true;
    options.ts_value = 1;
    options.window_scale = 7;
    EXPECT_EQ(summary(tcp_frame(tcp_segment(35794, 8080, 123, 0, tcp::flags::kSyn, 64240, options))),
              "eth0 in  10.0.2.2.35794 > 10.0.2.15.8080: TCP [S] seq 123 win 64240 len 0 "
              "<mss 1460,sackOK,TS,wscale 7>");
}

TEST(FrameSummary, TcpDataShowsAckAndLengthWithoutOptionsWhenNone) {
    auto frame = tcp_frame(tcp_segment(8080, 35794, 1000, 2000, tcp::flags::kPsh | tcp::flags::kAck, 502, {}, 5),
                           kOurIp, kGatewayIp);
    EXPECT_EQ(summary(frame, FrameDirection::Out),
              "eth0 out 10.0.2.15.8080 > 10.0.2.2.35794: TCP [P.] seq 1000 ack 2000 win 502 len 5");
}

TEST(FrameSummary, TcpFlagsUseTcpdumpLettersInItsOrder) {
    auto flags_of = [](u8 flags) {
        std::string line = summary(tcp_frame(tcp_segment(1, 2, 0, 0, flags, 0)));
        auto open = line.find('[');
        return line.substr(open, line.find(']') - open + 1);
    };
    using namespace tcp::flags;
    EXPECT_EQ(flags_of(kSyn | kAck), "[S.]");
    EXPECT_EQ(flags_of(kFin | kAck), "[F.]");
    EXPECT_EQ(flags_of(kRst), "[R]");
    EXPECT_EQ(flags_of(0), "[none]");
    EXPECT_EQ(flags_of(0xff), "[FSRP.UEW]");
}

TEST(FrameSummary, TcpUrgentPointerAndSackBlocksAreShown) {
    tcp::SackBlock blocks[2] = {{10, 20}, {30, 40}};
    tcp::OutgoingOptions options;
    options.sack = blocks;
    options.sack_count = 2;
    auto line = summary(tcp_frame(tcp_segment(1, 2, 5, 6, tcp::flags::kAck | tcp::flags::kUrg, 100, options)));
    EXPECT_EQ(line, "eth0 in  10.0.2.2.1 > 10.0.2.15.2: TCP [.U] seq 5 ack 6 win 100 urg 0 len 0 <sack 2>");
}

TEST(FrameSummary, ArpRequestReplyAndAnnouncement) {
    auto request =
        ethernet_frame(kMacBroadcast, kOurMac, 0x0806, arp_packet(1, kOurMac, kOurIp, MacAddress{}, kGatewayIp));
    EXPECT_EQ(summary(request, FrameDirection::Out), "eth0 out ARP who-has 10.0.2.2 tell 10.0.2.15");
    auto reply = ethernet_frame(kOurMac, kGatewayMac, 0x0806, arp_packet(2, kGatewayMac, kGatewayIp, kOurMac, kOurIp));
    EXPECT_EQ(summary(reply), "eth0 in  ARP 10.0.2.2 is-at 52:55:0a:00:02:02");
    auto announce =
        ethernet_frame(kMacBroadcast, kOurMac, 0x0806, arp_packet(1, kOurMac, kOurIp, MacAddress{}, kOurIp));
    EXPECT_EQ(summary(announce, FrameDirection::Out), "eth0 out ARP announce 10.0.2.15");
}

TEST(FrameSummary, ArpThatIsNotIpv4OverEthernetOrTooShortIsNamed) {
    auto arp = arp_packet(1, kOurMac, kOurIp, MacAddress{}, kGatewayIp);
    arp[5] = 16;  // IPv6-sized protocol addresses
    EXPECT_EQ(summary(ethernet_frame(kMacBroadcast, kPeerMac, 0x0806, arp)),
              "eth0 in  ARP hardware 1 protocol 0x0800 op 1 (not IPv4 over Ethernet)");
    EXPECT_EQ(summary(ethernet_frame(kMacBroadcast, kPeerMac, 0x0806, Bytes(27, 0))), "eth0 in  truncated ARP len 27");
}

TEST(FrameSummary, DhcpExchangeNamesEachMessageAndItsAddress) {
    EXPECT_EQ(
        summary(udp_frame(kAny, kIpv4Broadcast, 68, 67, dhcp_client_message(dhcp::kDiscover, {})), FrameDirection::Out),
        "eth0 out 0.0.0.0.68 > 255.255.255.255.67: UDP len 300 (DHCP DISCOVER)");
    EXPECT_EQ(summary(udp_frame(kGatewayIp, kIpv4Broadcast, 67, 68, dhcp_server_message(dhcp::kOffer, kOurIp))),
              "eth0 in  10.0.2.2.67 > 255.255.255.255.68: UDP len 300 (DHCP OFFER 10.0.2.15)");
    EXPECT_EQ(summary(udp_frame(kAny, kIpv4Broadcast, 68, 67, dhcp_client_message(dhcp::kRequest, kOurIp)),
                      FrameDirection::Out),
              "eth0 out 0.0.0.0.68 > 255.255.255.255.67: UDP len 300 (DHCP REQUEST 10.0.2.15)");
    EXPECT_EQ(summary(udp_frame(kGatewayIp, kIpv4Broadcast, 67, 68, dhcp_server_message(dhcp::kAck, kOurIp))),
              "eth0 in  10.0.2.2.67 > 255.255.255.255.68: UDP len 300 (DHCP ACK 10.0.2.15)");
    EXPECT_EQ(summary(udp_frame(kGatewayIp, kIpv4Broadcast, 67, 68, dhcp_server_message(dhcp::kNak, kAny))),
              "eth0 in  10.0.2.2.67 > 255.255.255.255.68: UDP len 300 (DHCP NAK)");
}

TEST(FrameSummary, DhcpPortsWithoutADhcpMessageSayMalformed) {
    EXPECT_EQ(summary(udp_frame(kGatewayIp, kOurIp, 67, 68, Bytes(10, 0))),
              "eth0 in  10.0.2.2.67 > 10.0.2.15.68: UDP len 10 (malformed DHCP)");
}

TEST(FrameSummary, PlainUdpShowsItsPayloadLength) {
    EXPECT_EQ(summary(udp_frame(kOurIp, kGatewayIp, 40000, 53, bytes_of("hello")), FrameDirection::Out),
              "eth0 out 10.0.2.15.40000 > 10.0.2.2.53: UDP len 5");
}

TEST(FrameSummary, IcmpEchoAndErrors) {
    EXPECT_EQ(summary(icmp_frame(8, 0, 0x00010002, 56), FrameDirection::Out),
              "eth0 out 10.0.2.15 > 10.0.2.2: ICMP echo request id 1 seq 2 len 56");
    EXPECT_EQ(summary(icmp_frame(0, 0, 0x00010002, 56, kGatewayIp, kOurIp)),
              "eth0 in  10.0.2.2 > 10.0.2.15: ICMP echo reply id 1 seq 2 len 56");
    EXPECT_EQ(summary(icmp_frame(3, 3, 0, 28, kGatewayIp, kOurIp)),
              "eth0 in  10.0.2.2 > 10.0.2.15: ICMP port unreachable");
    EXPECT_EQ(summary(icmp_frame(3, 4, 1400, 28, kGatewayIp, kOurIp)),
              "eth0 in  10.0.2.2 > 10.0.2.15: ICMP need to frag (mtu 1400)");
    EXPECT_EQ(summary(icmp_frame(11, 0, 0, 28, kGatewayIp, kOurIp)),
              "eth0 in  10.0.2.2 > 10.0.2.15: ICMP time exceeded in transit");
    EXPECT_EQ(summary(icmp_frame(42, 7, 0, 4, kGatewayIp, kOurIp)),
              "eth0 in  10.0.2.2 > 10.0.2.15: ICMP type 42 code 7 len 4");
}

TEST(FrameSummary, OtherEtherTypesShowTheTypeAndLength) {
    EXPECT_EQ(summary(ethernet_frame(kOurMac, kPeerMac, 0x86dd, Bytes(90, 0))), "eth0 in  ethertype 0x86dd len 90");
}

TEST(FrameSummary, OtherIpProtocolsShowTheNumber) {
    auto frame = ip_frame(ipv4_packet({.protocol = 47, .source = kPeerIp}, Bytes(24, 0)));
    EXPECT_EQ(summary(frame), "eth0 in  10.0.2.20 > 10.0.2.15: ip-proto 47 len 24");
}

TEST(FrameSummary, FragmentsShowOffsetNotTransport) {
    auto first = ip_frame(
        ipv4_packet({.protocol = kProtoUdp, .source = kPeerIp, .id = 77, .more_fragments = true}, Bytes(1480, 0)));
    EXPECT_EQ(summary(first), "eth0 in  10.0.2.20 > 10.0.2.15: UDP fragment id 77 offset 0 more len 1480");
    auto last = ip_frame(
        ipv4_packet({.protocol = kProtoUdp, .source = kPeerIp, .id = 77, .fragment_offset = 1480}, Bytes(100, 0)));
    EXPECT_EQ(summary(last), "eth0 in  10.0.2.20 > 10.0.2.15: UDP fragment id 77 offset 1480 len 100");
}

TEST(FrameSummary, EthernetPaddingAfterThePacketIsIgnored) {
    auto frame = udp_frame(kOurIp, kGatewayIp, 1000, 2000, bytes_of("hi"));
    frame.resize(60, 0);  // the minimum Ethernet frame
    EXPECT_EQ(summary(frame), "eth0 in  10.0.2.15.1000 > 10.0.2.2.2000: UDP len 2");
}

TEST(FrameSummary, LoopbackPacketsHaveNoLinkHeader) {
    auto packet = ipv4_packet({.protocol = kProtoIcmp, .source = kIpv4Loopback, .destination = kIpv4Loopback},
                              icmp_message(8, 0, 0x00050001, Bytes(8, 0)));
    char line[kFrameSummaryCapacity];
    EXPECT_EQ(summarize_ipv4_packet(line, sizeof line, "lo", FrameDirection::In, packet.data(), packet.size()),
              "lo   in  127.0.0.1 > 127.0.0.1: ICMP echo request id 5 seq 1 len 8");
}

TEST(FrameSummary, TruncatedHeadersAreNamedAtEachLayer) {
    EXPECT_EQ(summary(Bytes(10, 0)), "eth0 in  truncated Ethernet header len 10");
    EXPECT_EQ(summary(ip_frame(Bytes(12, 0x45))), "eth0 in  truncated IPv4 header len 12");
    Bytes options_cut = ipv4_packet({.options = 8}, {});
    options_cut.resize(24);
    EXPECT_EQ(summary(ip_frame(options_cut)), "eth0 in  truncated IPv4 header len 24 (header 28)");
    Bytes packet_cut = ipv4_packet({.protocol = kProtoUdp}, Bytes(40, 0));
    packet_cut.resize(40);
    EXPECT_EQ(summary(ip_frame(packet_cut)), "eth0 in  10.0.2.20 > 10.0.2.15: truncated IPv4 packet, 40 of 60 bytes");
    EXPECT_EQ(summary(ip_frame(ipv4_packet({.protocol = kProtoTcp}, Bytes(12, 0)))),
              "eth0 in  10.0.2.20 > 10.0.2.15: truncated TCP header len 12");
    EXPECT_EQ(summary(ip_frame(ipv4_packet({.protocol = kProtoUdp}, Bytes(7, 0)))),
              "eth0 in  10.0.2.20 > 10.0.2.15: truncated UDP header len 7");
    EXPECT_EQ(summary(ip_frame(ipv4_packet({.protocol = kProtoIcmp}, Bytes(4, 8)))),
              "eth0 in  10.0.2.20 > 10.0.2.15: truncated ICMP header len 4");
}

TEST(FrameSummary, MalformedHeadersSayWhatIsWrong) {
    Bytes packet = ipv4_packet({.protocol = kProtoUdp}, Bytes(8, 0));
    Bytes bad_checksum = packet;
    bad_checksum[10] ^= 1;
    EXPECT_EQ(summary(ip_frame(bad_checksum)), "eth0 in  10.0.2.20 > 10.0.2.15: bad IPv4 header checksum");
    Bytes version6 = packet;
    version6[0] = 0x65;
    EXPECT_EQ(summary(ip_frame(version6)), "eth0 in  IP version 6 in an IPv4 frame");
    Bytes short_ihl = packet;
    short_ihl[0] = 0x44;
    EXPECT_EQ(summary(ip_frame(short_ihl)), "eth0 in  bad IPv4 header length 16");
    Bytes bad_total = packet;
    store_be16(&bad_total[2], 12);
    EXPECT_EQ(summary(ip_frame(bad_total)), "eth0 in  bad IPv4 total length 12 (header 20)");

    Bytes segment = tcp_segment(1, 2, 0, 0, tcp::flags::kSyn, 0);
    segment[12] = 4 << 4;
    EXPECT_EQ(summary(tcp_frame(segment)), "eth0 in  10.0.2.2 > 10.0.2.15: bad TCP data offset 4 len 20");
    Bytes datagram = udp_datagram(kPeerIp, kOurIp, 1, 2, Bytes(4, 0));
    store_be16(&datagram[4], 40);
    EXPECT_EQ(summary(ip_frame(ipv4_packet({.protocol = kProtoUdp}, datagram))),
              "eth0 in  10.0.2.20.1 > 10.0.2.15.2: UDP bad length 40 in 12 bytes");
}

TEST(FrameSummary, LinkFramesTheStackRefusesAreNamed) {
    EXPECT_EQ(summary(ethernet_frame(kOurMac, kPeerMac, 0x0100, Bytes(30, 0))), "eth0 in  802.3 len 30");
    Bytes tagged = ethernet_frame(kOurMac, kPeerMac, 0x8100, {0x00, 0x05, 0x08, 0x00, 1, 2});
    EXPECT_EQ(summary(tagged), "eth0 in  VLAN 5 ethertype 0x0800 len 2");
    EXPECT_EQ(summary(ethernet_frame(kOurMac, kPeerMac, 0x8100, {0x00})), "eth0 in  truncated VLAN tag len 15");
}

TEST(FrameSummary, EveryPrefixOfAFrameIsSummarizedWithoutReadingPastIt) {
    tcp::OutgoingOptions options;
    options.mss = 1460;
    options.timestamps = true;
    Bytes whole = tcp_frame(tcp_segment(1, 2, 3, 4, tcp::flags::kSyn, 5, options, 10));
    for (usize n = 0; n <= whole.size(); n++) {
        // A copy of exactly n bytes: AddressSanitizer catches a read past it.
        Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
        std::string line = summary(prefix);
        EXPECT_FALSE(line.empty());
        if (n < whole.size()) {
            EXPECT_NE(line.find("truncated"), std::string::npos) << n << ": " << line;
        }
    }
}

TEST(FrameSummary, GarbageGivesOneLineThatFitsTheBuffer) {
    FakeRandom random(99);
    for (int round = 0; round < 2000; round++) {
        Bytes frame(random.next_u64() % 200);
        for (auto& b : frame) b = static_cast<u8>(random.next_u64());
        if (frame.size() > 14 && round % 2) store_be16(&frame[12], round % 4 == 1 ? 0x0800 : 0x0806);
        if (frame.size() > 14 && round % 4 == 1) frame[14] = 0x45;
        char line[kFrameSummaryCapacity];
        auto text = summarize_frame(line, sizeof line, "eth0", FrameDirection::In, frame.data(), frame.size());
        ASSERT_LT(text.size(), sizeof line);
        EXPECT_EQ(text.find('\n'), std::string_view::npos);
        EXPECT_EQ(line[text.size()], '\0');
    }
}

TEST(FrameSummary, ASmallBufferGetsTheStartOfTheLine) {
    char line[10];
    auto text = summarize_frame(line, sizeof line, "eth0", FrameDirection::In, nullptr, 0);
    EXPECT_EQ(text, "eth0 in  ");
    EXPECT_EQ(line[9], '\0');
}

}  // namespace
