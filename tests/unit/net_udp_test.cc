#include <gtest/gtest.h>

#include "net/udp/udp.h"
#include "net_test_support.h"

namespace {

using namespace nettest;
using udp::Socket;

Socket* new_socket(StackFixture& t) { return t.stack.udp().create_socket().value(); }

Result<usize> send_to(Socket* s, Endpoint to, const Bytes& data, Nanos now) {
    VectorSource src(data);
    return s->send(src, data.size(), to, now);
}

Result<usize> send_connected(Socket* s, const Bytes& data, Nanos now) {
    VectorSource src(data);
    return s->send(src, data.size(), std::nullopt, now);
}

struct Got {
    Bytes data;
    udp::Received info;
};

std::optional<Got> receive(Socket* s, usize capacity = 70000, bool peek = false) {
    VectorSink sink(capacity);
    auto r = s->receive(sink, capacity, peek);
    if (r.is_error()) return std::nullopt;
    sink.data.resize(r.value().copied);
    return Got{sink.data, r.value()};
}

TEST(Udp, ADatagramReachesTheBoundSocketWithItsSource) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    EXPECT_FALSE(s->readable());
    t.inject_udp(4000, 5000, bytes_of("hello"));
    ASSERT_TRUE(s->readable());
    EXPECT_EQ(s->next_datagram_length(), 5u);
    ASSERT_EQ(t.callbacks.events.size(), 1u);
    EXPECT_EQ(t.callbacks.events[0].socket, s);
    EXPECT_EQ(t.callbacks.events[0].what, udp::Events::kReadable);
    auto got = receive(s);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data, bytes_of("hello"));
    EXPECT_EQ(got->info.source, (Endpoint{kPeerIp, 4000}));
    EXPECT_EQ(got->info.destination, kOurIp);
    EXPECT_EQ(got->info.interface_index, t.eth0);
    EXPECT_FALSE(s->readable());
    EXPECT_FALSE(receive(s));  // EAGAIN
    EXPECT_EQ(t.stack.udp_stats().in_datagrams, 1u);
    s->close();
}

TEST(Udp, ReceivingFromAnEmptyQueueIsEAGAIN) {
    StackFixture t;
    Socket* s = new_socket(t);
    VectorSink sink(10);
    EXPECT_EQ(s->receive(sink, 10, false).error(), EAGAIN);
    s->close();
}

TEST(Udp, SendingBuildsAValidDatagramFromTheBoundPort) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    EXPECT_EQ(send_to(s, {kPeerIp, 53}, bytes_of("query"), t.now).value(), 5u);
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 1u);
    const Bytes& f = frames[0].bytes;
    EXPECT_EQ(ip_protocol(f), kProtoUdp);
    EXPECT_EQ(ip_source(f), kOurIp);
    const u8* u = transport_of(f);
    EXPECT_EQ(load_be16(u), 5000);
    EXPECT_EQ(load_be16(u + 2), 53);
    EXPECT_EQ(load_be16(u + 4), 13);
    EXPECT_EQ(Bytes(u + 8, u + 13), bytes_of("query"));
    EXPECT_TRUE(transport_checksum_ok(f));
    EXPECT_EQ(t.stack.udp_stats().out_datagrams, 1u);
    s->close();
}

TEST(Udp, AnUnboundSenderGetsAnEphemeralPort) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(send_to(s, {kPeerIp, 53}, bytes_of("q"), t.now).is_ok());
    EXPECT_TRUE(s->is_bound());
    u16 port = s->local().port;
    EXPECT_GE(port, udp::kEphemeralFirst);
    EXPECT_LE(port, udp::kEphemeralLast);
    EXPECT_EQ(s->local().address, kIpv4Any);
    auto frames = t.take_frames();
    EXPECT_EQ(load_be16(transport_of(frames[0].bytes)), port);
    s->close();
}

TEST(Udp, EphemeralPortsAreDistinctAndRandomized) {
    StackFixture t;
    std::vector<Socket*> sockets;
    std::vector<u16> ports;
    for (int i = 0; i < 50; i++) {
        Socket* s = new_socket(t);
        ASSERT_TRUE(s->bind({kIpv4Any, 0}).is_ok());
        ports.push_back(s->local().port);
        sockets.push_back(s);
    }
    std::sort(ports.begin(), ports.end());
    EXPECT_EQ(std::unique(ports.begin(), ports.end()), ports.end());
    EXPECT_GT(ports.back() - ports.front(), 1000);  // not handed out in sequence
    for (Socket* s : sockets) s->close();
}

