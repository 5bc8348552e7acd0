#include <gtest/gtest.h>

#include "net/dhcp/client.h"
#include "net/dhcp/message.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using namespace net::dhcp;

constexpr Ipv4Address kServer = Ipv4Address::from_octets(10, 0, 2, 2);
constexpr Ipv4Address kOffered = Ipv4Address::from_octets(10, 0, 2, 15);
constexpr Ipv4Address kDns = Ipv4Address::from_octets(10, 0, 2, 3);

// A server's reply, as a scripted server sends it.
struct Reply {
    u8 type = kOffer;
    u32 xid = 0;
    MacAddress chaddr = kOurMac;
    Ipv4Address yiaddr = kOffered;
    std::optional<Ipv4Address> server_id = kServer;
    std::optional<Ipv4Address> mask = Ipv4Address::from_octets(255, 255, 255, 0);
    std::optional<Ipv4Address> router = kServer;
    std::vector<Ipv4Address> dns = {kDns};
    const char* domain = "example.internal";
    std::optional<u32> lease = 86400;
    std::optional<u32> t1, t2;
    std::optional<u16> mtu;
    u8 op = 2;
};

void option(Bytes& b, u8 code, const Bytes& value) {
    b.push_back(code);
    b.push_back(static_cast<u8>(value.size()));
    b.insert(b.end(), value.begin(), value.end());
}
Bytes addr(Ipv4Address a) {
    Bytes b(4);
    a.store(b.data());
    return b;
}
Bytes be32(u32 v) {
    Bytes b(4);
    store_be32(b.data(), v);
    return b;
}

Bytes build(const Reply& r) {
    Bytes b(240, 0);
    b[0] = r.op;
    b[1] = 1;
    b[2] = 6;
    store_be32(&b[4], r.xid);
    r.yiaddr.store(&b[16]);
    r.chaddr.store(&b[28]);
    store_be32(&b[236], 0x63825363);
    option(b, kOptionMessageType, {r.type});
    if (r.server_id) option(b, kOptionServerId, addr(*r.server_id));
    if (r.mask) option(b, kOptionSubnetMask, addr(*r.mask));
    if (r.router) option(b, kOptionRouter, addr(*r.router));
    if (!r.dns.empty()) {
        Bytes d;
        for (auto a : r.dns) {
            Bytes x = addr(a);
            d.insert(d.end(), x.begin(), x.end());
        }
        option(b, kOptionDnsServer, d);
    }
    if (r.domain) option(b, kOptionDomainName, bytes_of(r.domain));
    if (r.lease) option(b, kOptionLeaseTime, be32(*r.lease));
    if (r.t1) option(b, kOptionRenewalTime, be32(*r.t1));
    if (r.t2) option(b, kOptionRebindingTime, be32(*r.t2));
    if (r.mtu) option(b, kOptionInterfaceMtu, {static_cast<u8>(*r.mtu >> 8), static_cast<u8>(*r.mtu)});
    b.push_back(kOptionEnd);
    if (b.size() < 300) b.resize(300, 0);
    return b;
}

class FakeOutput final : public ClientOutput {
public:
    struct Sent {
        Message message;
        Bytes bytes;
        Ipv4Address source, destination;
        Nanos at;
    };
    void send_dhcp(const u8* m, usize length, Ipv4Address source, Ipv4Address destination, Nanos now) override {
        auto parsed = parse_message(m, length);
        ASSERT_TRUE(parsed);
        sent.push_back({*parsed, Bytes(m, m + length), source, destination, now});
    }
    void lease_acquired(const Lease& lease, Nanos) override { leases.push_back(lease); }
    void lease_lost(Nanos) override { lost++; }

    std::vector<Sent> sent;
    std::vector<Lease> leases;
    int lost = 0;
};

struct ClientFixture {
    FakeRandom random;
    FakeOutput out;
    Client client{kOurMac, random, out};
    Nanos now = 5 * kSecond;

