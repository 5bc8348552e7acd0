#include <gtest/gtest.h>

#include "net/ipv4/icmp.h"
#include "net/link/arp_packet.h"
#include "net_test_support.h"

namespace {

using namespace nettest;

// A transport that records what the IP layer hands it.
class RecordingProtocol final : public IpProtocolHandler {
public:
    struct Packet {
        IpPacketInfo info;
        Bytes payload;
    };
    struct IcmpError {
        u8 type, code;
        u16 mtu;
        Bytes quoted;
    };
    void receive(const IpPacketInfo& info, const u8* payload, usize length, Nanos) override {
        packets.push_back({info, Bytes(payload, payload + length)});
    }
    void icmp_error(u8 type, u8 code, u16 mtu, const u8* quoted, usize length, Nanos) override {
        errors.push_back({type, code, mtu, Bytes(quoted, quoted + length)});
    }
    std::vector<Packet> packets;
    std::vector<IcmpError> errors;
};

constexpr u8 kTestProtocol = 253;  // RFC 3692's experimental number

Result<void> send_test(NetStack& stack, Ipv4Address to, const Bytes& payload, Nanos now, IpSendOptions options = {},
                       Ipv4Address from = kIpv4Any) {
    return stack.send(from, to, kTestProtocol, Gather(payload.data(), payload.size()), options, now);
}

// ---- Configuration ----

TEST(NetStack, LoopbackIsIndexOneWith127001AndItsRoute) {
    StackFixture t;
    const Interface* lo = t.stack.interface(1);
    ASSERT_NE(lo, nullptr);
    EXPECT_STREQ(lo->name(), "lo");
    EXPECT_TRUE(lo->is_loopback());
    EXPECT_EQ(lo->mtu(), 65536u);
    EXPECT_EQ(lo->address()->address, kIpv4Loopback);
    EXPECT_EQ(lo->address()->length, 8);
    EXPECT_EQ(lo->flags(), kIffUp | kIffLoopback | kIffRunning | kIffLowerUp);
    EXPECT_EQ(t.stack.interface_by_name("eth0")->index(), 2u);
}

TEST(NetStack, AStaticConfigurationSetsTheAddressRoutesAndTellsTheKernel) {
    FakeRandom random;
    RecordingCallbacks callbacks;
    CaptureSink sink;
    NetStack stack(random, callbacks);
    unsigned eth0 = stack.add_ethernet("eth0", kOurMac, 1500, sink).value();
    stack.set_link(eth0, true, 0);
    IpConfig config;
    config.address = {kOurIp, 24};
    config.gateway = kGatewayIp;
    config.dns[0] = Ipv4Address::from_octets(10, 0, 2, 3);
    config.dns_count = 1;
    ASSERT_TRUE(stack.configure_static(eth0, config, 0).is_ok());
    const Interface* iface = stack.interface(eth0);
    EXPECT_EQ(iface->address()->address, kOurIp);
    EXPECT_EQ(iface->broadcast_address(), kSubnetBroadcast);
    EXPECT_EQ(iface->flags(), kIffUp | kIffBroadcast | kIffRunning | kIffMulticast | kIffLowerUp);
    ASSERT_EQ(callbacks.configured.size(), 1u);
    EXPECT_EQ(callbacks.configured[0].config.dns[0], Ipv4Address::from_octets(10, 0, 2, 3));
    // lo's route, the subnet and the default route.
    ASSERT_EQ(stack.routes().size(), 3u);
    const ipv4::Route* def = stack.routes().lookup(kFarIp);
    ASSERT_NE(def, nullptr);
    EXPECT_EQ(def->gateway, kGatewayIp);
    EXPECT_EQ(def->interface_index, eth0);
    // Announced with a gratuitous ARP.
    ASSERT_EQ(sink.frames.size(), 1u);
    EXPECT_EQ(ether_type(sink.frames[0].bytes), 0x0806);
    // Reconfigured: the old routes go.
    config.address = {Ipv4Address::from_octets(192, 168, 1, 5), 16};
    config.gateway = kIpv4Any;
    ASSERT_TRUE(stack.configure_static(eth0, config, 0).is_ok());
    EXPECT_EQ(stack.routes().size(), 2u);
    EXPECT_EQ(stack.routes().lookup(kFarIp), nullptr);
    ASSERT_TRUE(stack.clear_address(eth0, 0).is_ok());
    EXPECT_FALSE(stack.interface(eth0)->address());
    EXPECT_EQ(callbacks.removed.size(), 1u);
    EXPECT_EQ(stack.routes().size(), 1u);
}

TEST(NetStack, BadInterfacesAndConfigurationsAreRefused) {
    StackFixture t;
    CaptureSink other;
    EXPECT_EQ(t.stack.add_ethernet("eth0", kPeerMac, 1500, other).error(), EINVAL);  // taken
    EXPECT_EQ(t.stack.add_ethernet("a-name-far-too-long", kPeerMac, 1500, other).error(), EINVAL);
    EXPECT_EQ(t.stack.add_ethernet("eth1", kPeerMac, 60, other).error(), EINVAL);
    IpConfig config;
    config.address = {kIpv4Broadcast, 24};
    EXPECT_EQ(t.stack.configure_static(t.eth0, config, t.now).error(), EINVAL);
    config.address = {kOurIp, 24};
    EXPECT_EQ(t.stack.configure_static(kLoopbackIndex, config, t.now).error(), EINVAL);
    EXPECT_EQ(t.stack.configure_static(9, config, t.now).error(), ENODEV);
    for (unsigned i = 3; i <= NetStack::kMaxInterfaces; i++) {
        char name[8] = {'e', 't', 'h', static_cast<char>('0' + i), 0};
        ASSERT_TRUE(t.stack.add_ethernet(name, kPeerMac, 1500, other).is_ok());
    }
    EXPECT_EQ(t.stack.add_ethernet("ethx", kPeerMac, 1500, other).error(), ENOSPC);
}

// ---- Receiving ----

TEST(NetStack, DeliversToTheRegisteredProtocolWithWhatItNeedsToKnow) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    EXPECT_EQ(t.stack.register_protocol(kTestProtocol, proto).error(), EEXIST);
    EXPECT_EQ(t.stack.register_protocol(kProtoUdp, proto).error(), EEXIST);
    IpFields f;
    f.protocol = kTestProtocol;
    f.ttl = 33;
    f.tos = 0x28;
    Bytes packet = ipv4_packet(f, bytes_of("hello"));
    packet.resize(60, 0);  // Ethernet padding
    t.inject_ip(packet);
    ASSERT_EQ(proto.packets.size(), 1u);
    const auto& p = proto.packets[0];
    EXPECT_EQ(p.payload, bytes_of("hello"));
    EXPECT_EQ(p.info.source, kPeerIp);
    EXPECT_EQ(p.info.destination, kOurIp);
    EXPECT_EQ(p.info.ttl, 33);
    EXPECT_EQ(p.info.tos, 0x28);
    EXPECT_EQ(p.info.interface_index, t.eth0);
    EXPECT_FALSE(p.info.link_broadcast);
    EXPECT_FALSE(p.info.checksum_verified);
    EXPECT_EQ(t.stack.ip_stats().in_delivers, 1u);
    // The device's checksum verdict is passed on.
    t.inject(ethernet_frame(kOurMac, kPeerMac, 0x0800, ipv4_packet(f, bytes_of("x"))), true);
    EXPECT_TRUE(proto.packets[1].info.checksum_verified);
}

