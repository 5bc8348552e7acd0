#include <gtest/gtest.h>

#include "net/ipv4/icmp.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using namespace net::ipv4;

class ErrorRecorder final : public IpProtocolHandler {
public:
    void receive(const IpPacketInfo&, const u8*, usize, Nanos) override {}
    void icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos) override {
        errors.push_back({type, code, mtu, Bytes(quoted, quoted + length)});
    }
    struct Error {
        u8 type, code;
        u16 mtu;
        Bytes quoted;
    };
    std::vector<Error> errors;
};

Bytes icmp_packet(const Bytes& message, Ipv4Address source = kPeerIp, Ipv4Address destination = kOurIp) {
    IpFields f;
    f.protocol = kProtoIcmp;
    f.source = source;
    f.destination = destination;
    return ipv4_packet(f, message);
}

Bytes echo_request(u16 id, u16 seq, const Bytes& data) {
    return icmp_message(kIcmpEchoRequest, 0, static_cast<u32>(id) << 16 | seq, data);
}

// What we sent, quoted back in an error: our packet to the peer of `protocol`, 8 bytes on.
Bytes our_packet(u8 protocol, Ipv4Address to = kPeerIp) {
    IpFields f;
    f.protocol = protocol;
    f.source = kOurIp;
    f.destination = to;
    Bytes p = ipv4_packet(f, Bytes(100, 0));
    p.resize(28);
    return p;
}

TEST(Icmp, EchoRequestsAreAnsweredWithTheSameIdentifierSequenceAndData) {
    StackFixture t;
    Bytes data = pattern(56);
    t.inject_ip(icmp_packet(echo_request(0x1234, 7, data)));
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    const Bytes& reply = frames[0].bytes;
    EXPECT_EQ(frame_destination(reply), kPeerMac);
    EXPECT_EQ(ip_protocol(reply), kProtoIcmp);
    EXPECT_EQ(ip_source(reply), kOurIp);
    EXPECT_EQ(ip_destination(reply), kPeerIp);
    const u8* m = transport_of(reply);
    usize n = transport_length(reply);
    EXPECT_EQ(m[0], kIcmpEchoReply);
    EXPECT_EQ(load_be16(m + 4), 0x1234);
    EXPECT_EQ(load_be16(m + 6), 7);
    EXPECT_EQ(Bytes(m + 8, m + n), data);
    EXPECT_EQ(internet_checksum(m, n), 0);
    EXPECT_EQ(t.stack.icmp_stats().in_echos, 1u);
    EXPECT_EQ(t.stack.icmp_stats().out_echo_reps, 1u);
}

TEST(Icmp, PingingLoopbackIsAnsweredThroughLoopback) {
    StackFixture t;
    Bytes request = echo_request(1, 1, bytes_of("lo"));
    ASSERT_TRUE(
        t.stack.send(kIpv4Any, kIpv4Loopback, kProtoIcmp, Gather(request.data(), request.size()), {}, t.now).is_ok());
    t.stack.run_pending(t.now);  // the request arrives, the reply is queued
    t.stack.run_pending(t.now);  // the reply arrives
    EXPECT_EQ(t.stack.icmp_stats().in_echos, 1u);
    EXPECT_EQ(t.stack.icmp_stats().in_echo_reps, 1u);
    EXPECT_TRUE(t.sink.frames.empty());
}

TEST(Icmp, BroadcastEchoRequestsAreIgnored) {
    StackFixture t;
    t.inject_ip(icmp_packet(echo_request(1, 1, {}), kPeerIp, kSubnetBroadcast), kMacBroadcast);
    t.inject_ip(icmp_packet(echo_request(1, 2, {}), kPeerIp, kIpv4Broadcast), kMacBroadcast);
    EXPECT_TRUE(t.take_frames().empty());
    EXPECT_EQ(t.stack.icmp_stats().in_echos, 2u);
}

TEST(Icmp, BadChecksumsAndRuntsAreCounted) {
    StackFixture t;
    Bytes m = echo_request(1, 1, bytes_of("abc"));
    m[9] ^= 1;
    t.inject_ip(icmp_packet(m));
    t.inject_ip(icmp_packet(Bytes(4, 8)));
    EXPECT_TRUE(t.take_frames().empty());
    EXPECT_EQ(t.stack.icmp_stats().in_csum_errors, 1u);
    EXPECT_EQ(t.stack.icmp_stats().in_errors, 2u);
}