    void give(const Reply& r) {
        Bytes b = build(r);
        client.receive(b.data(), b.size(), now);
    }
    u32 xid() const { return out.sent.back().message.xid; }
    // DISCOVER, OFFER, REQUEST, ACK.
    void bind(Reply ack = {}) {
        client.start("osprey", now);
        Reply offer;
        offer.xid = xid();
        give(offer);
        ack.type = kAck;
        ack.xid = xid();
        give(ack);
    }
    void run_until(Nanos t) {
        while (client.next_deadline() != kNoDeadline && client.next_deadline() <= t) {
            now = client.next_deadline();
            client.on_timers(now);
        }
        now = t;
    }
};

// ---- Messages ----

TEST(DhcpMessage, ParsesWhatAServerSends) {
    Reply r;
    r.xid = 0xabcdef01;
    r.t1 = 100;
    r.t2 = 200;
    r.mtu = 1400;
    r.dns = {kDns, kServer, kOffered, kFarIp};
    Bytes b = build(r);
    auto m = parse_message(b.data(), b.size());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op, 2);
    EXPECT_EQ(m->xid, 0xabcdef01u);
    EXPECT_EQ(m->message_type, kOffer);
    EXPECT_EQ(m->yiaddr, kOffered);
    EXPECT_EQ(m->chaddr, kOurMac);
    EXPECT_EQ(*m->server_id, kServer);
    EXPECT_EQ(*m->subnet_mask, Ipv4Address::from_octets(255, 255, 255, 0));
    EXPECT_EQ(*m->router, kServer);
    ASSERT_EQ(m->dns_count, kMaxDnsServers);  // the fourth is not kept
    EXPECT_EQ(m->dns[0], kDns);
    EXPECT_STREQ(m->domain_name, "example.internal");
    EXPECT_EQ(*m->lease_time, 86400u);
    EXPECT_EQ(*m->renewal_time, 100u);
    EXPECT_EQ(*m->rebinding_time, 200u);
    EXPECT_EQ(*m->mtu, 1400u);
}

TEST(DhcpMessage, OverloadedFileAndSnameFieldsHoldMoreOptions) {
    Reply r;
    r.lease = std::nullopt;
    r.domain = nullptr;
    Bytes b = build(r);
    b.resize(240);
    option(b, kOptionMessageType, {kAck});
    option(b, kOptionOverload, {3});
    b.push_back(kOptionEnd);
    // The file field (108..235) carries the lease time, sname (44..107) the domain.
    usize at = 108;
    b[at++] = kOptionLeaseTime;
    b[at++] = 4;
    store_be32(&b[at], 600);
    b[at + 4] = kOptionEnd;
    at = 44;
    b[at++] = kOptionDomainName;
    b[at++] = 3;
    b[at++] = 'l';
    b[at++] = 'a';
    b[at++] = 'n';
    b[at] = kOptionEnd;
    auto m = parse_message(b.data(), b.size());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->message_type, kAck);
    EXPECT_EQ(*m->lease_time, 600u);
    EXPECT_STREQ(m->domain_name, "lan");
}

TEST(DhcpMessage, MalformedMessagesAreRejected) {
    Bytes good = build({});
    EXPECT_TRUE(parse_message(good.data(), good.size()));
    EXPECT_FALSE(parse_message(good.data(), 239));
    Bytes bad = good;
    bad[236] = 0;  // magic cookie
    EXPECT_FALSE(parse_message(bad.data(), bad.size()));
    bad = good;
    bad[1] = 6;  // not Ethernet
    EXPECT_FALSE(parse_message(bad.data(), bad.size()));
    // An option whose length runs past the end.
    bad.assign(good.begin(), good.begin() + 240);
    bad.push_back(kOptionDomainName);
    bad.push_back(50);
    bad.push_back('a');
    EXPECT_FALSE(parse_message(bad.data(), bad.size()));
    // A code with no room for its length byte.
    bad.assign(good.begin(), good.begin() + 240);
    bad.push_back(kOptionRouter);
    EXPECT_FALSE(parse_message(bad.data(), bad.size()));
}