TEST(NetStack, EachMalformedPacketIsDroppedAndCounted) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    IpFields f;
    f.protocol = kTestProtocol;
    Bytes good = ipv4_packet(f, Bytes(10, 0));

    Bytes bad_version = good;
    bad_version[0] = 0x55;
    t.inject_ip(bad_version);
    Bytes bad_ihl = good;
    bad_ihl[0] = 0x43;
    t.inject_ip(bad_ihl);
    Bytes bad_checksum = good;
    bad_checksum[10] ^= 0xff;
    t.inject_ip(bad_checksum);
    EXPECT_EQ(t.stack.ip_stats().in_hdr_errors, 3u);

    Bytes truncated = good;
    truncated.resize(25);
    t.inject_ip(truncated);
    Bytes tiny(10, 0x45);
    t.inject_ip(tiny);
    EXPECT_EQ(t.stack.ip_stats().in_truncated_pkts, 2u);

    IpFields other = f;
    other.destination = kFarIp;  // not ours: a host does not forward
    t.inject_ip(ipv4_packet(other, Bytes(10, 0)));
    IpFields martian = f;
    martian.source = kIpv4Loopback;
    t.inject_ip(ipv4_packet(martian, Bytes(10, 0)));
    martian.source = kOurIp;  // our own address, from outside
    t.inject_ip(ipv4_packet(martian, Bytes(10, 0)));
    martian.source = Ipv4Address::from_octets(224, 0, 0, 1);
    t.inject_ip(ipv4_packet(martian, Bytes(10, 0)));
    EXPECT_EQ(t.stack.ip_stats().in_addr_errors, 4u);

    EXPECT_TRUE(proto.packets.empty());
    EXPECT_EQ(t.stack.ip_stats().in_receives, 9u);
    EXPECT_EQ(t.stack.ip_stats().in_delivers, 0u);
}

