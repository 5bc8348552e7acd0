#include <gtest/gtest.h>

#include "net/ipv4/header.h"
#include "net/ipv4/path_mtu.h"
#include "net/ipv4/routes.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using ipv4::HeaderError;
using ipv4::Route;
using ipv4::RoutingTable;

HeaderError parse(const Bytes& p, ipv4::Header& h) { return ipv4::parse_header(p.data(), p.size(), h); }

TEST(Ipv4Header, ParsesEveryFieldOfAValidHeader) {
    IpFields f;
    f.protocol = kProtoTcp;
    f.id = 0xbeef;
    f.fragment_offset = 1480;
    f.more_fragments = true;
    f.ttl = 17;
    f.tos = 0x10;
    f.options = 8;
    Bytes p = ipv4_packet(f, Bytes(16, 0));
    ipv4::Header h;
    ASSERT_EQ(parse(p, h), HeaderError::None);
    EXPECT_EQ(h.header_length, 28u);
    EXPECT_EQ(h.total_length, 44u);
    EXPECT_EQ(h.payload_length(), 16u);
    EXPECT_EQ(h.id, 0xbeef);
    EXPECT_EQ(h.fragment_offset, 1480u);
    EXPECT_TRUE(h.more_fragments);
    EXPECT_FALSE(h.dont_fragment);
    EXPECT_TRUE(h.is_fragment());
    EXPECT_EQ(h.ttl, 17);
    EXPECT_EQ(h.tos, 0x10);
    EXPECT_EQ(h.protocol, kProtoTcp);
    EXPECT_EQ(h.source, kPeerIp);
    EXPECT_EQ(h.destination, kOurIp);
}

TEST(Ipv4Header, LinkPaddingAfterTheTotalLengthIsAllowed) {
    Bytes p = ipv4_packet({}, Bytes(4, 0));
    p.resize(46, 0);
    ipv4::Header h;
    ASSERT_EQ(parse(p, h), HeaderError::None);
    EXPECT_EQ(h.total_length, 24u);
}

TEST(Ipv4Header, EachMalformationHasItsOwnVerdict) {
    ipv4::Header h;
    Bytes good = ipv4_packet({}, Bytes(8, 0));
    EXPECT_EQ(ipv4::parse_header(good.data(), 19, h), HeaderError::Truncated);
    Bytes p = good;
    p[0] = 0x65;
    EXPECT_EQ(parse(p, h), HeaderError::BadVersion);
    p = good;
    p[0] = 0x44;
    EXPECT_EQ(parse(p, h), HeaderError::BadHeaderLength);
    p = good;
    p[0] = 0x4f;  // 60-byte header in a 28-byte packet
    EXPECT_EQ(parse(p, h), HeaderError::Truncated);
    p = good;
    store_be16(&p[2], 100);  // longer than what arrived
    EXPECT_EQ(parse(p, h), HeaderError::Truncated);
    p = good;
    store_be16(&p[2], 12);  // shorter than its header
    EXPECT_EQ(parse(p, h), HeaderError::BadHeaderLength);
    p = good;
    p[8] ^= 1;
    EXPECT_EQ(parse(p, h), HeaderError::BadChecksum);
}

TEST(Ipv4Header, AFragmentReachingPast65535IsRefused) {
    IpFields f;
    f.fragment_offset = 65528;
    f.more_fragments = false;
    Bytes p = ipv4_packet(f, Bytes(16, 0));
    ipv4::Header h;
    EXPECT_EQ(parse(p, h), HeaderError::BadFragment);
}

TEST(Ipv4Header, WriteThenParseRoundTripsAndPatchingAFragmentKeepsTheChecksumValid) {
    ipv4::Header h;
    h.tos = 4;
    h.total_length = 60;
    h.id = 77;
    h.dont_fragment = true;
    h.ttl = 9;
    h.protocol = kProtoUdp;
    h.source = kOurIp;
    h.destination = kFarIp;
    u8 b[60] = {};
    ipv4::write_header(b, h);
    ipv4::Header back;
    ASSERT_EQ(ipv4::parse_header(b, 60, back), HeaderError::None);
    EXPECT_EQ(back.id, 77);
    EXPECT_TRUE(back.dont_fragment);
    EXPECT_EQ(back.destination, kFarIp);
    ipv4::patch_fragment(b, 20, 36, 24, true);
    ASSERT_EQ(ipv4::parse_header(b, 36, back), HeaderError::None);
    EXPECT_EQ(back.fragment_offset, 24u);
    EXPECT_TRUE(back.more_fragments);
    EXPECT_TRUE(back.dont_fragment);
    EXPECT_EQ(back.total_length, 36u);
}

Route route(Ipv4Address a, u8 length, unsigned index, Ipv4Address gateway = kIpv4Any, u32 metric = 0) {
    Route r;
    r.destination = {a, length};
    r.interface_index = index;
    r.gateway = gateway;
    r.metric = metric;
    return r;
}

