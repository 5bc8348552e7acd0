#include "net/netlink/route_messages.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

using namespace net;
using namespace net::netlink;

namespace {

u32 u32_at(const u8* p) { u32 v; memcpy(&v, p, 4); return v; }
u16 u16_at(const u8* p) { u16 v; memcpy(&v, p, 2); return v; }

// The attributes of one message after its fixed part, by type.
std::map<u16, std::vector<u8>> attributes(const u8* message, usize fixed) {
    std::map<u16, std::vector<u8>> out;
    u32 length = u32_at(message);
    usize offset = kHeaderSize + align4(fixed);
    while (offset + 4 <= length) {
        u16 attr_length = u16_at(message + offset);
        u16 type = u16_at(message + offset + 2);
        EXPECT_GE(attr_length, 4);
        out[type] = std::vector<u8>(message + offset + 4, message + offset + attr_length);
        offset += align4(attr_length);
    }
    EXPECT_EQ(offset, length);
    return out;
}

std::vector<u8> dump_request(u16 type, u32 seq, u32 port) {
    std::vector<u8> m(kHeaderSize + 16, 0);
    u32 len = static_cast<u32>(m.size());
    memcpy(&m[0], &len, 4);
    memcpy(&m[4], &type, 2);
    u16 flags = NLM_F_REQUEST | NLM_F_DUMP;
    memcpy(&m[6], &flags, 2);
    memcpy(&m[8], &seq, 4);
    memcpy(&m[12], &port, 4);
    return m;
}

LinkInfo loopback() {
    LinkInfo l;
    l.index = 1;
    strcpy(l.name, "lo");
    l.type = ARPHRD_LOOPBACK;
    l.flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP;
    l.mtu = 65536;
    l.counters.rx_packets = 7;
    return l;
}

}  // namespace

TEST(NetlinkRoute, ParsesADumpRequest) {
    auto m = dump_request(RTM_GETADDR, 42, 1234);
    auto r = parse_request(m.data(), m.size());
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r.value().type, RTM_GETADDR);
    EXPECT_TRUE(r.value().dump());
    EXPECT_EQ(r.value().sequence, 42u);
    EXPECT_EQ(r.value().port, 1234u);
    EXPECT_EQ(r.value().length, m.size());
}

TEST(NetlinkRoute, RejectsTruncatedOrInconsistentHeaders) {
    auto m = dump_request(RTM_GETLINK, 1, 0);
    EXPECT_TRUE(parse_request(m.data(), 10).is_error());
    u32 too_long = static_cast<u32>(m.size() + 1);
    memcpy(&m[0], &too_long, 4);
    EXPECT_TRUE(parse_request(m.data(), m.size()).is_error());
    u32 too_short = 8;
    memcpy(&m[0], &too_short, 4);
    EXPECT_TRUE(parse_request(m.data(), m.size()).is_error());
}

TEST(NetlinkRoute, GetLinkForOneInterfaceByIndexOrName) {
    std::vector<u8> m(kHeaderSize + 16 + 8, 0);
    u32 len = static_cast<u32>(m.size());
    memcpy(&m[0], &len, 4);
    u16 type = RTM_GETLINK;
    memcpy(&m[4], &type, 2);
    i32 index = 2;
    memcpy(&m[kHeaderSize + 4], &index, 4);
    u16 attr_len = 7, attr_type = 3;  // IFLA_IFNAME "lo\0"
    memcpy(&m[kHeaderSize + 16], &attr_len, 2);
    memcpy(&m[kHeaderSize + 18], &attr_type, 2);
    memcpy(&m[kHeaderSize + 20], "lo", 3);
    auto r = parse_request(m.data(), m.size());
    ASSERT_TRUE(r.is_ok());
    EXPECT_FALSE(r.value().dump());
    EXPECT_EQ(r.value().index, 2);
    EXPECT_STREQ(r.value().name, "lo");
}

TEST(NetlinkRoute, LinkMessageCarriesNameMtuFlagsAndCounters) {
    u8 buffer[512];
    Writer w(buffer, sizeof buffer);
    Request request;
    request.sequence = 9;
    request.port = 77;
    ASSERT_TRUE(w.add_link(loopback(), request, NLM_F_MULTI));
    EXPECT_EQ(u32_at(buffer), w.length());
    EXPECT_EQ(u16_at(buffer + 4), RTM_NEWLINK);
    EXPECT_EQ(u16_at(buffer + 6), NLM_F_MULTI);
    EXPECT_EQ(u32_at(buffer + 8), 9u);
    EXPECT_EQ(u32_at(buffer + 12), 77u);
    EXPECT_EQ(u16_at(buffer + kHeaderSize + 2), ARPHRD_LOOPBACK);
    EXPECT_EQ(u32_at(buffer + kHeaderSize + 4), 1u);
    EXPECT_EQ(u32_at(buffer + kHeaderSize + 8), IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP);
    auto attrs = attributes(buffer, 16);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(attrs[3].data())), "lo");  // IFLA_IFNAME
    EXPECT_EQ(u32_at(attrs[4].data()), 65536u);                            // IFLA_MTU
    ASSERT_EQ(attrs[23].size(), 24u * 8);                                  // IFLA_STATS64
    u64 rx_packets;
    memcpy(&rx_packets, attrs[23].data(), 8);
    EXPECT_EQ(rx_packets, 7u);
    EXPECT_EQ(attrs[1].size(), 6u);  // IFLA_ADDRESS
}