TEST(Udp, BindConflictsFollowLinux) {
    StackFixture t;
    Socket* a = new_socket(t);
    Socket* b = new_socket(t);
    ASSERT_TRUE(a->bind({kIpv4Any, 6000}).is_ok());
    EXPECT_EQ(b->bind({kIpv4Any, 6000}).error(), EADDRINUSE);
    EXPECT_EQ(b->bind({kOurIp, 6000}).error(), EADDRINUSE);  // the wildcard overlaps
    EXPECT_EQ(a->bind({kIpv4Any, 6001}).error(), EINVAL);    // already bound
    // Different specific addresses do not overlap.
    Socket* c = new_socket(t);
    Socket* d = new_socket(t);
    ASSERT_TRUE(c->bind({kOurIp, 6100}).is_ok());
    EXPECT_TRUE(d->bind({kIpv4Loopback, 6100}).is_ok());
    // An address that is not ours.
    Socket* e = new_socket(t);
    EXPECT_EQ(e->bind({kPeerIp, 6200}).error(), EADDRNOTAVAIL);
    // Broadcast addresses are allowed, for receiving broadcasts.
    EXPECT_TRUE(e->bind({kSubnetBroadcast, 6200}).is_ok());
    for (Socket* s : {a, b, c, d, e}) s->close();
}

TEST(Udp, ReuseAddressOrReusePortOnBothSidesShareAPort) {
    StackFixture t;
    Socket* a = new_socket(t);
    Socket* b = new_socket(t);
    Socket* c = new_socket(t);
    a->options().reuse_address = true;
    b->options().reuse_address = true;
    ASSERT_TRUE(a->bind({kIpv4Any, 7000}).is_ok());
    EXPECT_TRUE(b->bind({kIpv4Any, 7000}).is_ok());
    EXPECT_EQ(c->bind({kIpv4Any, 7000}).error(), EADDRINUSE);  // c did not ask
    Socket* d = new_socket(t);
    Socket* e = new_socket(t);
    d->options().reuse_port = true;
    e->options().reuse_port = true;
    ASSERT_TRUE(d->bind({kIpv4Any, 7100}).is_ok());
    EXPECT_TRUE(e->bind({kIpv4Any, 7100}).is_ok());
    // Closing frees the port.
    a->close();
    b->close();
    EXPECT_TRUE(c->bind({kIpv4Any, 7000}).is_ok());
    for (Socket* s : {c, d, e}) s->close();
}

TEST(Udp, WithReuseAddressTheLastBoundSocketReceivesUnicast) {
    StackFixture t;
    Socket* a = new_socket(t);
    Socket* b = new_socket(t);
    a->options().reuse_address = b->options().reuse_address = true;
    ASSERT_TRUE(a->bind({kIpv4Any, 7000}).is_ok());
    ASSERT_TRUE(b->bind({kIpv4Any, 7000}).is_ok());
    t.inject_udp(1, 7000, bytes_of("x"));
    EXPECT_FALSE(a->readable());
    EXPECT_TRUE(b->readable());
    a->close();
    b->close();
}

TEST(Udp, AReusePortGroupSpreadsFlowsButKeepsEachFlowOnOneSocket) {
    StackFixture t;
    std::vector<Socket*> group;
    for (int i = 0; i < 4; i++) {
        Socket* s = new_socket(t);
        s->options().reuse_port = true;
        ASSERT_TRUE(s->bind({kIpv4Any, 8000}).is_ok());
        group.push_back(s);
    }
    for (u16 port = 1000; port < 1064; port++) t.inject_udp(port, 8000, bytes_of("a"));
    int used = 0;
    for (Socket* s : group) used += s->readable();
    EXPECT_GE(used, 3);
    // Every datagram of one flow lands on the same socket.
    for (Socket* s : group)
        while (s->readable()) (void)receive(s);
    for (int i = 0; i < 5; i++) t.inject_udp(4242, 8000, bytes_of("b"));
    int holding = 0;
    for (Socket* s : group) {
        usize n = 0;
        while (receive(s)) n++;
        if (n) {
            holding++;
            EXPECT_EQ(n, 5u);
        }
    }
    EXPECT_EQ(holding, 1);
    for (Socket* s : group) s->close();
}