TEST(DhcpMessage, OptionsOfTheWrongSizeAreIgnored) {
    Bytes b(240, 0);
    b[1] = 1;
    b[2] = 6;
    store_be32(&b[236], 0x63825363);
    option(b, kOptionSubnetMask, {255, 255, 0});
    option(b, kOptionLeaseTime, {1, 2});
    option(b, kOptionMessageType, {});
    auto m = parse_message(b.data(), b.size());
    ASSERT_TRUE(m);
    EXPECT_FALSE(m->subnet_mask);
    EXPECT_FALSE(m->lease_time);
    EXPECT_EQ(m->message_type, 0);
}

TEST(DhcpMessage, OnlyPlainNamesAreKept) {
    char out[kMaxNameLength + 1];
    EXPECT_TRUE(copy_plain_name(out, reinterpret_cast<const u8*>("corp.example-1"), 14));
    EXPECT_STREQ(out, "corp.example-1");
    EXPECT_TRUE(copy_plain_name(out, reinterpret_cast<const u8*>("lan\0"), 4));  // trailing NUL
    EXPECT_STREQ(out, "lan");
    EXPECT_FALSE(copy_plain_name(out, reinterpret_cast<const u8*>("evil\nnameserver 6.6.6.6"), 23));
    EXPECT_FALSE(copy_plain_name(out, reinterpret_cast<const u8*>(""), 0));
    Bytes long_name(64, 'a');
    EXPECT_FALSE(copy_plain_name(out, long_name.data(), long_name.size()));
}

TEST(DhcpMessage, TheBuilderWritesFixedFieldsOptionsEndAndPadding) {
    MessageBuilder b(1, 0x11223344, 7, kBroadcastFlag, kOurIp, kOurMac);
    b.add_u8(kOptionMessageType, kDiscover);
    b.add_address(kOptionRequestedAddress, kOffered);
    b.finish();
    EXPECT_EQ(b.length(), kMinMessageSize);
    auto m = parse_message(b.bytes(), b.length());
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op, 1);
    EXPECT_EQ(m->xid, 0x11223344u);
    EXPECT_EQ(m->secs, 7);
    EXPECT_EQ(m->flags, kBroadcastFlag);
    EXPECT_EQ(m->ciaddr, kOurIp);
    EXPECT_EQ(m->chaddr, kOurMac);
    EXPECT_EQ(m->message_type, kDiscover);
    EXPECT_EQ(*m->requested_address, kOffered);
    // Options that would not fit are left out, never overflowing.
    Bytes big(255, 'x');
    for (int i = 0; i < 5; i++) b.add(kOptionHostName, big.data(), big.size());
    b.finish();
    EXPECT_LE(b.length(), MessageBuilder::kCapacity);
}

// ---- Client ----