TEST(Icmp, ErrorsReachTheProtocolOfTheQuotedPacket) {
    StackFixture t;
    ErrorRecorder tcp;
    ASSERT_TRUE(t.stack.register_protocol(kProtoTcp, tcp).is_ok());
    t.inject_ip(icmp_packet(icmp_message(kIcmpDestinationUnreachable, kIcmpPortUnreachable, 0, our_packet(kProtoTcp))));
    t.inject_ip(icmp_packet(icmp_message(kIcmpTimeExceeded, kIcmpTtlExceeded, 0, our_packet(kProtoTcp))));
    t.inject_ip(icmp_packet(icmp_message(kIcmpParameterProblem, 0, 0, our_packet(kProtoTcp))));
    ASSERT_EQ(tcp.errors.size(), 3u);
    EXPECT_EQ(tcp.errors[0].type, kIcmpDestinationUnreachable);
    EXPECT_EQ(tcp.errors[0].code, kIcmpPortUnreachable);
    EXPECT_EQ(tcp.errors[0].quoted, our_packet(kProtoTcp));
    EXPECT_EQ(tcp.errors[1].type, kIcmpTimeExceeded);
    EXPECT_EQ(tcp.errors[2].type, kIcmpParameterProblem);
    EXPECT_EQ(t.stack.icmp_stats().in_dest_unreachs, 1u);
    EXPECT_EQ(t.stack.icmp_stats().in_time_excds, 1u);
    EXPECT_EQ(t.stack.icmp_stats().in_parm_probs, 1u);
}

TEST(Icmp, FragmentationNeededCarriesTheNextHopMtuOrAPlateau) {
    StackFixture t;
    ErrorRecorder tcp;
    ASSERT_TRUE(t.stack.register_protocol(kProtoTcp, tcp).is_ok());
    t.inject_ip(icmp_packet(icmp_message(3, kIcmpFragmentationNeeded, 1280, our_packet(kProtoTcp, kFarIp))), kOurMac,
                kGatewayMac);
    // An old router that says nothing: the plateau below the quoted length (120).
    t.inject_ip(icmp_packet(icmp_message(3, kIcmpFragmentationNeeded, 0, our_packet(kProtoTcp, kFarIp))), kOurMac,
                kGatewayMac);
    ASSERT_EQ(tcp.errors.size(), 2u);
    EXPECT_EQ(tcp.errors[0].mtu, 1280u);
    EXPECT_EQ(tcp.errors[1].mtu, kMinPathMtu);  // 68 is below the floor
    EXPECT_EQ(t.stack.max_payload(kFarIp), kMinPathMtu - 20);
}

TEST(Icmp, ErrorsQuotingTooLittleAreCountedAndDropped) {
    StackFixture t;
    ErrorRecorder tcp;
    ASSERT_TRUE(t.stack.register_protocol(kProtoTcp, tcp).is_ok());
    Bytes short_quote = our_packet(kProtoTcp);
    short_quote.resize(24);
    t.inject_ip(icmp_packet(icmp_message(3, 3, 0, short_quote)));
    Bytes not_ipv4 = our_packet(kProtoTcp);
    not_ipv4[0] = 0x65;
    t.inject_ip(icmp_packet(icmp_message(3, 3, 0, not_ipv4)));
    EXPECT_TRUE(tcp.errors.empty());
    EXPECT_EQ(t.stack.icmp_stats().in_errors, 2u);
}

TEST(Icmp, UdpToAClosedPortIsAnsweredWithPortUnreachableQuotingIt) {
    StackFixture t;
    IpFields f;
    f.id = 0x4242;
    Bytes datagram = udp_datagram(kPeerIp, kOurIp, 5555, 9, bytes_of("anyone?"));
    Bytes packet = ipv4_packet(f, datagram);
    t.inject_ip(packet);
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    const u8* m = transport_of(frames[0].bytes);
    usize n = transport_length(frames[0].bytes);
    EXPECT_EQ(m[0], kIcmpDestinationUnreachable);
    EXPECT_EQ(m[1], kIcmpPortUnreachable);
    EXPECT_EQ(internet_checksum(m, n), 0);
    EXPECT_EQ(Bytes(m + 8, m + n), packet);  // the whole (small) packet, header first
    EXPECT_EQ(ip_source(frames[0].bytes), kOurIp);
    EXPECT_EQ(t.stack.udp_stats().no_ports, 1u);
    EXPECT_EQ(t.stack.icmp_stats().out_dest_unreachs, 1u);
}

