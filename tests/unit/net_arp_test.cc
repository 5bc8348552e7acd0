#include <gtest/gtest.h>

#include "net/link/arp_cache.h"
#include "net/link/arp_packet.h"
#include "net/link/ethernet.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using link::ArpCache;
using link::ArpConfig;
using link::NeighbourState;

class FakeLink final : public link::ArpLink {
public:
    struct Sent {
        MacAddress destination;
        u16 ether_type;
        Bytes payload;
        bool has_partial;
    };
    MacAddress link_address() const override { return kOurMac; }
    Ipv4Address protocol_address() const override { return address; }
    Result<void> transmit(MacAddress destination, u16 ether_type, const Gather& payload,
                          const PartialChecksum* partial) override {
        Bytes b(payload.length());
        payload.copy_out(0, b.data(), b.size());
        sent.push_back({destination, ether_type, b, partial != nullptr});
        return {};
    }
    void unresolved(const u8* ip_packet, usize length, Nanos) override {
        given_up.push_back(Bytes(ip_packet, ip_packet + length));
    }
    std::vector<Sent> take() {
        auto s = std::move(sent);
        sent.clear();
        return s;
    }

    Ipv4Address address = kOurIp;
    std::vector<Sent> sent;
    std::vector<Bytes> given_up;
};

Result<void> send_packet(ArpCache& cache, Ipv4Address to, u8 marker, Nanos now, usize size = 40) {
    Bytes p(size, marker);
    return cache.send(to, Gather(p.data(), p.size()), nullptr, now);
}

link::ArpPacket parse(const Bytes& b) { return *link::parse_arp(b.data(), b.size()); }

Bytes reply_from(MacAddress mac, Ipv4Address ip) { return arp_packet(2, mac, ip, kOurMac, kOurIp); }

TEST(Ethernet, ParsesTheHeaderAndKeepsPaddingInThePayload) {
    Bytes frame = ethernet_frame(kOurMac, kPeerMac, 0x0800, Bytes(46, 0));
    auto e = link::parse_ethernet(frame.data(), frame.size());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->destination, kOurMac);
    EXPECT_EQ(e->source, kPeerMac);
    EXPECT_EQ(e->ether_type, 0x0800);
    EXPECT_EQ(e->payload_length, 46u);
}

TEST(Ethernet, RefusesRuntsAnd8023LengthFrames) {
    Bytes frame = ethernet_frame(kOurMac, kPeerMac, 0x0800, {});
    EXPECT_FALSE(link::parse_ethernet(frame.data(), 13));
    Bytes llc = ethernet_frame(kOurMac, kPeerMac, 0x0040, Bytes(64, 0));
    EXPECT_FALSE(link::parse_ethernet(llc.data(), llc.size()));
}

TEST(Ethernet, StripsAPriorityTagButRefusesARealVlan) {
    Bytes tagged = ethernet_frame(kOurMac, kPeerMac, 0x8100, {0x20, 0x00, 0x08, 0x06, 1, 2, 3});
    auto e = link::parse_ethernet(tagged.data(), tagged.size());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->ether_type, 0x0806);
    EXPECT_EQ(e->payload_length, 3u);
    Bytes vlan5 = ethernet_frame(kOurMac, kPeerMac, 0x8100, {0x00, 0x05, 0x08, 0x00, 1, 2, 3});
    EXPECT_FALSE(link::parse_ethernet(vlan5.data(), vlan5.size()));
    Bytes double_tag = ethernet_frame(kOurMac, kPeerMac, 0x8100, {0x00, 0x00, 0x81, 0x00, 0, 0});
    EXPECT_FALSE(link::parse_ethernet(double_tag.data(), double_tag.size()));
}