TEST(DhcpClient, AFullExchangeEndsWithALease) {
    ClientFixture t;
    t.client.start("osprey", t.now);
    ASSERT_EQ(t.out.sent.size(), 1u);
    const auto discover = t.out.sent[0];
    EXPECT_EQ(discover.message.message_type, kDiscover);
    EXPECT_EQ(discover.message.op, 1);
    EXPECT_EQ(discover.message.flags, kBroadcastFlag);
    EXPECT_EQ(discover.message.chaddr, kOurMac);
    EXPECT_STREQ(discover.message.host_name, "osprey");
    EXPECT_EQ(discover.source, kIpv4Any);
    EXPECT_EQ(discover.destination, kIpv4Broadcast);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);

    Reply offer;
    offer.xid = discover.message.xid;
    t.give(offer);
    ASSERT_EQ(t.out.sent.size(), 2u);
    const auto request = t.out.sent[1];
    EXPECT_EQ(request.message.message_type, kRequest);
    EXPECT_EQ(request.message.xid, discover.message.xid);
    EXPECT_EQ(*request.message.requested_address, kOffered);
    EXPECT_EQ(*request.message.server_id, kServer);
    EXPECT_EQ(request.message.ciaddr, kIpv4Any);
    EXPECT_EQ(request.destination, kIpv4Broadcast);
    EXPECT_EQ(t.client.state(), ClientState::Requesting);

    Reply ack;
    ack.type = kAck;
    ack.xid = discover.message.xid;
    ack.mtu = 1400;
    t.give(ack);
    EXPECT_EQ(t.client.state(), ClientState::Bound);
    ASSERT_EQ(t.out.leases.size(), 1u);
    const Lease& lease = t.out.leases[0];
    EXPECT_EQ(lease.address, (Ipv4Prefix{kOffered, 24}));
    EXPECT_EQ(lease.router, kServer);
    EXPECT_EQ(lease.server, kServer);
    ASSERT_EQ(lease.dns_count, 1u);
    EXPECT_EQ(lease.dns[0], kDns);
    EXPECT_STREQ(lease.domain, "example.internal");
    EXPECT_EQ(lease.lease_seconds, 86400u);
    EXPECT_EQ(lease.renewal_seconds, 43200u);
    EXPECT_EQ(lease.rebinding_seconds, 75600u);
    EXPECT_EQ(lease.mtu, 1400u);
    EXPECT_EQ(t.client.next_deadline(), t.now + 43200 * kSecond);
}

TEST(DhcpClient, DiscoverIsRetransmittedWithRandomizedExponentialBackoff) {
    ClientFixture t;
    t.client.start(nullptr, t.now);
    Nanos expected[] = {4, 8, 16, 32, 64, 64, 64};
    Nanos previous = t.now;
    for (Nanos base : expected) {
        Nanos next = t.client.next_deadline();
        EXPECT_GE(next - previous, (base - 1) * kSecond);
        EXPECT_LE(next - previous, (base + 1) * kSecond);
        t.now = next;
        t.client.on_timers(t.now);
        previous = next;
    }
    EXPECT_EQ(t.out.sent.size(), 8u);
    for (auto& s : t.out.sent) EXPECT_EQ(s.message.message_type, kDiscover);
    // The secs field counts from the first DISCOVER; the xid stays.
    EXPECT_GT(t.out.sent.back().message.secs, 200);
    EXPECT_EQ(t.out.sent.back().message.xid, t.out.sent[0].message.xid);
}

TEST(DhcpClient, AnUnansweredRequestGivesUpAndDiscoversAgain) {
    ClientFixture t;
    t.client.start(nullptr, t.now);
    Reply offer;
    offer.xid = t.xid();
    t.give(offer);
    u32 first_xid = t.xid();
    for (unsigned i = 1; i < Client::kMaxRequests; i++) {
        t.now = t.client.next_deadline();
        t.client.on_timers(t.now);
        EXPECT_EQ(t.out.sent.back().message.message_type, kRequest);
    }
    t.now = t.client.next_deadline();
    t.client.on_timers(t.now);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);
    EXPECT_EQ(t.out.sent.back().message.message_type, kDiscover);
    EXPECT_NE(t.xid(), first_xid);
}

TEST(DhcpClient, ANakRestartsDiscoveryAfterAShortPause) {
    ClientFixture t;
    t.client.start(nullptr, t.now);
    Reply offer;
    offer.xid = t.xid();
    t.give(offer);
    Reply nak;
    nak.type = kNak;
    nak.xid = t.xid();
    t.give(nak);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);
    EXPECT_EQ(t.out.lost, 0);  // nothing was held
    usize sent = t.out.sent.size();
    EXPECT_EQ(t.client.next_deadline(), t.now + Client::kRestartDelay);
    t.run_until(t.now + Client::kRestartDelay);
    EXPECT_EQ(t.out.sent.size(), sent + 1);
    EXPECT_EQ(t.out.sent.back().message.message_type, kDiscover);
}