TEST(Udp, ASpecificBindBeatsTheWildcardAndAConnectedSocketBeatsBoth) {
    StackFixture t;
    Socket* wildcard = new_socket(t);
    Socket* specific = new_socket(t);
    Socket* connected = new_socket(t);
    for (Socket* s : {wildcard, specific, connected}) s->options().reuse_address = true;
    ASSERT_TRUE(wildcard->bind({kIpv4Any, 9000}).is_ok());
    ASSERT_TRUE(specific->bind({kOurIp, 9000}).is_ok());
    ASSERT_TRUE(connected->bind({kOurIp, 9000}).is_ok());
    ASSERT_TRUE(connected->connect({kPeerIp, 1234}).is_ok());
    t.inject_udp(1234, 9000, bytes_of("1"));
    t.inject_udp(1235, 9000, bytes_of("2"));
    EXPECT_EQ(receive(connected)->data, bytes_of("1"));
    EXPECT_EQ(receive(specific)->data, bytes_of("2"));
    EXPECT_FALSE(wildcard->readable());
    for (Socket* s : {wildcard, specific, connected}) s->close();
}

TEST(Udp, AConnectedSocketOnlyHearsItsPeer) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->connect({kPeerIp, 53}).is_ok());
    EXPECT_TRUE(s->is_connected());
    EXPECT_EQ(s->local().address, kOurIp);  // chosen by the route, as Linux does
    u16 port = s->local().port;
    t.inject_udp(53, port, bytes_of("answer"));
    t.inject_udp(54, port, bytes_of("other port"));
    t.inject_udp(53, port, bytes_of("other host"), kGatewayIp);
    EXPECT_EQ(receive(s)->data, bytes_of("answer"));
    EXPECT_FALSE(s->readable());
    // Sending without an address goes to the peer.
    EXPECT_TRUE(send_connected(s, bytes_of("again"), t.now).is_ok());
    auto frames = t.take_frames();
    std::vector<CapturedFrame> datagrams;
    for (auto& f : frames)
        if (ether_type(f.bytes) == 0x0800 && ip_protocol(f.bytes) == kProtoUdp) datagrams.push_back(f);
    ASSERT_EQ(datagrams.size(), 1u);
    EXPECT_EQ(load_be16(transport_of(datagrams[0].bytes) + 2), 53);
    s->close();
}

TEST(Udp, DisconnectForgetsThePeerAndTheAutomaticallyChosenPort) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->connect({kPeerIp, 53}).is_ok());
    s->disconnect();
    EXPECT_FALSE(s->is_connected());
    EXPECT_FALSE(s->is_bound());
    EXPECT_EQ(send_connected(s, bytes_of("x"), t.now).error(), EDESTADDRREQ);
    // An explicitly bound socket keeps its port and address.
    Socket* b = new_socket(t);
    ASSERT_TRUE(b->bind({kIpv4Any, 5300}).is_ok());
    ASSERT_TRUE(b->connect({kPeerIp, 53}).is_ok());
    EXPECT_EQ(b->local().address, kOurIp);
    b->disconnect();
    EXPECT_EQ(b->local(), (Endpoint{kIpv4Any, 5300}));
    t.inject_udp(99, 5300, bytes_of("anyone"), kGatewayIp);
    EXPECT_TRUE(b->readable());
    // An address bound on purpose with port 0 keeps the address and gives the port up.
    Socket* c = new_socket(t);
    ASSERT_TRUE(c->bind({kOurIp, 0}).is_ok());
    ASSERT_TRUE(c->connect({kPeerIp, 53}).is_ok());
    c->disconnect();
    EXPECT_EQ(c->local(), (Endpoint{kOurIp, 0}));
    EXPECT_EQ(send_to(c, {kPeerIp, 53}, bytes_of("x"), t.now).value(), 1u);
    EXPECT_EQ(c->local().address, kOurIp);
    EXPECT_NE(c->local().port, 0);
    s->close();
    b->close();
    c->close();
}

TEST(Udp, SendArgumentsAreCheckedAsLinuxDoes) {
    StackFixture t;
    Socket* s = new_socket(t);
    EXPECT_EQ(send_connected(s, bytes_of("x"), t.now).error(), EDESTADDRREQ);
    EXPECT_EQ(send_to(s, {kPeerIp, 0}, bytes_of("x"), t.now).error(), EINVAL);
    VectorSource big(Bytes(65508, 0));
    EXPECT_EQ(s->send(big, 65508, Endpoint{kPeerIp, 9}, t.now).error(), EMSGSIZE);
    VectorSource biggest(Bytes(65507, 0));
    EXPECT_EQ(s->send(biggest, 65507, Endpoint{kPeerIp, 9}, t.now).value(), 65507u);
    EXPECT_EQ(t.take_frames().size(), 45u);  // fragmented by IP
    // A bad user buffer.
    VectorSource short_source(Bytes(3, 0));
    EXPECT_EQ(s->send(short_source, 10, Endpoint{kPeerIp, 9}, t.now).error(), EFAULT);
    s->close();
}