TEST(RoutingTable, TheLongestMatchingPrefixWins) {
    RoutingTable t;
    ASSERT_TRUE(t.add(route(kIpv4Any, 0, 2, kGatewayIp)).is_ok());
    ASSERT_TRUE(t.add(route(Ipv4Address::from_octets(10, 0, 2, 0), 24, 2)).is_ok());
    ASSERT_TRUE(t.add(route(Ipv4Address::from_octets(10, 0, 0, 0), 8, 3)).is_ok());
    ASSERT_TRUE(t.add(route(kFarIp, 32, 4)).is_ok());
    EXPECT_EQ(t.lookup(kPeerIp)->interface_index, 2u);
    EXPECT_EQ(t.lookup(kPeerIp)->destination.length, 24);
    EXPECT_EQ(t.lookup(Ipv4Address::from_octets(10, 9, 9, 9))->interface_index, 3u);
    EXPECT_EQ(t.lookup(kFarIp)->interface_index, 4u);
    const Route* def = t.lookup(Ipv4Address::from_octets(8, 8, 8, 8));
    ASSERT_NE(def, nullptr);
    EXPECT_EQ(def->next_hop(Ipv4Address::from_octets(8, 8, 8, 8)), kGatewayIp);
    EXPECT_EQ(t.lookup(kPeerIp)->next_hop(kPeerIp), kPeerIp);  // on-link
}

TEST(RoutingTable, EqualPrefixesGoByMetricAndUnusableInterfacesAreSkipped) {
    RoutingTable t;
    ASSERT_TRUE(t.add(route(kIpv4Any, 0, 3, kGatewayIp, 3)).is_ok());
    ASSERT_TRUE(t.add(route(kIpv4Any, 0, 2, kGatewayIp, 2)).is_ok());
    EXPECT_EQ(t.lookup(kFarIp)->interface_index, 2u);
    EXPECT_EQ(t.lookup(kFarIp, [](unsigned i) { return i != 2; })->interface_index, 3u);
    EXPECT_EQ(t.lookup(kFarIp, [](unsigned) { return false; }), nullptr);
}

TEST(RoutingTable, NoRouteWithoutADefault) {
    RoutingTable t;
    ASSERT_TRUE(t.add(route(Ipv4Address::from_octets(10, 0, 2, 0), 24, 2)).is_ok());
    EXPECT_EQ(t.lookup(kFarIp), nullptr);
}

TEST(RoutingTable, DuplicatesFullTablesAndRemovalAreReported) {
    RoutingTable t;
    ASSERT_TRUE(t.add(route(Ipv4Address::from_octets(10, 0, 2, 77), 24, 2)).is_ok());
    EXPECT_EQ(t[0].destination.address, Ipv4Address::from_octets(10, 0, 2, 0));  // stored as the network
    EXPECT_EQ(t.add(route(Ipv4Address::from_octets(10, 0, 2, 0), 24, 3)).error(), EEXIST);
    EXPECT_EQ(t.add(route(kIpv4Any, 33, 2)).error(), EINVAL);
    EXPECT_EQ(t.remove({kFarIp, 32}, 0).error(), ESRCH);
    EXPECT_TRUE(t.remove({Ipv4Address::from_octets(10, 0, 2, 1), 24}, 0).is_ok());
    EXPECT_EQ(t.size(), 0u);
    for (usize i = 0; i < RoutingTable::kMaxRoutes; i++)
        ASSERT_TRUE(t.add(route(Ipv4Address{static_cast<u32>(i << 8)}, 24, 2)).is_ok());
    EXPECT_EQ(t.add(route(kFarIp, 32, 2)).error(), ENOBUFS);
}

TEST(PathMtuCache, RecordsOnlyLowerMtusAndNeverBelowTheFloor) {
    ipv4::PathMtuCache c;
    EXPECT_EQ(c.update(kFarIp, 1500, 1500, 0), 0u);  // not lower than the route's
    EXPECT_EQ(c.lookup(kFarIp), 0u);
    EXPECT_EQ(c.update(kFarIp, 1400, 1500, 0), 1400u);
    EXPECT_EQ(c.update(kFarIp, 1450, 1500, 0), 1400u);  // a higher report changes nothing
    EXPECT_EQ(c.lookup(kFarIp), 1400u);
    EXPECT_EQ(c.update(kFarIp, 100, 1500, 0), ipv4::kMinPathMtu);
    EXPECT_EQ(c.lookup(kFarIp), ipv4::kMinPathMtu);
}

TEST(PathMtuCache, EntriesExpireAfterTenMinutes) {
    ipv4::PathMtuCache c;
    c.update(kFarIp, 1400, 1500, 5);
    EXPECT_EQ(c.next_deadline(), 5 + 600 * kSecond);
    c.on_timers(4 + 600 * kSecond);
    EXPECT_EQ(c.lookup(kFarIp), 1400u);
    c.on_timers(5 + 600 * kSecond);
    EXPECT_EQ(c.lookup(kFarIp), 0u);
    EXPECT_EQ(c.next_deadline(), kNoDeadline);
}

TEST(PathMtuCache, IsBoundedAndReplacesTheEntryClosestToExpiry) {
    ipv4::PathMtuCache c;
    for (u32 i = 0; i < ipv4::PathMtuCache::kMaxEntries + 5; i++) c.update(Ipv4Address{0x0b000000 + i}, 1000, 1500, i);
    EXPECT_EQ(c.size(), ipv4::PathMtuCache::kMaxEntries);
    EXPECT_EQ(c.lookup(Ipv4Address{0x0b000000}), 0u);  // the oldest went
    EXPECT_EQ(c.lookup(Ipv4Address{0x0b000000 + ipv4::PathMtuCache::kMaxEntries + 4}), 1000u);
}

TEST(PathMtuCache, PlateausStepBelowThePacketThatDidNotFit) {
    EXPECT_EQ(ipv4::next_lower_plateau(1500), 1492u);
    EXPECT_EQ(ipv4::next_lower_plateau(1492), 1006u);
    EXPECT_EQ(ipv4::next_lower_plateau(65535), 32000u);
    EXPECT_EQ(ipv4::next_lower_plateau(60), 68u);
}

}  // namespace