TEST(DhcpClient, RenewalIsUnicastToTheServerAtT1) {
    ClientFixture t;
    Reply ack;
    ack.lease = 1000;
    t.bind(ack);
    usize sent = t.out.sent.size();
    t.run_until(t.now + 500 * kSecond);
    ASSERT_EQ(t.out.sent.size(), sent + 1);
    const auto renew = t.out.sent.back();
    EXPECT_EQ(renew.message.message_type, kRequest);
    EXPECT_EQ(renew.message.ciaddr, kOffered);
    EXPECT_FALSE(renew.message.requested_address);
    EXPECT_FALSE(renew.message.server_id);
    EXPECT_EQ(renew.message.flags, 0);
    EXPECT_EQ(renew.source, kOffered);
    EXPECT_EQ(renew.destination, kServer);
    EXPECT_EQ(t.client.state(), ClientState::Renewing);
    Reply again;
    again.type = kAck;
    again.xid = renew.message.xid;
    again.lease = 1000;
    t.give(again);
    EXPECT_EQ(t.client.state(), ClientState::Bound);
    EXPECT_EQ(t.out.leases.size(), 2u);
    EXPECT_EQ(t.client.next_deadline(), t.now + 500 * kSecond);
    EXPECT_EQ(t.out.lost, 0);
}

TEST(DhcpClient, RenewalRetriesAfterHalfTheTimeToT2ThenRebindsByBroadcast) {
    ClientFixture t;
    Reply ack;
    ack.lease = 8000;  // T1 4000 s, T2 7000 s
    t.bind(ack);
    Nanos bound_at = t.now;
    t.run_until(bound_at + 4000 * kSecond);
    EXPECT_EQ(t.client.next_deadline(), t.now + 1500 * kSecond);  // half of the 3000 s to T2
    t.run_until(bound_at + 6999 * kSecond);
    EXPECT_EQ(t.client.state(), ClientState::Renewing);
    t.run_until(bound_at + 7000 * kSecond);
    EXPECT_EQ(t.client.state(), ClientState::Rebinding);
    const auto rebind = t.out.sent.back();
    EXPECT_EQ(rebind.message.message_type, kRequest);
    EXPECT_EQ(rebind.message.ciaddr, kOffered);
    EXPECT_EQ(rebind.destination, kIpv4Broadcast);
    EXPECT_EQ(rebind.source, kOffered);
    // Any server may answer a rebinding client.
    Reply ack2;
    ack2.type = kAck;
    ack2.xid = rebind.message.xid;
    ack2.server_id = Ipv4Address::from_octets(10, 0, 2, 4);
    t.give(ack2);
    EXPECT_EQ(t.client.state(), ClientState::Bound);
    EXPECT_EQ(t.out.leases.back().server, Ipv4Address::from_octets(10, 0, 2, 4));
}

TEST(DhcpClient, ExpiryDropsTheAddressAndStartsOver) {
    ClientFixture t;
    Reply ack;
    ack.lease = 100;
    t.bind(ack);
    Nanos bound_at = t.now;
    t.run_until(bound_at + 99 * kSecond);
    EXPECT_EQ(t.out.lost, 0);
    t.run_until(bound_at + 100 * kSecond);
    EXPECT_EQ(t.out.lost, 1);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);
    EXPECT_EQ(t.out.sent.back().message.message_type, kDiscover);
    EXPECT_FALSE(t.client.has_lease());
}

TEST(DhcpClient, ANakWhileRenewingDropsTheAddress) {
    ClientFixture t;
    Reply ack;
    ack.lease = 100;
    t.bind(ack);
    t.run_until(t.now + 50 * kSecond);
    ASSERT_EQ(t.client.state(), ClientState::Renewing);
    Reply nak;
    nak.type = kNak;
    nak.xid = t.xid();
    t.give(nak);
    EXPECT_EQ(t.out.lost, 1);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);
}