TEST(Udp, BroadcastNeedsSoBroadcast) {
    StackFixture t;
    Socket* s = new_socket(t);
    EXPECT_EQ(send_to(s, {kIpv4Broadcast, 67}, bytes_of("x"), t.now).error(), EACCES);
    EXPECT_EQ(send_to(s, {kSubnetBroadcast, 67}, bytes_of("x"), t.now).error(), EACCES);
    EXPECT_EQ(s->connect({kSubnetBroadcast, 67}).error(), EACCES);
    s->options().broadcast = true;
    ASSERT_TRUE(send_to(s, {kSubnetBroadcast, 67}, bytes_of("x"), t.now).is_ok());
    ASSERT_TRUE(send_to(s, {kIpv4Broadcast, 67}, bytes_of("y"), t.now).is_ok());
    auto frames = t.take_frames();
    ASSERT_EQ(frames.size(), 2u);
    EXPECT_EQ(frame_destination(frames[0].bytes), kMacBroadcast);
    EXPECT_EQ(frame_destination(frames[1].bytes), kMacBroadcast);
    EXPECT_EQ(ip_destination(frames[1].bytes), kIpv4Broadcast);
    s->close();
}

TEST(Udp, ABroadcastReachesEveryMatchingSocket) {
    StackFixture t;
    Socket* a = new_socket(t);
    Socket* b = new_socket(t);
    Socket* unicast_only = new_socket(t);
    a->options().reuse_address = b->options().reuse_address = unicast_only->options().reuse_address = true;
    ASSERT_TRUE(a->bind({kIpv4Any, 6767}).is_ok());
    ASSERT_TRUE(b->bind({kSubnetBroadcast, 6767}).is_ok());
    ASSERT_TRUE(unicast_only->bind({kOurIp, 6767}).is_ok());
    t.inject_udp(1, 6767, bytes_of("all"), kPeerIp, kSubnetBroadcast);
    EXPECT_TRUE(a->readable());
    EXPECT_TRUE(b->readable());
    EXPECT_FALSE(unicast_only->readable());  // as Linux: bound to another address
    t.inject_udp(1, 6868, bytes_of("nobody"), kPeerIp, kSubnetBroadcast);
    EXPECT_EQ(t.stack.udp_stats().ignored_multi, 1u);
    EXPECT_EQ(t.stack.udp_stats().no_ports, 0u);
    for (Socket* s : {a, b, unicast_only}) s->close();
}

TEST(Udp, TheReceiveQueueIsBoundedByTheReceiveBuffer) {
    StackFixture t;
    Socket* s = new_socket(t);
    s->options().receive_buffer = udp::socket_buffer_size(2000, udp::kMinReceiveBuffer);
    EXPECT_EQ(s->options().receive_buffer, 4000u);  // doubled, as Linux reports it
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    for (int i = 0; i < 20; i++) t.inject_udp(1, 5000, Bytes(500, static_cast<u8>(i)));
    usize queued = 0;
    while (receive(s)) queued++;
    EXPECT_GT(queued, 0u);
    EXPECT_LT(queued, 20u);
    EXPECT_EQ(t.stack.udp_stats().rcvbuf_errors, 20u - queued);
    EXPECT_EQ(s->drops(), 20u - queued);
    EXPECT_EQ(s->queued_bytes(), 0u);
    s->close();
}

TEST(Udp, BufferSizesAreDoubledWithinLinuxLimits) {
    EXPECT_EQ(udp::socket_buffer_size(1, udp::kMinReceiveBuffer), udp::kMinReceiveBuffer);
    EXPECT_EQ(udp::socket_buffer_size(100000, udp::kMinReceiveBuffer), 200000u);
    EXPECT_EQ(udp::socket_buffer_size(1u << 30, udp::kMinReceiveBuffer), 2 * udp::kMaxBufferRequest);
}

TEST(Udp, ATruncatedReadReportsTheFullLengthAndDropsTheRest) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    t.inject_udp(1, 5000, bytes_of("0123456789"));
    t.inject_udp(1, 5000, bytes_of("next"));
    auto got = receive(s, 4);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data, bytes_of("0123"));
    EXPECT_EQ(got->info.copied, 4u);
    EXPECT_EQ(got->info.length, 10u);  // what MSG_TRUNC reports
    EXPECT_EQ(receive(s)->data, bytes_of("next"));
    s->close();
}