TEST(NetlinkRoute, AddressMessageHasLocalAddressPrefixAndLabel) {
    u8 buffer[256];
    Writer w(buffer, sizeof buffer);
    AddressInfo a;
    a.index = 2;
    a.address = Ipv4Address::from_octets(10, 0, 2, 15);
    a.prefix_length = 24;
    a.broadcast = Ipv4Address::from_octets(10, 0, 2, 255);
    strcpy(a.label, "eth0");
    ASSERT_TRUE(w.add_address(a, Request{}, NLM_F_MULTI));
    EXPECT_EQ(u16_at(buffer + 4), RTM_NEWADDR);
    EXPECT_EQ(buffer[kHeaderSize], 2);       // AF_INET
    EXPECT_EQ(buffer[kHeaderSize + 1], 24);  // prefix
    EXPECT_EQ(u32_at(buffer + kHeaderSize + 4), 2u);
    auto attrs = attributes(buffer, 8);
    std::vector<u8> expected{10, 0, 2, 15};
    EXPECT_EQ(attrs[2], expected);  // IFA_LOCAL
    EXPECT_EQ(attrs[1], expected);  // IFA_ADDRESS
    EXPECT_EQ(attrs[4], (std::vector<u8>{10, 0, 2, 255}));
    EXPECT_EQ(std::string(reinterpret_cast<char*>(attrs[3].data())), "eth0");
}

TEST(NetlinkRoute, DefaultRouteHasGatewayAndNoDestination) {
    u8 buffer[256];
    Writer w(buffer, sizeof buffer);
    RouteInfo r;
    r.gateway = Ipv4Address::from_octets(10, 0, 2, 2);
    r.output_index = 2;
    r.protocol = RTPROT_DHCP;
    ASSERT_TRUE(w.add_route(r, Request{}, NLM_F_MULTI));
    EXPECT_EQ(u16_at(buffer + 4), RTM_NEWROUTE);
    EXPECT_EQ(buffer[kHeaderSize + 1], 0);  // dst_len
    EXPECT_EQ(buffer[kHeaderSize + 4], RT_TABLE_MAIN);
    auto attrs = attributes(buffer, 12);
    EXPECT_EQ(attrs.count(1), 0u);  // no RTA_DST
    EXPECT_EQ(attrs[5], (std::vector<u8>{10, 0, 2, 2}));
    EXPECT_EQ(u32_at(attrs[4].data()), 2u);
}

TEST(NetlinkRoute, DoneAndErrorMessages) {
    u8 buffer[128];
    Writer w(buffer, sizeof buffer);
    Request request;
    request.type = RTM_GETNEIGH;
    request.length = 32;
    request.sequence = 5;
    ASSERT_TRUE(w.add_done(request));
    EXPECT_EQ(u16_at(buffer + 4), NLMSG_DONE);
    EXPECT_EQ(u32_at(buffer), 20u);
    usize first = w.length();
    ASSERT_TRUE(w.add_error(EOPNOTSUPP, request));
    const u8* e = buffer + first;
    EXPECT_EQ(u16_at(e + 4), NLMSG_ERROR);
    EXPECT_EQ(static_cast<i32>(u32_at(e + kHeaderSize)), -EOPNOTSUPP);
    EXPECT_EQ(u16_at(e + kHeaderSize + 8), RTM_GETNEIGH);
    EXPECT_EQ(u32_at(e + kHeaderSize + 12), 5u);
}

TEST(NetlinkRoute, AMessageThatDoesNotFitLeavesTheBufferAsItWas) {
    u8 buffer[120];
    Writer w(buffer, sizeof buffer);
    ASSERT_TRUE(w.add_done(Request{}));
    usize before = w.length();
    EXPECT_FALSE(w.add_link(loopback(), Request{}, NLM_F_MULTI));  // stats alone are 196 bytes
    EXPECT_EQ(w.length(), before);
    EXPECT_TRUE(w.add_done(Request{}));
}

TEST(NetlinkRoute, WalksEveryMessageOfADatagramAndStopsAtAnUnpaddedTail) {
    auto a = dump_request(RTM_GETLINK, 1, 0);
    auto b = dump_request(RTM_GETADDR, 2, 0);
    std::vector<u8> datagram = a;
    datagram.insert(datagram.end(), b.begin(), b.end());
    std::vector<u32> seen;
    EXPECT_EQ(for_each_request(datagram.data(), datagram.size(), [&](const Request& r) { seen.push_back(r.sequence); }), 2u);
    EXPECT_EQ(seen, (std::vector<u32>{1, 2}));
    // A last message of 34 bytes in a 34-byte tail: its padding is missing, and the walk
    // must end there instead of stepping past the datagram (found by the fuzzer).
    std::vector<u8> odd(kHeaderSize + 18, 0);
    u32 len = static_cast<u32>(odd.size());
    memcpy(&odd[0], &len, 4);
    EXPECT_EQ(for_each_request(odd.data(), odd.size(), [](const Request&) {}), 1u);
}

TEST(NetlinkRoute, AnUnpaddedLastAttributeEndsTheWalkInsideTheMessage) {
    // ifinfomsg, then IFLA_IFNAME "lo" of length 7 as the very last bytes (no padding).
    std::vector<u8> m(kHeaderSize + 16 + 7, 0);
    u32 len = static_cast<u32>(m.size());
    memcpy(&m[0], &len, 4);
    u16 type = RTM_GETLINK, attr_len = 7, attr_type = 3;
    memcpy(&m[4], &type, 2);
    memcpy(&m[kHeaderSize + 16], &attr_len, 2);
    memcpy(&m[kHeaderSize + 18], &attr_type, 2);
    memcpy(&m[kHeaderSize + 20], "lo", 3);
    auto r = parse_request(m.data(), m.size());
    ASSERT_TRUE(r.is_ok());
    EXPECT_STREQ(r.value().name, "lo");
}