TEST(DhcpClient, RepliesNotForUsAreIgnored) {
    ClientFixture t;
    t.client.start(nullptr, t.now);
    Reply wrong_xid;
    wrong_xid.xid = t.xid() + 1;
    t.give(wrong_xid);
    Reply wrong_mac;
    wrong_mac.xid = t.xid();
    wrong_mac.chaddr = kPeerMac;
    t.give(wrong_mac);
    Reply request_op;
    request_op.xid = t.xid();
    request_op.op = 1;
    t.give(request_op);
    Reply bad_address;
    bad_address.xid = t.xid();
    bad_address.yiaddr = kIpv4Broadcast;
    t.give(bad_address);
    Reply no_server;
    no_server.xid = t.xid();
    no_server.server_id = std::nullopt;
    t.give(no_server);
    Reply ack_unasked;  // an ACK while selecting
    ack_unasked.type = kAck;
    ack_unasked.xid = t.xid();
    t.give(ack_unasked);
    EXPECT_EQ(t.client.state(), ClientState::Selecting);
    EXPECT_EQ(t.out.sent.size(), 1u);
    EXPECT_EQ(t.client.stats().ignored, 6u);
    // Garbage is ignored too.
    Bytes junk(50, 0xff);
    t.client.receive(junk.data(), junk.size(), t.now);
    EXPECT_EQ(t.client.stats().ignored, 7u);
}

TEST(DhcpClient, AnAckFromAnotherServerWhileRequestingIsIgnored) {
    ClientFixture t;
    t.client.start(nullptr, t.now);
    Reply offer;
    offer.xid = t.xid();
    t.give(offer);
    Reply other;
    other.type = kAck;
    other.xid = t.xid();
    other.server_id = Ipv4Address::from_octets(10, 0, 2, 99);
    t.give(other);
    EXPECT_EQ(t.client.state(), ClientState::Requesting);
}

TEST(DhcpClient, MissingTimesAndMaskGetDefaults) {
    ClientFixture t;
    Reply ack;
    ack.mask = std::nullopt;
    ack.lease = std::nullopt;
    ack.t1 = 5000;                // beyond T2: ignored
    ack.router = kIpv4Broadcast;  // nonsense: ignored
    t.bind(ack);
    const Lease& l = t.out.leases.back();
    EXPECT_EQ(l.address.length, 8);  // 10.x is class A
    EXPECT_EQ(l.lease_seconds, Client::kDefaultLease);
    EXPECT_EQ(l.rebinding_seconds, Client::kDefaultLease * 7 / 8);
    EXPECT_EQ(l.renewal_seconds, Client::kDefaultLease / 2);
    EXPECT_EQ(l.router, kIpv4Any);
}

TEST(DhcpClient, AnInfiniteLeaseNeverNeedsTheClientAgain) {
    ClientFixture t;
    Reply ack;
    ack.lease = kInfiniteLease;
    t.bind(ack);
    EXPECT_EQ(t.client.next_deadline(), kNoDeadline);
}

TEST(DhcpClient, StopReleasesTheLease) {
    ClientFixture t;
    t.bind();
    t.client.stop(t.now);
    EXPECT_EQ(t.client.state(), ClientState::Stopped);
    EXPECT_EQ(t.out.lost, 1);
    EXPECT_EQ(t.out.sent.back().message.message_type, kRelease);
    EXPECT_EQ(t.out.sent.back().destination, kServer);
    EXPECT_EQ(t.client.next_deadline(), kNoDeadline);
}

// ---- Through the stack ----

struct DhcpStackFixture {
    FakeRandom random;
    RecordingCallbacks callbacks;
    CaptureSink sink;
    NetStack stack{random, callbacks};
    unsigned eth0;
    Nanos now = kSecond;