TEST(Udp, PeekLeavesTheDatagramQueued) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    t.inject_udp(1, 5000, bytes_of("peekaboo"));
    EXPECT_EQ(receive(s, 100, true)->data, bytes_of("peekaboo"));
    EXPECT_EQ(receive(s, 4, true)->data, bytes_of("peek"));
    EXPECT_TRUE(s->readable());
    EXPECT_EQ(receive(s)->data, bytes_of("peekaboo"));
    EXPECT_FALSE(s->readable());
    s->close();
}

TEST(Udp, ChecksumsAreVerifiedUnlessAbsentOrDoneByTheDevice) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}).is_ok());
    Bytes bad = udp_datagram(kPeerIp, kOurIp, 1, 5000, bytes_of("bad"));
    bad[6] ^= 0x55;
    t.inject_ip(ipv4_packet({}, bad));
    EXPECT_FALSE(s->readable());
    EXPECT_EQ(t.stack.udp_stats().in_csum_errors, 1u);
    EXPECT_EQ(t.stack.udp_stats().in_errors, 1u);
    // The device checked it: no second opinion.
    t.inject(ethernet_frame(kOurMac, kPeerMac, 0x0800, ipv4_packet({}, bad)), true);
    EXPECT_TRUE(s->readable());
    (void)receive(s);
    // No checksum at all (zero) is allowed.
    t.inject_ip(ipv4_packet({}, udp_datagram(kPeerIp, kOurIp, 1, 5000, bytes_of("none"), false)));
    EXPECT_EQ(receive(s)->data, bytes_of("none"));
    s->close();
}

TEST(Udp, MalformedHeadersAreInErrors) {
    StackFixture t;
    t.inject_ip(ipv4_packet({}, Bytes(5, 0)));  // shorter than a header
    Bytes long_length = udp_datagram(kPeerIp, kOurIp, 1, 5000, bytes_of("abc"), false);
    store_be16(&long_length[4], 200);
    t.inject_ip(ipv4_packet({}, long_length));
    Bytes tiny_length = long_length;
    store_be16(&tiny_length[4], 4);
    t.inject_ip(ipv4_packet({}, tiny_length));
    EXPECT_EQ(t.stack.udp_stats().in_errors, 3u);
    EXPECT_TRUE(t.take_frames().empty());
}

TEST(Udp, PortUnreachableBecomesECONNREFUSEDOnceOnAConnectedSocket) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(s->connect({kIpv4Loopback, 9}).is_ok());
    ASSERT_TRUE(send_connected(s, bytes_of("hello?"), t.now).is_ok());
    t.stack.run_pending(t.now);  // nobody on port 9: port unreachable is queued
    t.stack.run_pending(t.now);  // and arrives
    EXPECT_TRUE(s->has_error());
    bool told = false;
    for (auto& e : t.callbacks.events) told |= e.socket == s && e.what == udp::Events::kError;
    EXPECT_TRUE(told);
    EXPECT_EQ(send_connected(s, bytes_of("again"), t.now).error(), ECONNREFUSED);
    EXPECT_FALSE(s->has_error());  // reported once
    EXPECT_TRUE(send_connected(s, bytes_of("again"), t.now).is_ok());
    t.stack.run_pending(t.now);
    t.stack.run_pending(t.now);
    VectorSink sink(10);
    EXPECT_EQ(s->receive(sink, 10, false).error(), ECONNREFUSED);
    EXPECT_EQ(s->take_error(), 0);
    s->close();
}

TEST(Udp, AnUnconnectedSocketIsNotToldOfPortUnreachable) {
    StackFixture t;
    Socket* s = new_socket(t);
    ASSERT_TRUE(send_to(s, {kIpv4Loopback, 9}, bytes_of("x"), t.now).is_ok());
    t.stack.run_pending(t.now);
    t.stack.run_pending(t.now);
    EXPECT_EQ(t.stack.icmp_stats().in_dest_unreachs, 1u);
    EXPECT_FALSE(s->has_error());
    s->close();
}

