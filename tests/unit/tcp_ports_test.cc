// Local ports and the socket calls' errors: bind conflicts, SO_REUSEADDR over TIME_WAIT
// and at listen(), SO_REUSEPORT, ephemeral ports for bind and connect, exhaustion.
#include <set>

#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

TEST(TcpPorts, ASecondBindToTheSamePortIsInUse) {
    Harness h;
    Socket* a = h.tcp->create_socket().value();
    Socket* b = h.tcp->create_socket().value();
    ASSERT_TRUE(a->bind({kLocal, 9000}, {}).is_ok());
    EXPECT_EQ(b->bind({kLocal, 9000}, {}).error(), EADDRINUSE);
    EXPECT_EQ(b->bind({kIpv4Any, 9000}, {}).error(), EADDRINUSE) << "the wildcard overlaps every address";
    EXPECT_TRUE(b->bind({kIpv4Loopback, 9000}, {}).is_ok()) << "another address does not";
    EXPECT_EQ(a->bind({kLocal, 9001}, {}).error(), EINVAL) << "already bound";
}

TEST(TcpPorts, BindingAForeignAddressFails) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    EXPECT_EQ(s->bind({Ipv4Address::from_octets(192, 0, 2, 1), 9000}, {}).error(), EADDRNOTAVAIL);
}

TEST(TcpPorts, ReuseAddressBindsOverTimeWaitButNotWithoutIt) {
    Harness h;
    Socket* c = h.accept_connection();
    h.listener->close(h.now);
    c->close(h.now);
    (void)h.next();
    Spec fin{flags::kFin | flags::kAck, 1001, h.our_seq + 1, 65535};
    h.inject(fin);
    ASSERT_EQ(h.tcp->time_wait_count(), 1u);
    Socket* plain = h.tcp->create_socket().value();
    EXPECT_EQ(plain->bind({kIpv4Any, 8080}, {}).error(), EADDRINUSE);
    Socket* reusing = h.tcp->create_socket().value();
    ASSERT_TRUE(reusing->bind({kIpv4Any, 8080}, {.reuse_address = true}).is_ok());
    EXPECT_TRUE(reusing->listen(16, h.now).is_ok());
    h.advance(61 * kSecond);
    EXPECT_TRUE(plain->bind({kIpv4Any, 8081}, {}).is_ok());
}

TEST(TcpPorts, ReuseAddressOnBothAllowsTwoBindsButOneListener) {
    Harness h;
    Socket* a = h.tcp->create_socket().value();
    Socket* b = h.tcp->create_socket().value();
    ASSERT_TRUE(a->bind({kIpv4Any, 9000}, {.reuse_address = true}).is_ok());
    ASSERT_TRUE(b->bind({kIpv4Any, 9000}, {.reuse_address = true}).is_ok());
    ASSERT_TRUE(a->listen(4, h.now).is_ok());
    EXPECT_EQ(b->listen(4, h.now).error(), EADDRINUSE) << "checked again at listen()";
    Socket* c = h.tcp->create_socket().value();
    EXPECT_EQ(c->bind({kIpv4Any, 9000}, {.reuse_address = true}).error(), EADDRINUSE) << "a listener holds it";
}

TEST(TcpPorts, ReusePortLetsSeveralListenersShare) {
    Harness h;
    Socket* a = h.tcp->create_socket().value();
    Socket* b = h.tcp->create_socket().value();
    Socket* c = h.tcp->create_socket().value();
    ASSERT_TRUE(a->bind({kIpv4Any, 9000}, {.reuse_address = false, .reuse_port = true}).is_ok());
    ASSERT_TRUE(b->bind({kIpv4Any, 9000}, {.reuse_address = false, .reuse_port = true}).is_ok());
    EXPECT_TRUE(a->listen(4, h.now).is_ok());
    EXPECT_TRUE(b->listen(4, h.now).is_ok());
    EXPECT_EQ(c->bind({kIpv4Any, 9000}, {}).error(), EADDRINUSE) << "only for sockets that set it";
}

TEST(TcpPorts, PortZeroPicksDistinctEphemeralPorts) {
    Harness h;
    std::set<u16> ports;
    for (int i = 0; i < 50; i++) {
        Socket* s = h.tcp->create_socket().value();
        ASSERT_TRUE(s->bind({kIpv4Any, 0}, {}).is_ok());
        EXPECT_GE(s->local().port, 32768);
        EXPECT_LE(s->local().port, 60999);
        ports.insert(s->local().port);
    }
    EXPECT_EQ(ports.size(), 50u);
    Socket* l = h.tcp->create_socket().value();
    ASSERT_TRUE(l->listen(4, h.now).is_ok()) << "listen binds an unbound socket";
    EXPECT_GE(l->local().port, 32768);
}

TEST(TcpPorts, ConnectsShareEphemeralPortsOnlyWithDistinctPeers) {
    Harness h;
    std::set<u16> to_one;
    for (int i = 0; i < 100; i++) {
        Socket* s = h.tcp->create_socket().value();
        ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
        to_one.insert(s->local().port);
    }
    EXPECT_EQ(to_one.size(), 100u) << "one peer: every 4-tuple distinct";
}