    DhcpStackFixture() {
        eth0 = stack.add_ethernet("eth0", kOurMac, 1500, sink).value();
        stack.set_link(eth0, true, now);
    }
    // The DHCP message of a captured frame, checking its UDP/IP wrapping on the way.
    Message message_of(const CapturedFrame& f) {
        EXPECT_EQ(ether_type(f.bytes), 0x0800);
        EXPECT_EQ(ip_protocol(f.bytes), kProtoUdp);
        EXPECT_TRUE(transport_checksum_ok(f.bytes));
        const u8* u = transport_of(f.bytes);
        EXPECT_EQ(load_be16(u), kClientPort);
        EXPECT_EQ(load_be16(u + 2), kServerPort);
        auto m = parse_message(u + 8, load_be16(u + 4) - 8);
        EXPECT_TRUE(m);
        return m.value_or(Message{});
    }
    void reply(const Reply& r, Ipv4Address to = kIpv4Broadcast) {
        Bytes d = udp_datagram(kServer, to, kServerPort, kClientPort, build(r));
        IpFields f;
        f.source = kServer;
        f.destination = to;
        Bytes frame =
            ethernet_frame(to.is_limited_broadcast() ? kMacBroadcast : kOurMac, kGatewayMac, 0x0800, ipv4_packet(f, d));
        stack.receive_frame(eth0, frame.data(), frame.size(), false, now);
    }
    std::vector<CapturedFrame> take() {
        auto f = std::move(sink.frames);
        sink.frames.clear();
        return f;
    }
};

TEST(DhcpStack, AFullExchangeOnTheWireConfiguresTheInterface) {
    DhcpStackFixture t;
    ASSERT_TRUE(t.stack.start_dhcp(t.eth0, "osprey", t.now).is_ok());
    auto frames = t.take();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frame_destination(frames[0].bytes), kMacBroadcast);
    EXPECT_EQ(ip_source(frames[0].bytes), kIpv4Any);
    EXPECT_EQ(ip_destination(frames[0].bytes), kIpv4Broadcast);
    Message discover = t.message_of(frames[0]);
    EXPECT_EQ(discover.message_type, kDiscover);

    Reply offer;
    offer.xid = discover.xid;
    t.reply(offer);
    frames = t.take();
    ASSERT_EQ(frames.size(), 1u);
    Message request = t.message_of(frames[0]);
    EXPECT_EQ(request.message_type, kRequest);

    Reply ack;
    ack.type = kAck;
    ack.xid = request.xid;
    ack.lease = 1000;
    t.reply(ack);
    const Interface* eth0 = t.stack.interface(t.eth0);
    ASSERT_TRUE(eth0->address());
    EXPECT_EQ(*eth0->address(), (Ipv4Prefix{kOffered, 24}));
    EXPECT_EQ(eth0->config()->origin, AddressOrigin::Dhcp);
    ASSERT_EQ(t.callbacks.configured.size(), 1u);
    const IpConfig& c = t.callbacks.configured[0].config;
    EXPECT_EQ(c.gateway, kServer);
    EXPECT_EQ(c.dns[0], kDns);
    EXPECT_STREQ(c.domain, "example.internal");
    EXPECT_EQ(c.lease_seconds, 1000u);
    const ipv4::Route* def = t.stack.routes().lookup(kFarIp);
    ASSERT_NE(def, nullptr);
    EXPECT_EQ(def->gateway, kServer);
    EXPECT_EQ(def->origin, ipv4::RouteOrigin::Dhcp);
    EXPECT_EQ(t.stack.source_for(kFarIp).value(), kOffered);

    // T1: a unicast renewal, from our address, once ARP has found the server.
    t.take();
    t.now += 500 * kSecond;
    t.stack.on_timers(t.now);
    frames = t.take();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(ether_type(frames[0].bytes), 0x0806);
    Bytes arp_reply =
        ethernet_frame(kOurMac, kGatewayMac, 0x0806, arp_packet(2, kGatewayMac, kServer, kOurMac, kOffered));
    t.stack.receive_frame(t.eth0, arp_reply.data(), arp_reply.size(), false, t.now);
    frames = t.take();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frame_destination(frames[0].bytes), kGatewayMac);
    EXPECT_EQ(ip_source(frames[0].bytes), kOffered);
    EXPECT_EQ(ip_destination(frames[0].bytes), kServer);
    Message renew = t.message_of(frames[0]);
    EXPECT_EQ(renew.ciaddr, kOffered);
    Reply renewed = ack;
    renewed.xid = renew.xid;
    t.reply(renewed, kOffered);
    EXPECT_EQ(t.stack.interface(t.eth0)->dhcp()->state(), ClientState::Bound);
    EXPECT_EQ(t.callbacks.configured.size(), 2u);
    EXPECT_TRUE(t.callbacks.removed.empty());
}