TEST(ArpPacket, RejectsOtherHardwareProtocolsLengthsAndOperations) {
    Bytes good = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kOurIp);
    EXPECT_TRUE(link::parse_arp(good.data(), good.size()));
    EXPECT_FALSE(link::parse_arp(good.data(), 27));
    Bytes bad = good;
    bad[1] = 6;  // IEEE 802 hardware
    EXPECT_FALSE(link::parse_arp(bad.data(), bad.size()));
    bad = good;
    bad[5] = 16;
    EXPECT_FALSE(link::parse_arp(bad.data(), bad.size()));
    bad = good;
    bad[7] = 3;  // RARP request
    EXPECT_FALSE(link::parse_arp(bad.data(), bad.size()));
}

TEST(ArpCache, FirstPacketToAnUnknownNeighbourWaitsWhileARequestIsBroadcast) {
    FakeLink link;
    ArpCache cache(link);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 0xa1, 0).is_ok());
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].destination, kMacBroadcast);
    EXPECT_EQ(sent[0].ether_type, link::kEtherTypeArp);
    auto request = parse(sent[0].payload);
    EXPECT_EQ(request.operation, link::kArpRequest);
    EXPECT_EQ(request.sender_mac, kOurMac);
    EXPECT_EQ(request.sender_ip, kOurIp);
    EXPECT_EQ(request.target_ip, kPeerIp);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Incomplete);
}

TEST(ArpCache, TheReplySendsTheWaitingPacketsInOrderToTheResolvedMac) {
    FakeLink link;
    ArpCache cache(link);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 0).is_ok());
    ASSERT_TRUE(send_packet(cache, kPeerIp, 2, 0).is_ok());
    link.take();
    Bytes reply = reply_from(kPeerMac, kPeerIp);
    cache.receive(reply.data(), reply.size(), 10);
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].destination, kPeerMac);
    EXPECT_EQ(sent[0].ether_type, link::kEtherTypeIpv4);
    EXPECT_EQ(sent[0].payload[0], 1);
    EXPECT_EQ(sent[1].payload[0], 2);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Reachable);
    // Later packets go straight out.
    ASSERT_TRUE(send_packet(cache, kPeerIp, 3, 20).is_ok());
    sent = link.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].destination, kPeerMac);
}

TEST(ArpCache, RequestsAreRetriedEverySecondThenWaitingPacketsAreGivenUp) {
    FakeLink link;
    ArpCache cache(link);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 7, 0).is_ok());
    EXPECT_EQ(cache.next_deadline(), 1 * kSecond);
    cache.on_timers(kSecond - 1);
    EXPECT_EQ(link.take().size(), 1u);  // only the first request
    cache.on_timers(1 * kSecond);
    cache.on_timers(2 * kSecond);
    EXPECT_EQ(link.take().size(), 2u);  // second and third requests
    EXPECT_TRUE(link.given_up.empty());
    cache.on_timers(3 * kSecond);
    EXPECT_TRUE(link.take().empty());
    ASSERT_EQ(link.given_up.size(), 1u);
    EXPECT_EQ(link.given_up[0][0], 7);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Failed);
    EXPECT_EQ(cache.stats().failures, 1u);
    // While failed, senders hear at once that the host is unreachable...
    EXPECT_EQ(send_packet(cache, kPeerIp, 8, 4 * kSecond).error(), EHOSTUNREACH);
    // ...and once the failure expires, a new resolution starts.
    cache.on_timers(3 * kSecond + ArpConfig{}.failed_time);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Free);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 9, 9 * kSecond).is_ok());
    EXPECT_EQ(link.take().size(), 1u);
}

TEST(ArpCache, TheWaitingQueueDropsTheOldestPacketWhenFull) {
    FakeLink link;
    ArpConfig config;
    config.max_pending_packets = 3;
    ArpCache cache(link, config);
    for (u8 i = 1; i <= 5; i++) ASSERT_TRUE(send_packet(cache, kPeerIp, i, 0).is_ok());
    EXPECT_EQ(cache.stats().pending_dropped, 2u);
    link.take();
    Bytes reply = reply_from(kPeerMac, kPeerIp);
    cache.receive(reply.data(), reply.size(), 1);
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 3u);
    EXPECT_EQ(sent[0].payload[0], 3);
    EXPECT_EQ(sent[2].payload[0], 5);
}