TEST(Udp, LoopbackDatagramsArriveWithTheirSourceOnRunPending) {
    StackFixture t;
    Socket* server = new_socket(t);
    Socket* client = new_socket(t);
    ASSERT_TRUE(server->bind({kIpv4Loopback, 5353}).is_ok());
    ASSERT_TRUE(send_to(client, {kIpv4Loopback, 5353}, bytes_of("ping"), t.now).is_ok());
    EXPECT_FALSE(server->readable());
    t.stack.run_pending(t.now);
    auto got = receive(server);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->data, bytes_of("ping"));
    EXPECT_EQ(got->info.source, (Endpoint{kIpv4Loopback, client->local().port}));
    EXPECT_EQ(got->info.interface_index, kLoopbackIndex);
    // Sending to 0.0.0.0 means this host, as on Linux.
    ASSERT_TRUE(send_to(client, {kIpv4Any, 5353}, bytes_of("any"), t.now).is_ok());
    t.stack.run_pending(t.now);
    EXPECT_EQ(receive(server)->data, bytes_of("any"));
    // A large datagram goes through loopback in one piece.
    Bytes big = pattern(60000);
    ASSERT_TRUE(send_to(client, {kIpv4Loopback, 5353}, big, t.now).is_ok());
    t.stack.run_pending(t.now);
    EXPECT_EQ(receive(server)->data, big);
    server->close();
    client->close();
}

TEST(Udp, PmtuModesDecideTheDontFragmentBit) {
    StackFixture t;
    Socket* s = new_socket(t);
    auto df_of = [&](usize size) {
        EXPECT_TRUE(send_to(s, {kPeerIp, 9}, Bytes(size, 0), t.now).is_ok());
        auto frames = t.take_frames();
        return (load_be16(ip_of(frames[0].bytes) + 6) & 0x4000) != 0;
    };
    EXPECT_TRUE(df_of(100));    // fits: DF, as Linux's default IP_PMTUDISC_WANT
    EXPECT_FALSE(df_of(3000));  // fragmented locally without DF
    s->options().pmtu = udp::PmtuMode::Dont;
    EXPECT_FALSE(df_of(100));
    s->options().pmtu = udp::PmtuMode::Do;
    EXPECT_EQ(send_to(s, {kPeerIp, 9}, Bytes(3000, 0), t.now).error(), EMSGSIZE);
    s->close();
}

TEST(Udp, TtlAndTosOptionsAreUsed) {
    StackFixture t;
    Socket* s = new_socket(t);
    s->options().ttl = 3;
    s->options().tos = 0x10;
    ASSERT_TRUE(send_to(s, {kPeerIp, 9}, bytes_of("x"), t.now).is_ok());
    auto frames = t.take_frames();
    EXPECT_EQ(ip_of(frames[0].bytes)[8], 3);
    EXPECT_EQ(ip_of(frames[0].bytes)[1], 0x10);
    s->close();
}

TEST(Udp, SocketsAreListedForProc) {
    StackFixture t;
    Socket* a = new_socket(t);
    Socket* b = new_socket(t);
    ASSERT_TRUE(a->bind({kIpv4Any, 1111}).is_ok());
    usize n = 0, bound = 0;
    t.stack.udp().for_each_socket([&](const Socket& s) {
        n++;
        bound += s.is_bound();
    });
    EXPECT_EQ(n, 2u);
    EXPECT_EQ(bound, 1u);
    a->close();
    b->close();
    EXPECT_EQ(t.stack.udp().socket_count(), 0u);
}

}  // namespace

namespace {

using namespace nettest;

TEST(Udp, OurOwnBroadcastsAreHeardLocallyToo) {
    StackFixture t;
    udp::Socket* listener = t.stack.udp().create_socket().value();
    udp::Socket* sender = t.stack.udp().create_socket().value();
    ASSERT_TRUE(listener->bind({kIpv4Any, 6000}).is_ok());
    sender->options().broadcast = true;
    VectorSource data(bytes_of("hi all"));
    ASSERT_TRUE(sender->send(data, 6, Endpoint{kSubnetBroadcast, 6000}, t.now).is_ok());
    EXPECT_EQ(t.take_frames().size(), 1u);  // on the wire
    EXPECT_FALSE(listener->readable());     // and, later, here
    t.stack.run_pending(t.now);
    ASSERT_TRUE(listener->readable());
    VectorSink sink(100);
    auto got = listener->receive(sink, 100, false);
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(got.value().source.address, kOurIp);
    EXPECT_EQ(got.value().destination, kSubnetBroadcast);
    EXPECT_EQ(t.stack.icmp_stats().out_msgs, 0u);  // no port unreachable for broadcasts
    listener->close();
    sender->close();
}

}  // namespace