TEST(NetStack, FramesNotForUsAndUnknownProtocolsAreCountedApart) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    IpFields f;
    f.protocol = kTestProtocol;
    t.inject_ip(ipv4_packet(f, Bytes(4, 0)), kGatewayMac);  // another station's MAC
    EXPECT_TRUE(proto.packets.empty());
    t.inject(ethernet_frame(kOurMac, kPeerMac, 0x86dd, Bytes(40, 0)));  // IPv6
    EXPECT_EQ(t.stack.interface(t.eth0)->counters().rx_nohandler, 1u);
    t.inject(Bytes(10, 0));  // a runt
    EXPECT_EQ(t.stack.interface(t.eth0)->counters().rx_errors, 1u);
    EXPECT_EQ(t.stack.interface(t.eth0)->counters().rx_packets, 5u);  // with the fixture's ARP
}

TEST(NetStack, BroadcastsAreDeliveredAndMarked) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    IpFields f;
    f.protocol = kTestProtocol;
    f.destination = kSubnetBroadcast;
    t.inject_ip(ipv4_packet(f, Bytes(4, 0)), kMacBroadcast);
    f.destination = kIpv4Broadcast;
    t.inject_ip(ipv4_packet(f, Bytes(4, 0)), kMacBroadcast);
    ASSERT_EQ(proto.packets.size(), 2u);
    EXPECT_TRUE(proto.packets[0].info.link_broadcast);
    EXPECT_TRUE(proto.packets[1].info.link_broadcast);
}

TEST(NetStack, FragmentsAreReassembledBeforeDelivery) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    Bytes data = pattern(3000);
    IpFields f;
    f.protocol = kTestProtocol;
    f.id = 99;
    for (int i = 2; i >= 0; i--) {  // last fragment first
        usize offset = static_cast<usize>(i) * 1480;
        usize n = std::min<usize>(1480, data.size() - offset);
        f.fragment_offset = static_cast<u16>(offset);
        f.more_fragments = i < 2;
        t.inject_ip(ipv4_packet(f, Bytes(data.begin() + offset, data.begin() + offset + n)), kOurMac);
    }
    ASSERT_EQ(proto.packets.size(), 1u);
    EXPECT_EQ(proto.packets[0].payload, data);
    EXPECT_FALSE(proto.packets[0].info.checksum_verified);
    EXPECT_EQ(t.stack.ip_stats().reasm_oks, 1u);
}

TEST(NetStack, AnUnknownProtocolIsAnsweredWithProtocolUnreachable) {
    StackFixture t;
    IpFields f;
    f.protocol = 200;
    t.inject_ip(ipv4_packet(f, Bytes(12, 5)));
    EXPECT_EQ(t.stack.ip_stats().in_unknown_protos, 1u);
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    const Bytes& reply = frames[0].bytes;
    EXPECT_EQ(ip_protocol(reply), kProtoIcmp);
    EXPECT_EQ(ip_destination(reply), kPeerIp);
    EXPECT_EQ(transport_of(reply)[0], ipv4::kIcmpDestinationUnreachable);
    EXPECT_EQ(transport_of(reply)[1], ipv4::kIcmpProtocolUnreachable);
}

// ---- Sending ----