TEST(ArpCache, WaitingBytesAreBoundedPerNeighbourAndOverall) {
    FakeLink link;
    ArpConfig config;
    config.max_pending_bytes = 1000;
    config.max_total_pending_bytes = 1500;
    ArpCache cache(link, config);
    EXPECT_EQ(send_packet(cache, kPeerIp, 1, 0, 1001).error(), ENOBUFS);  // bigger than the bound
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 0, 600).is_ok());
    ASSERT_TRUE(send_packet(cache, kPeerIp, 2, 0, 600).is_ok());  // pushes out the first
    EXPECT_EQ(cache.stats().pending_dropped, 2u);
    ASSERT_TRUE(send_packet(cache, kGatewayIp, 3, 0, 800).is_ok());
    // Another 800 for the gateway pushes out its own older packet (its 1000-byte bound).
    ASSERT_TRUE(send_packet(cache, kGatewayIp, 4, 0, 800).is_ok());
    EXPECT_EQ(cache.stats().pending_dropped, 3u);
    // 600 + 800 are held: a third neighbour's 100 bytes fit the 1500 overall, 200 do not.
    ASSERT_TRUE(send_packet(cache, kFarIp, 5, 0, 100).is_ok());
    EXPECT_EQ(send_packet(cache, kFarIp, 6, 0, 200).error(), ENOBUFS);
}

TEST(ArpCache, AReachableEntryGoesStaleAndIsCheckedByUnicastWhenNextUsed) {
    FakeLink link;
    ArpCache cache(link);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 0).is_ok());
    Bytes reply = reply_from(kPeerMac, kPeerIp);
    cache.receive(reply.data(), reply.size(), 0);
    link.take();
    cache.on_timers(30 * kSecond);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Stale);
    // Still used at once, with a unicast request alongside.
    ASSERT_TRUE(send_packet(cache, kPeerIp, 2, 31 * kSecond).is_ok());
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 2u);
    EXPECT_EQ(sent[0].ether_type, link::kEtherTypeArp);
    EXPECT_EQ(sent[0].destination, kPeerMac);
    EXPECT_EQ(sent[1].ether_type, link::kEtherTypeIpv4);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Probe);
    cache.receive(reply.data(), reply.size(), 31 * kSecond + 5);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Reachable);
}

TEST(ArpCache, AnUnansweredProbeForgetsTheNeighbour) {
    FakeLink link;
    ArpCache cache(link);
    Bytes request = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kOurIp);
    cache.receive(request.data(), request.size(), 0);
    cache.on_timers(30 * kSecond);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 30 * kSecond).is_ok());
    for (int i = 1; i <= 3; i++) cache.on_timers(30 * kSecond + i * kSecond);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Free);
}

TEST(ArpCache, AStaleEntryNobodyUsesIsForgotten) {
    FakeLink link;
    ArpCache cache(link);
    Bytes request = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kOurIp);
    cache.receive(request.data(), request.size(), 0);
    cache.on_timers(30 * kSecond);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Stale);
    cache.on_timers(90 * kSecond);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Free);
    EXPECT_EQ(cache.next_deadline(), kNoDeadline);
}

TEST(ArpCache, AnswersRequestsForOurAddressAndLearnsTheAsker) {
    FakeLink link;
    ArpCache cache(link);
    Bytes request = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kOurIp);
    cache.receive(request.data(), request.size(), 0);
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].destination, kPeerMac);
    auto reply = parse(sent[0].payload);
    EXPECT_EQ(reply.operation, link::kArpReply);
    EXPECT_EQ(reply.sender_mac, kOurMac);
    EXPECT_EQ(reply.sender_ip, kOurIp);
    EXPECT_EQ(reply.target_mac, kPeerMac);
    EXPECT_EQ(reply.target_ip, kPeerIp);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Reachable);
}