TEST(DhcpStack, AnOfferUnicastToTheOfferedAddressIsTakenBeforeWeHaveIt) {
    DhcpStackFixture t;
    ASSERT_TRUE(t.stack.start_dhcp(t.eth0, nullptr, t.now).is_ok());
    Message discover = t.message_of(t.take()[0]);
    Reply offer;
    offer.xid = discover.xid;
    t.reply(offer, kOffered);
    EXPECT_EQ(t.stack.interface(t.eth0)->dhcp()->state(), ClientState::Requesting);
    // Other traffic to that address is not taken before the address is ours.
    udp::Socket* s = t.stack.udp().create_socket().value();
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    IpFields f;
    f.source = kServer;
    f.destination = kOffered;
    Bytes frame = ethernet_frame(kOurMac, kGatewayMac, 0x0800,
                                 ipv4_packet(f, udp_datagram(kServer, kOffered, 1, 5000, bytes_of("early"))));
    t.stack.receive_frame(t.eth0, frame.data(), frame.size(), false, t.now);
    EXPECT_FALSE(s->readable());
    EXPECT_EQ(t.stack.ip_stats().in_delivers, 1u);  // the offer only
    s->close();
}

TEST(DhcpStack, LosingTheLeaseRemovesTheAddressAndItsRoutes) {
    DhcpStackFixture t;
    ASSERT_TRUE(t.stack.start_dhcp(t.eth0, nullptr, t.now).is_ok());
    Reply offer;
    offer.xid = t.message_of(t.take()[0]).xid;
    t.reply(offer);
    Reply ack;
    ack.type = kAck;
    ack.xid = offer.xid;
    ack.lease = 60;
    t.reply(ack);
    ASSERT_TRUE(t.stack.interface(t.eth0)->address());
    for (int i = 0; i < 100 && !t.callbacks.removed.size(); i++) {
        Nanos next = t.stack.next_deadline();
        ASSERT_NE(next, kNoDeadline);
        t.now = next;
        t.stack.on_timers(t.now);
    }
    ASSERT_EQ(t.callbacks.removed.size(), 1u);
    EXPECT_FALSE(t.stack.interface(t.eth0)->address());
    EXPECT_EQ(t.stack.routes().size(), 1u);  // lo's only
    EXPECT_EQ(t.stack.source_for(kFarIp).error(), ENETUNREACH);
}

TEST(DhcpStack, AStaticConfigurationStopsDhcp) {
    DhcpStackFixture t;
    ASSERT_TRUE(t.stack.start_dhcp(t.eth0, nullptr, t.now).is_ok());
    IpConfig config;
    config.address = {kOurIp, 24};
    ASSERT_TRUE(t.stack.configure_static(t.eth0, config, t.now).is_ok());
    EXPECT_EQ(t.stack.interface(t.eth0)->dhcp()->state(), ClientState::Stopped);
    EXPECT_EQ(t.stack.interface(t.eth0)->config()->origin, AddressOrigin::Static);
}

}  // namespace