TEST(NetStack, OnLinkDestinationsGoToTheirOwnMacAndOthersToTheGateway) {
    StackFixture t;
    u64 sent_before = t.stack.interface(t.eth0)->counters().tx_packets;  // the fixture's ARP
    ASSERT_TRUE(send_test(t.stack, kPeerIp, Bytes(10, 1), t.now).is_ok());
    ASSERT_TRUE(send_test(t.stack, kFarIp, Bytes(10, 2), t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frame_destination(frames[0].bytes), kPeerMac);
    EXPECT_EQ(frame_destination(frames[1].bytes), kGatewayMac);
    EXPECT_EQ(ip_destination(frames[1].bytes), kFarIp);
    EXPECT_EQ(ip_source(frames[1].bytes), kOurIp);
    ipv4::Header h;
    ASSERT_EQ(ipv4::parse_header(ip_of(frames[1].bytes), frames[1].bytes.size() - 14, h), ipv4::HeaderError::None);
    EXPECT_EQ(h.ttl, 64);
    EXPECT_EQ(h.protocol, kTestProtocol);
    EXPECT_EQ(t.stack.interface(t.eth0)->counters().tx_packets, sent_before + 2);
}

TEST(NetStack, WithoutARouteSendingFailsWithENETUNREACH) {
    FakeRandom random;
    RecordingCallbacks callbacks;
    CaptureSink sink;
    NetStack stack(random, callbacks);
    unsigned eth0 = stack.add_ethernet("eth0", kOurMac, 1500, sink).value();
    stack.set_link(eth0, true, 0);
    EXPECT_EQ(send_test(stack, kFarIp, Bytes(4, 0), 0).error(), ENETUNREACH);
    EXPECT_EQ(stack.source_for(kFarIp).error(), ENETUNREACH);
    IpConfig config;
    config.address = {kOurIp, 24};  // no gateway
    ASSERT_TRUE(stack.configure_static(eth0, config, 0).is_ok());
    EXPECT_EQ(send_test(stack, kFarIp, Bytes(4, 0), 0).error(), ENETUNREACH);
    EXPECT_EQ(stack.source_for(kPeerIp).value(), kOurIp);
    EXPECT_EQ(stack.ip_stats().out_no_routes, 2u);
    // A link that is down routes nothing either.
    stack.set_link(eth0, false, 0);
    EXPECT_EQ(send_test(stack, kPeerIp, Bytes(4, 0), 0).error(), ENETUNREACH);
}

TEST(NetStack, AHostRouteBeatsTheDefaultRoute) {
    StackFixture t;
    ipv4::Route host;
    host.destination = {kFarIp, 32};
    host.gateway = kPeerIp;  // a second router on the subnet
    host.interface_index = t.eth0;
    ASSERT_TRUE(t.stack.add_route(host).is_ok());
    ASSERT_TRUE(send_test(t.stack, kFarIp, Bytes(4, 0), t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frame_destination(frames[0].bytes), kPeerMac);
    ipv4::Route nowhere = host;
    nowhere.interface_index = 7;
    EXPECT_EQ(t.stack.add_route(nowhere).error(), ENODEV);
}

TEST(NetStack, TheFirstPacketToANewNeighbourWaitsForArp) {
    StackFixture t(1500, false);
    ASSERT_TRUE(send_test(t.stack, kPeerIp, Bytes(4, 9), t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(ether_type(frames[0].bytes), 0x0806);
    t.inject(ethernet_frame(kOurMac, kPeerMac, 0x0806, arp_packet(2, kPeerMac, kPeerIp, kOurMac, kOurIp)));
    frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(ether_type(frames[0].bytes), 0x0800);
    EXPECT_EQ(frame_destination(frames[0].bytes), kPeerMac);
}

TEST(NetStack, AFailedResolutionTellsTheSendingProtocolHostUnreachable) {
    StackFixture t(1500, false);
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    ASSERT_TRUE(send_test(t.stack, kPeerIp, Bytes(12, 9), t.now).is_ok());
    EXPECT_EQ(t.stack.next_deadline(), t.now + kSecond);
    for (int i = 0; i < 3; i++) t.advance(kSecond);
    ASSERT_EQ(proto.errors.size(), 1u);
    EXPECT_EQ(proto.errors[0].type, ipv4::kIcmpDestinationUnreachable);
    EXPECT_EQ(proto.errors[0].code, ipv4::kIcmpHostUnreachable);
    ASSERT_GE(proto.errors[0].quoted.size(), 28u);
    EXPECT_EQ(Ipv4Address::load(&proto.errors[0].quoted[16]), kPeerIp);
    // Meanwhile, new packets are refused at once.
    EXPECT_EQ(send_test(t.stack, kPeerIp, Bytes(12, 9), t.now).error(), EHOSTUNREACH);
}

TEST(NetStack, LargePacketsAreFragmentedToTheMtu) {
    StackFixture t;
    Bytes data = pattern(3000);
    ASSERT_TRUE(send_test(t.stack, kPeerIp, data, t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 3u);
    Bytes joined;
    u16 id = 0;
    for (usize i = 0; i < frames.size(); i++) {
        const Bytes& fr = frames[i].bytes;
        ipv4::Header h;
        ASSERT_EQ(ipv4::parse_header(ip_of(fr), fr.size() - 14, h), ipv4::HeaderError::None);
        EXPECT_LE(h.total_length, 1500u);
        EXPECT_EQ(h.fragment_offset, i * 1480);
        EXPECT_EQ(h.more_fragments, i < 2);
        if (i == 0) id = h.id;
        EXPECT_EQ(h.id, id);
        joined.insert(joined.end(), ip_of(fr) + 20, ip_of(fr) + h.total_length);
    }
    EXPECT_EQ(joined, data);
    EXPECT_EQ(t.stack.ip_stats().frag_oks, 1u);
    EXPECT_EQ(t.stack.ip_stats().frag_creates, 3u);
}

TEST(NetStack, DontFragmentOverTheMtuIsEMSGSIZEAndOver64KiBAlways) {
    StackFixture t;
    IpSendOptions df;
    df.dont_fragment = true;
    EXPECT_EQ(send_test(t.stack, kPeerIp, Bytes(1481, 0), t.now, df).error(), EMSGSIZE);
    EXPECT_TRUE(send_test(t.stack, kPeerIp, Bytes(1480, 0), t.now, df).is_ok());
    EXPECT_EQ(send_test(t.stack, kPeerIp, Bytes(65516, 0), t.now).error(), EMSGSIZE);
    EXPECT_EQ(t.stack.max_payload(kPeerIp), 1480u);
    EXPECT_EQ(t.stack.max_payload(kIpv4Loopback), 65515u);
}

TEST(NetStack, AFullDeviceQueueIsENOBUFSAndCountedAsADrop) {
    StackFixture t;
    t.sink.fail_with = ENOBUFS;
    EXPECT_EQ(send_test(t.stack, kPeerIp, Bytes(4, 0), t.now).error(), ENOBUFS);
    EXPECT_EQ(t.stack.interface(t.eth0)->counters().tx_dropped, 1u);
}

// ---- Checksums ----

// A transport payload whose checksum field (at 6, as UDP's) holds the pseudo-header sum.
Bytes partial_udp(Ipv4Address source, Ipv4Address destination, const Bytes& data) {
    Bytes d = udp_datagram(source, destination, 1000, 2000, data, false);
    Checksum pseudo;
    pseudo.add_pseudo_header(source, destination, kProtoUdp, static_cast<u16>(d.size()));
    store_be16(&d[6], static_cast<u16>(~pseudo.finish()));
    return d;
}

TEST(NetStack, WithoutOffloadTheIpLayerCompletesTheChecksum) {
    StackFixture t;
    Bytes d = partial_udp(kOurIp, kPeerIp, bytes_of("checksum me"));
    IpSendOptions options;
    options.checksum_field = 6;
    ASSERT_TRUE(t.stack.send(kOurIp, kPeerIp, kProtoUdp, Gather(d.data(), d.size()), options, t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_FALSE(frames[0].has_partial);
    EXPECT_TRUE(transport_checksum_ok(frames[0].bytes));
    // The caller's buffer is left alone.
    Bytes original = partial_udp(kOurIp, kPeerIp, bytes_of("checksum me"));
    EXPECT_EQ(d, original);
}

TEST(NetStack, WithOffloadTheDeviceGetsThePartialChecksumToFinish) {
    StackFixture t;
    t.sink.offload = true;
    Bytes d = partial_udp(kOurIp, kPeerIp, bytes_of("offload me"));
    IpSendOptions options;
    options.checksum_field = 6;
    ASSERT_TRUE(t.stack.send(kOurIp, kPeerIp, kProtoUdp, Gather(d.data(), d.size()), options, t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    ASSERT_TRUE(frames[0].has_partial);
    EXPECT_EQ(frames[0].partial.start, 34u);  // Ethernet + IP headers
    EXPECT_EQ(frames[0].partial.offset, 6u);
    // Finishing it as a device would gives a valid checksum.
    Bytes frame = frames[0].bytes;
    u16 sum = internet_checksum(frame.data() + 34, frame.size() - 34);
    store_be16(&frame[40], sum);
    EXPECT_TRUE(transport_checksum_ok(frame));
}

TEST(NetStack, FragmentedPacketsAreChecksummedHereEvenWithOffload) {
    StackFixture t;
    t.sink.offload = true;
    Bytes d = partial_udp(kOurIp, kPeerIp, pattern(2500));
    IpSendOptions options;
    options.checksum_field = 6;
    ASSERT_TRUE(t.stack.send(kOurIp, kPeerIp, kProtoUdp, Gather(d.data(), d.size()), options, t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_FALSE(frames[0].has_partial);
    Checksum c;
    c.add_pseudo_header(kOurIp, kPeerIp, kProtoUdp, static_cast<u16>(d.size()));
    c.add(ip_of(frames[0].bytes) + 20, ip_length(frames[0].bytes) - 20);
    c.add(ip_of(frames[1].bytes) + 20, ip_length(frames[1].bytes) - 20);
    EXPECT_TRUE(c.verifies());
}

TEST(NetStack, AChecksumFieldOutsideTheFirstRunIsRefused) {
    StackFixture t;
    Bytes d(8, 0);
    IpSendOptions options;
    options.checksum_field = 7;
    EXPECT_EQ(t.stack.send(kOurIp, kPeerIp, kProtoUdp, Gather(d.data(), d.size()), options, t.now).error(), EINVAL);
}

// ---- Loopback ----

TEST(NetStack, LoopbackPacketsWaitForRunPendingAndArriveVerified) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    ASSERT_TRUE(send_test(t.stack, kIpv4Loopback, bytes_of("to myself"), t.now).is_ok());
    EXPECT_TRUE(proto.packets.empty());  // never inside the send call
    EXPECT_EQ(t.stack.next_deadline(), t.now);
    t.stack.run_pending(t.now);
    ASSERT_EQ(proto.packets.size(), 1u);
    EXPECT_EQ(proto.packets[0].payload, bytes_of("to myself"));
    EXPECT_EQ(proto.packets[0].info.source, kIpv4Loopback);
    EXPECT_EQ(proto.packets[0].info.interface_index, kLoopbackIndex);
    EXPECT_TRUE(proto.packets[0].info.checksum_verified);
    EXPECT_TRUE(t.sink.frames.empty());
    EXPECT_EQ(t.stack.interface(kLoopbackIndex)->counters().tx_packets, 1u);
    EXPECT_EQ(t.stack.interface(kLoopbackIndex)->counters().rx_packets, 1u);
}

TEST(NetStack, PacketsToOurOwnAddressGoThroughLoopback) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    EXPECT_TRUE(t.stack.is_local(kOurIp));
    EXPECT_TRUE(t.stack.is_local(Ipv4Address::from_octets(127, 1, 2, 3)));
    EXPECT_FALSE(t.stack.is_local(kPeerIp));
    EXPECT_EQ(t.stack.source_for(kOurIp).value(), kOurIp);
    EXPECT_EQ(t.stack.source_for(Ipv4Address::from_octets(127, 0, 0, 9)).value(), kIpv4Loopback);
    ASSERT_TRUE(send_test(t.stack, kOurIp, bytes_of("self"), t.now).is_ok());
    t.stack.on_timers(t.now);
    ASSERT_EQ(proto.packets.size(), 1u);
    EXPECT_EQ(proto.packets[0].info.source, kOurIp);
    EXPECT_EQ(proto.packets[0].info.destination, kOurIp);
    EXPECT_TRUE(t.sink.frames.empty());
}

// A protocol that answers every packet it gets with another one to the sender.
class Echoer final : public IpProtocolHandler {
public:
    explicit Echoer(NetStack& stack) : m_stack(stack) {}
    void receive(const IpPacketInfo& info, const u8* payload, usize length, Nanos now) override {
        received++;
        (void)m_stack.send(info.destination, info.source, kTestProtocol, Gather(payload, length), {}, now);
    }
    int received = 0;

private:
    NetStack& m_stack;
};

TEST(NetStack, LoopbackPingPongIsDeliveredOneRoundPerRunNeverInALoop) {
    StackFixture t;
    Echoer echo(t.stack);
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, echo).is_ok());
    ASSERT_TRUE(send_test(t.stack, kIpv4Loopback, bytes_of("ping"), t.now).is_ok());
    t.stack.run_pending(t.now);
    EXPECT_EQ(echo.received, 1);
    t.stack.run_pending(t.now);
    EXPECT_EQ(echo.received, 2);
    EXPECT_NE(t.stack.next_deadline(), kNoDeadline);  // still more to do, later
}

TEST(NetStack, TheLoopbackQueueIsBounded) {
    StackFixture t;
    Bytes big(60000, 1);
    usize sent = 0;
    while (send_test(t.stack, kIpv4Loopback, big, t.now).is_ok() && sent < 1000) sent++;
    EXPECT_LT(sent, 1000u);
    EXPECT_EQ(send_test(t.stack, kIpv4Loopback, big, t.now).error(), ENOBUFS);
    EXPECT_GE(t.stack.interface(kLoopbackIndex)->counters().tx_dropped, 1u);
    t.stack.run_pending(t.now);  // the unclaimed packets are dropped, memory freed
    EXPECT_TRUE(send_test(t.stack, kIpv4Loopback, big, t.now).is_ok());
}

// ---- Path MTU ----

TEST(NetStack, FragmentationNeededLowersThePathMtuForTenMinutes) {
    StackFixture t;
    RecordingProtocol proto;
    ASSERT_TRUE(t.stack.register_protocol(kTestProtocol, proto).is_ok());
    EXPECT_EQ(t.stack.max_payload(kFarIp), 1480u);
    // The router's complaint quotes a packet we sent to kFarIp.
    IpFields sent;
    sent.protocol = kTestProtocol;
    sent.source = kOurIp;
    sent.destination = kFarIp;
    Bytes quoted = ipv4_packet(sent, Bytes(1480, 0));
    quoted.resize(28);
    IpFields f;
    f.protocol = kProtoIcmp;
    f.source = kGatewayIp;
    t.inject_ip(ipv4_packet(f, icmp_message(3, 4, 1400, quoted)), kOurMac, kGatewayMac);
    EXPECT_EQ(t.stack.max_payload(kFarIp), 1380u);
    ASSERT_EQ(proto.errors.size(), 1u);
    EXPECT_EQ(proto.errors[0].mtu, 1400u);
    t.advance(600 * kSecond);
    EXPECT_EQ(t.stack.max_payload(kFarIp), 1480u);
}

}  // namespace

namespace {

using namespace nettest;

TEST(NetStack, AGatewayOutsideTheLeasedPrefixGetsAnOnLinkHostRoute) {
    FakeRandom random;
    RecordingCallbacks callbacks;
    CaptureSink sink;
    NetStack stack(random, callbacks);
    unsigned eth0 = stack.add_ethernet("eth0", kOurMac, 1460, sink).value();
    stack.set_link(eth0, true, 0);
    IpConfig config;
    config.address = {kOurIp, 32};
    config.gateway = Ipv4Address::from_octets(10, 0, 0, 1);
    ASSERT_TRUE(stack.configure_static(eth0, config, 0).is_ok());
    sink.frames.clear();
    Bytes payload(8, 0);
    ASSERT_TRUE(stack.send(kIpv4Any, kFarIp, 253, Gather(payload.data(), payload.size()), {}, 0).is_ok());
    ASSERT_EQ(sink.frames.size(), 1u);  // the ARP request for the gateway, on eth0
    auto arp = link::parse_arp(sink.frames[0].bytes.data() + 14, sink.frames[0].bytes.size() - 14);
    ASSERT_TRUE(arp);
    EXPECT_EQ(arp->target_ip, Ipv4Address::from_octets(10, 0, 0, 1));
}

TEST(NetStack, ASourceAddressThatIsNotOursIsEINVAL) {
    StackFixture t;
    Bytes payload(8, 0);
    EXPECT_EQ(t.stack.send(kPeerIp, kFarIp, 253, Gather(payload.data(), payload.size()), {}, t.now).error(), EINVAL);
    EXPECT_TRUE(t.stack.send(kOurIp, kFarIp, 253, Gather(payload.data(), payload.size()), {}, t.now).is_ok());
}

}  // namespace