TEST(Icmp, NoErrorIsSentAboutBroadcastsNonFirstFragmentsOrIcmpErrors) {
    StackFixture t;
    t.inject_udp(5555, 9, bytes_of("x"), kPeerIp, kSubnetBroadcast);
    t.inject_udp(5555, 9, bytes_of("x"), kPeerIp, kIpv4Broadcast);
    // An ICMP error sent to us about something, for a protocol nobody speaks.
    IpFields unknown;
    unknown.protocol = 200;
    unknown.source = kOurIp;
    unknown.destination = kPeerIp;
    Bytes quoted = ipv4_packet(unknown, Bytes(8, 0));
    t.inject_ip(icmp_packet(icmp_message(kIcmpDestinationUnreachable, 1, 0, quoted)));
    EXPECT_TRUE(t.take_frames().empty());
    // The first fragment of an unknown protocol is answered, the others are not.
    IpFields frag;
    frag.protocol = 200;
    frag.id = 1;
    frag.fragment_offset = 8;
    frag.more_fragments = false;
    t.inject_ip(ipv4_packet(frag, Bytes(8, 0)));
    frag.fragment_offset = 0;
    frag.more_fragments = true;
    t.inject_ip(ipv4_packet(frag, Bytes(8, 0)));  // completes the datagram: answered
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(transport_of(frames[0].bytes)[1], kIcmpProtocolUnreachable);
}

TEST(Icmp, ErrorsAreRateLimitedButNotToOurselves) {
    StackFixture t;
    for (int i = 0; i < 200; i++) t.inject_udp(static_cast<u16>(6000 + i), 9, bytes_of("x"));
    EXPECT_EQ(t.take_frames().size(), Icmp::kBurst);
    EXPECT_EQ(t.stack.icmp_stats().out_rate_limited, 200u - Icmp::kBurst);
    // Tokens come back at one per millisecond.
    t.now += 10 * kMillisecond;
    for (int i = 0; i < 20; i++) t.inject_udp(static_cast<u16>(7000 + i), 9, bytes_of("x"));
    EXPECT_EQ(t.take_frames().size(), 10u);
    // Over loopback, every closed port is reported.
    for (int i = 0; i < 100; i++) {
        Bytes d = udp_datagram(kIpv4Loopback, kIpv4Loopback, 1000, 9, bytes_of("x"));
        ASSERT_TRUE(
            t.stack.send(kIpv4Loopback, kIpv4Loopback, kProtoUdp, Gather(d.data(), d.size()), {}, t.now).is_ok());
    }
    u64 sent = t.stack.icmp_stats().out_dest_unreachs;
    t.stack.run_pending(t.now);
    EXPECT_EQ(t.stack.icmp_stats().out_dest_unreachs, sent + 100);
}

TEST(Icmp, ReassemblyTimeoutIsReportedWhenTheFirstFragmentCame) {
    StackFixture t;
    IpFields frag;
    frag.id = 5;
    frag.more_fragments = true;
    Bytes datagram = udp_datagram(kPeerIp, kOurIp, 1, 2, Bytes(100, 0));
    t.inject_ip(ipv4_packet(frag, Bytes(datagram.begin(), datagram.begin() + 64)));
    t.advance(30 * kSecond);
    std::vector<CapturedFrame> frames;
    for (auto& f : t.take_frames())
        if (ether_type(f.bytes) == 0x0800) frames.push_back(f);  // the peer's ARP entry is re-checked too
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(transport_of(frames[0].bytes)[0], kIcmpTimeExceeded);
    EXPECT_EQ(transport_of(frames[0].bytes)[1], kIcmpReassemblyTimeExceeded);
    EXPECT_EQ(t.stack.ip_stats().reasm_timeout, 1u);
}

TEST(Icmp, ErrnoMappingFollowsLinux) {
    EXPECT_EQ(icmp_errno(3, 3).error, ECONNREFUSED);
    EXPECT_TRUE(icmp_errno(3, 3).fatal);
    EXPECT_EQ(icmp_errno(3, 1).error, EHOSTUNREACH);
    EXPECT_FALSE(icmp_errno(3, 1).fatal);
    EXPECT_EQ(icmp_errno(3, 0).error, ENETUNREACH);
    EXPECT_EQ(icmp_errno(3, 4).error, EMSGSIZE);
    EXPECT_EQ(icmp_errno(3, 13).error, EHOSTUNREACH);
    EXPECT_TRUE(icmp_errno(3, 13).fatal);
    EXPECT_EQ(icmp_errno(11, 0).error, EHOSTUNREACH);
    EXPECT_EQ(icmp_errno(12, 0).error, EPROTO);
}

}  // namespace