TEST(TcpPorts, RunningOutOfEphemeralPortsIsEaddrnotavail) {
    Config config;
    config.ephemeral_first = 40000;
    config.ephemeral_last = 40003;
    Harness h(config);
    for (int i = 0; i < 4; i++) ASSERT_TRUE(h.tcp->create_socket().value()->connect({kPeer, 80}, h.now).is_ok());
    EXPECT_EQ(h.tcp->create_socket().value()->connect({kPeer, 80}, h.now).error(), EADDRNOTAVAIL);
    EXPECT_TRUE(h.tcp->create_socket().value()->connect({kPeer, 81}, h.now).is_ok()) << "another peer port";
}

TEST(TcpPorts, CallsInTheWrongStateFailAsLinuxFails) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    std::vector<u8> data = pattern(10);
    VectorSource source(data);
    std::vector<u8> buffer(10);
    VectorSink sink(buffer);
    EXPECT_EQ(s->send(source, 10, false, h.now).error(), EPIPE);
    EXPECT_EQ(s->receive(sink, 10, false, h.now).error(), ENOTCONN);
    EXPECT_EQ(s->shutdown(true, true, h.now).error(), ENOTCONN);
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    EXPECT_EQ(s->connect({kPeer, 80}, h.now).error(), EALREADY);
    EXPECT_EQ(s->listen(4, h.now).error(), EINVAL);
    EXPECT_EQ(s->send(source, 10, false, h.now).error(), EAGAIN) << "the handshake still runs";
    EXPECT_FALSE(s->writable());
    Socket* l = h.tcp->create_socket().value();
    ASSERT_TRUE(l->listen(4, h.now).is_ok());
    EXPECT_EQ(l->receive(sink, 10, false, h.now).error(), ENOTCONN);
    EXPECT_EQ(l->connect({kPeer, 80}, h.now).error(), EISCONN);
    EXPECT_EQ(h.tcp->create_socket().value()->connect({Ipv4Address::from_octets(224, 0, 0, 1), 80}, h.now).error(),
              ENETUNREACH);
}

TEST(TcpPorts, SocketBuffersAreDoubledAsLinuxStoresThem) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    EXPECT_EQ(s->options().receive_buffer, 131072u);
    s->set_receive_buffer(10000, h.now);
    EXPECT_EQ(s->options().receive_buffer, 20000u);
    s->set_receive_buffer(1, h.now);
    EXPECT_EQ(s->options().receive_buffer, 2304u);
    s->set_send_buffer(1u << 30, h.now);
    EXPECT_EQ(s->options().send_buffer, 2u * 212992);
    EXPECT_EQ(s->set_max_segment(50).error(), EINVAL);
    EXPECT_TRUE(s->set_max_segment(1000).is_ok());
    EXPECT_EQ(s->options().max_segment, 1000);
}

TEST(TcpPorts, ALoopbackConnectReusesAPortInTimeWaitAfterASecond) {
    Config config;
    config.ephemeral_first = config.ephemeral_last = 40000;
    Harness h(config);
    auto from_server = [&](Spec spec) {
        spec.source_port = 80;
        spec.destination_port = 40000;
        auto bytes = build_segment(spec, kIpv4Loopback, kIpv4Loopback);
        IpPacketInfo info;
        info.source = info.destination = kIpv4Loopback;
        h.tcp->receive(info, bytes.data(), bytes.size(), h.now);
    };
    Socket* first = h.tcp->create_socket().value();
    ASSERT_TRUE(first->connect({kIpv4Loopback, 80}, h.now).is_ok());
    EXPECT_EQ(first->local(), (Endpoint{kIpv4Loopback, 40000}));
    Segment syn = h.next();
    EXPECT_EQ(syn.options.mss, 65475) << "loopback: 65495 bytes per packet less the TCP header";
    Spec synack{flags::kSyn | flags::kAck, 7000, syn.seq + 1, 65535};
    synack.options.timestamps = true;
    synack.options.ts_value = 100;
    synack.options.ts_echo = syn.options.ts_value;
    synack.options.mss = 65475;
    from_server(synack);
    ASSERT_EQ(first->state(), State::Established);
    first->close(h.now);
    (void)h.next();
    (void)h.next();
    Spec fin{flags::kFin | flags::kAck, 7001, syn.seq + 2, 65535};
    fin.options.timestamps = true;
    fin.options.ts_value = 101;
    from_server(fin);
    ASSERT_EQ(h.tcp->time_wait_count(), 1u);
    Socket* second = h.tcp->create_socket().value();
    EXPECT_EQ(second->connect({kIpv4Loopback, 80}, h.now).error(), EADDRNOTAVAIL) << "too fresh";
    h.advance(2 * kSecond);
    ASSERT_TRUE(second->connect({kIpv4Loopback, 80}, h.now).is_ok());
    EXPECT_EQ(second->local().port, 40000);
    EXPECT_EQ(h.tcp->stats().time_wait_recycled, 1u);
    EXPECT_EQ(h.tcp->time_wait_count(), 0u);
}

}  // namespace