TEST(ArpCache, IgnoresRequestsForOtherAddressesAndAnswersNothingWithoutAnAddress) {
    FakeLink link;
    ArpCache cache(link);
    Bytes other = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kGatewayIp);
    cache.receive(other.data(), other.size(), 0);
    EXPECT_TRUE(link.take().empty());
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Free);  // not for us: not learnt
    link.address = kIpv4Any;
    Bytes probe = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kIpv4Any);
    cache.receive(probe.data(), probe.size(), 0);
    EXPECT_TRUE(link.take().empty());
}

TEST(ArpCache, SomeoneClaimingOurAddressIsCountedNotLearnt) {
    FakeLink link;
    ArpCache cache(link);
    Bytes claim = arp_packet(2, kPeerMac, kOurIp, kOurMac, kOurIp);
    cache.receive(claim.data(), claim.size(), 0);
    EXPECT_EQ(cache.stats().conflicts, 1u);
    EXPECT_EQ(cache.state_of(kOurIp), NeighbourState::Free);
}

TEST(ArpCache, BogusSendersAndMalformedPacketsAreCountedAsInvalid) {
    FakeLink link;
    ArpCache cache(link);
    Bytes multicast_sender = arp_packet(1, kMacBroadcast, kPeerIp, MacAddress{}, kOurIp);
    cache.receive(multicast_sender.data(), multicast_sender.size(), 0);
    Bytes truncated = arp_packet(1, kPeerMac, kPeerIp, MacAddress{}, kOurIp);
    cache.receive(truncated.data(), 20, 0);
    EXPECT_EQ(cache.stats().invalid, 2u);
    EXPECT_TRUE(link.take().empty());
}

TEST(ArpCache, AnnounceSendsAGratuitousRequestForOurOwnAddress) {
    FakeLink link;
    ArpCache cache(link);
    cache.announce(0);
    auto sent = link.take();
    ASSERT_EQ(sent.size(), 1u);
    EXPECT_EQ(sent[0].destination, kMacBroadcast);
    auto g = parse(sent[0].payload);
    EXPECT_EQ(g.operation, link::kArpRequest);
    EXPECT_EQ(g.sender_ip, kOurIp);
    EXPECT_EQ(g.target_ip, kOurIp);
}

TEST(ArpCache, TheTableIsBoundedAndEvictsTheLeastUsefulEntry) {
    FakeLink link;
    ArpConfig config;
    config.max_entries = 4;
    ArpCache cache(link, config);
    for (u8 i = 1; i <= 4; i++) {
        Ipv4Address ip = Ipv4Address::from_octets(10, 0, 2, static_cast<u8>(100 + i));
        MacAddress mac{{2, 0, 0, 0, 0, i}};
        Bytes request = arp_packet(1, mac, ip, MacAddress{}, kOurIp);
        cache.receive(request.data(), request.size(), i);
    }
    // The oldest reachable entry makes room for a new resolution.
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 10).is_ok());
    EXPECT_EQ(cache.stats().evictions, 1u);
    EXPECT_EQ(cache.state_of(Ipv4Address::from_octets(10, 0, 2, 101)), NeighbourState::Free);
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Incomplete);
    usize count = 0;
    cache.for_each([&](const link::NeighbourView&) { count++; });
    EXPECT_EQ(count, 4u);
}

TEST(ArpCache, FlushDropsEverythingIncludingWaitingPackets) {
    FakeLink link;
    ArpCache cache(link);
    ASSERT_TRUE(send_packet(cache, kPeerIp, 1, 0).is_ok());
    cache.flush();
    EXPECT_EQ(cache.state_of(kPeerIp), NeighbourState::Free);
    EXPECT_EQ(cache.stats().pending_dropped, 1u);
    EXPECT_EQ(cache.next_deadline(), kNoDeadline);
}

}  // namespace
