// Closing connections, segment by segment: active, passive and simultaneous close,
// TIME_WAIT, half-close, resets on close, RFC 5961's RST and SYN rules, keepalive.
#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

TEST(TcpClose, ActiveCloseWaitsInTimeWaitFor60Seconds) {
    Harness h;
    Socket* c = h.accept_connection();
    h.listener->close(h.now);
    c->close(h.now);
    Segment fin = h.next();
    EXPECT_EQ(fin.flags, flags::kFin | flags::kAck);
    EXPECT_EQ(fin.seq, h.our_seq);
    EXPECT_EQ(h.tcp->socket_count(), 1u);
    h.peer_acks(h.our_seq + 1);  // FIN_WAIT_2
    h.expect_nothing();
    Spec peer_fin{flags::kFin | flags::kAck, 1001, h.our_seq + 1, 65535};
    h.inject(peer_fin);
    Segment ack = h.next();
    EXPECT_EQ(ack.flags, flags::kAck);
    EXPECT_EQ(ack.ack, 1002u);
    EXPECT_EQ(h.tcp->time_wait_count(), 1u);
    // A retransmitted FIN is acknowledged again.
    h.advance(30 * kSecond);
    h.inject(peer_fin);
    EXPECT_EQ(h.next().ack, 1002u);
    h.advance(59 * kSecond);
    EXPECT_EQ(h.tcp->socket_count(), 1u) << "the retransmitted FIN restarted the 60 s";
    h.advance(2 * kSecond);
    EXPECT_EQ(h.tcp->socket_count(), 0u);
    EXPECT_EQ(h.tcp->time_wait_count(), 0u);
    EXPECT_EQ(h.tcp->stats().curr_estab, 0u);
    EXPECT_EQ(h.tcp->stats().estab_resets, 0u);
}

TEST(TcpClose, PassiveCloseReportsEndOfStreamAndEndsAfterLastAck) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_sends(1001, pattern(10), flags::kFin);
    EXPECT_EQ(c->state(), State::CloseWait);
    EXPECT_TRUE(c->peer_closed());
    EXPECT_TRUE(h.events.for_socket(c) & Events::kPeerClosed);
    EXPECT_EQ(h.read_all(c).size(), 10u);
    std::vector<u8> buffer(10);
    VectorSink sink(buffer);
    EXPECT_EQ(c->receive(sink, 10, false, h.now).value_or(99), 0u);
    EXPECT_TRUE(c->readable());
    EXPECT_FALSE(c->hung_up());
    EXPECT_EQ(h.write(c, pattern(5)), 5u) << "the other direction is still open";
    while (h.pending()) EXPECT_EQ(h.next().ack, 1012u);
    c->close(h.now);
    Segment fin = h.next();
    EXPECT_TRUE(fin.has(flags::kFin));
    EXPECT_EQ(fin.seq, h.our_seq + 5);
    h.peer_acks(h.our_seq + 6, 65535, 1012);
    EXPECT_EQ(h.tcp->socket_count(), 1u) << "only the listener remains";
}

TEST(TcpClose, SimultaneousCloseGoesThroughClosing) {
    Harness h;
    Socket* c = h.accept_connection();
    ASSERT_TRUE(c->shutdown(false, true, h.now).is_ok());
    EXPECT_EQ(c->state(), State::FinWait1);
    (void)h.next();
    Spec peer_fin{flags::kFin | flags::kAck, 1001, h.our_seq, 65535};  // has not seen our FIN
    h.inject(peer_fin);
    EXPECT_EQ(c->state(), State::Closing);
    EXPECT_EQ(h.next().ack, 1002u);
    h.peer_acks(h.our_seq + 1, 65535, 1002);
    EXPECT_EQ(c->state(), State::TimeWait);
    EXPECT_TRUE(c->hung_up());
}

TEST(TcpClose, HalfCloseKeepsReceiving) {
    Harness h;
    Socket* c = h.accept_connection();
    ASSERT_TRUE(c->shutdown(false, true, h.now).is_ok());
    (void)h.next();
    EXPECT_FALSE(c->fin_acknowledged());
    h.peer_acks(h.our_seq + 1);
    EXPECT_EQ(c->state(), State::FinWait2);
    EXPECT_TRUE(c->fin_acknowledged()) << "what a lingering close waits for";
    auto data = pattern(3000);
    h.peer_sends(1001, std::vector<u8>(data.begin(), data.begin() + 1460));
    h.peer_sends(2461, std::vector<u8>(data.begin() + 1460, data.end()));
    EXPECT_EQ(c->state(), State::FinWait2);
    EXPECT_EQ(c->readable_bytes(), 3000u);
    VectorSource source(data);
    EXPECT_EQ(c->send(source, 10, false, h.now).error(), EPIPE);
    h.peer_sends(4001, {}, flags::kFin);
    EXPECT_EQ(c->state(), State::TimeWait);
    EXPECT_EQ(h.read_all(c), data);
    EXPECT_TRUE(c->peer_closed());
}

TEST(TcpClose, ClosingWithUnreadDataResets) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_sends(1001, pattern(100));
    while (h.pending()) (void)h.next();
    c->close(h.now);
    Segment rst = h.next();
    EXPECT_TRUE(rst.has(flags::kRst));
    EXPECT_EQ(rst.seq, h.our_seq);
    EXPECT_EQ(h.tcp->stats().abort_on_close, 1u);
    EXPECT_EQ(h.tcp->socket_count(), 1u);
}

TEST(TcpClose, LingerZeroResets) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_linger(true, 0);
    c->close(h.now);
    EXPECT_TRUE(h.next().has(flags::kRst));
    EXPECT_EQ(h.tcp->stats().abort_on_linger, 1u);
}

TEST(TcpClose, DataForAClosedApplicationIsReset) {
    Harness h;
    Socket* c = h.accept_connection();
    c->close(h.now);
    (void)h.next();
    h.peer_acks(h.our_seq + 1);
    h.peer_sends(1001, pattern(10));
    Segment rst = h.next();
    EXPECT_TRUE(rst.has(flags::kRst));
    EXPECT_EQ(h.tcp->stats().abort_on_data, 1u);
    EXPECT_EQ(h.tcp->socket_count(), 1u);
}

TEST(TcpClose, AnOrphanedFinWait2EndsAfterFinTimeout) {
    Harness h;
    Socket* c = h.accept_connection();
    c->close(h.now);
    (void)h.next();
    h.peer_acks(h.our_seq + 1);
    EXPECT_EQ(h.tcp->socket_count(), 2u);
    h.advance(61 * kSecond);
    EXPECT_EQ(h.tcp->socket_count(), 1u);
}

TEST(TcpClose, AnExactResetEndsTheConnection) {
    Harness h;
    Socket* c = h.accept_connection();
    Spec rst{flags::kRst, 1001, 0, 0};
    h.inject(rst);
    EXPECT_EQ(c->state(), State::Closed);
    EXPECT_EQ(c->take_error(), ECONNRESET);
    EXPECT_TRUE(h.events.for_socket(c) & Events::kError);
    EXPECT_EQ(h.tcp->stats().estab_resets, 1u);
    EXPECT_EQ(h.tcp->stats().curr_estab, 0u);
    h.expect_nothing();
    std::vector<u8> data = pattern(10);
    VectorSource source(data);
    EXPECT_EQ(c->send(source, 10, false, h.now).error(), EPIPE);
}

TEST(TcpClose, DataQueuedBeforeAResetIsStillReadable) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_sends(1001, pattern(10));
    Spec rst{flags::kRst, 1011, 0, 0};
    h.inject(rst);
    EXPECT_EQ(h.read_all(c).size(), 10u);
    std::vector<u8> buffer(1);
    VectorSink sink(buffer);
    EXPECT_EQ(c->receive(sink, 1, false, h.now).error(), ECONNRESET);
    EXPECT_EQ(c->receive(sink, 1, false, h.now).value_or(99), 0u);
}

TEST(TcpClose, AnInWindowResetGetsAChallengeAck) {
    Harness h;
    Socket* c = h.accept_connection();
    Spec rst{flags::kRst, 1500, 0, 0};
    h.inject(rst);
    EXPECT_EQ(c->state(), State::Established);
    Segment challenge = h.next();
    EXPECT_EQ(challenge.flags, flags::kAck);
    EXPECT_EQ(challenge.ack, 1001u);
    EXPECT_EQ(h.tcp->stats().challenge_acks, 1u);
    rst.seq = 1001 + 200000;  // outside the window: dropped silently
    h.inject(rst);
    h.expect_nothing();
    EXPECT_EQ(c->state(), State::Established);
}

TEST(TcpClose, ASynOnAnEstablishedConnectionGetsAChallengeAck) {
    Harness h;
    Socket* c = h.accept_connection();
    Spec syn{flags::kSyn, 5000, 0, 1000};
    h.inject(syn);
    Segment challenge = h.next();
    EXPECT_EQ(challenge.flags, flags::kAck);
    EXPECT_EQ(challenge.ack, 1001u);
    EXPECT_EQ(c->state(), State::Established);
}

TEST(TcpClose, AnAckOfUnsentDataIsAnsweredAndDropped) {
    Harness h;
    Socket* c = h.accept_connection();
    Spec bogus{flags::kAck, 1001, h.our_seq + 5000, 65535};
    bogus.data = pattern(10);
    h.inject(bogus);
    EXPECT_EQ(h.next().ack, 1001u);
    EXPECT_EQ(c->readable_bytes(), 0u);
}

TEST(TcpClose, AResetInCloseWaitReportsEpipe) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_sends(1001, {}, flags::kFin);
    Spec rst{flags::kRst, 1002, 0, 0};
    h.inject(rst);
    EXPECT_EQ(c->take_error(), EPIPE);
}

TEST(TcpClose, ShutdownReadEndsReading) {
    Harness h;
    Socket* c = h.accept_connection();
    ASSERT_TRUE(c->shutdown(true, false, h.now).is_ok());
    std::vector<u8> buffer(1);
    VectorSink sink(buffer);
    EXPECT_EQ(c->receive(sink, 1, false, h.now).value_or(99), 0u);
    EXPECT_TRUE(c->readable());
    EXPECT_EQ(h.write(c, pattern(10)), 10u) << "writing goes on";
}

TEST(TcpClose, KeepaliveProbesAnIdlePeerAndGivesUp) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_keepalive(true, h.now);
    ASSERT_TRUE(c->set_keepalive_idle(10, h.now).is_ok());
    ASSERT_TRUE(c->set_keepalive_interval(2).is_ok());
    ASSERT_TRUE(c->set_keepalive_count(3).is_ok());
    EXPECT_EQ(c->set_keepalive_count(0).error(), EINVAL);
    h.advance(9 * kSecond);
    h.expect_nothing();
    h.advance(2 * kSecond);
    Segment probe = h.next();
    EXPECT_EQ(probe.seq, h.our_seq - 1);
    EXPECT_EQ(probe.data_length, 0u);
    h.peer_acks(h.our_seq);  // alive
    h.advance(9 * kSecond);
    h.expect_nothing();
    h.advance(2 * kSecond);
    EXPECT_EQ(h.next().seq, h.our_seq - 1);
    for (int i = 0; i < 2; i++) {
        h.advance(2 * kSecond);
        EXPECT_EQ(h.next().seq, h.our_seq - 1);
    }
    h.advance(2 * kSecond);
    EXPECT_TRUE(h.next().has(flags::kRst));
    EXPECT_EQ(c->state(), State::Closed);
    EXPECT_EQ(c->take_error(), ETIMEDOUT);
    EXPECT_GE(h.tcp->stats().keepalive_probes, 4u);
}

TEST(TcpClose, KeepaliveIsOffByDefault) {
    Harness h;
    Socket* c = h.accept_connection();
    EXPECT_FALSE(c->options().keepalive);
    EXPECT_EQ(c->options().keepalive_idle, 7200u);
    EXPECT_EQ(c->options().keepalive_interval, 75u);
    EXPECT_EQ(c->options().keepalive_count, 9u);
    h.advance(3 * 3600 * kSecond);
    h.expect_nothing();
    EXPECT_EQ(c->state(), State::Established);
}

TEST(TcpClose, ANewSynReopensATimeWaitConnection) {
    Harness h;
    Socket* c = h.accept_connection();
    c->close(h.now);
    (void)h.next();
    Spec fin{flags::kFin | flags::kAck, 1001, h.our_seq + 1, 65535};
    h.inject(fin);
    (void)h.next();
    ASSERT_EQ(h.tcp->time_wait_count(), 1u);
    Spec syn{flags::kSyn, 50000, 0, 65535};
    h.inject(syn);
    Segment synack = h.next();
    EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(synack.ack, 50001u);
    EXPECT_EQ(h.tcp->stats().time_wait_recycled, 1u);
    EXPECT_EQ(h.tcp->time_wait_count(), 0u);
    // An old SYN (below the old connection's sequence space) only gets an ACK.
}

}  // namespace

namespace {

using namespace tcp_test;

// Closes one accepted connection actively, through to TIME_WAIT.
void close_to_time_wait(Harness& h, u16 port) {
    Spec syn{flags::kSyn, 1000, 0, 65535};
    syn.source_port = port;
    h.inject(syn);
    Segment synack = h.next();
    Spec ack{flags::kAck, 1001, synack.seq + 1, 65535};
    ack.source_port = port;
    h.inject(ack);
    Socket* c = h.listener->accept();
    ASSERT_NE(c, nullptr);
    c->close(h.now);
    Segment fin = h.next();
    ASSERT_TRUE(fin.has(flags::kFin)) << "a graceful close, not a reset";
    Spec peer_fin{flags::kFin | flags::kAck, 1001, synack.seq + 2, 65535};
    peer_fin.source_port = port;
    h.inject(peer_fin);
    (void)h.next();
}

TEST(TcpClose, TimeWaitConnectionsDoNotCountAsOrphans) {
    Config config;
    config.max_orphans = 2;
    Harness h(config);
    h.listener = h.tcp->create_socket().value();
    ASSERT_TRUE(h.listener->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(h.listener->listen(16, h.now).is_ok());
    for (u16 port = 50000; port < 50006; port++) close_to_time_wait(h, port);
    EXPECT_EQ(h.tcp->time_wait_count(), 6u);
    EXPECT_EQ(h.tcp->orphan_count(), 0u);
    EXPECT_EQ(h.tcp->stats().abort_on_memory, 0u);
}

TEST(TcpClose, BeyondTheTimeWaitLimitConnectionsCloseAtOnce) {
    Config config;
    config.max_time_wait = 2;
    Harness h(config);
    h.listener = h.tcp->create_socket().value();
    ASSERT_TRUE(h.listener->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(h.listener->listen(16, h.now).is_ok());
    for (u16 port = 50000; port < 50004; port++) close_to_time_wait(h, port);
    EXPECT_EQ(h.tcp->time_wait_count(), 2u);
    EXPECT_EQ(h.tcp->stats().time_wait_overflow, 2u);
    EXPECT_EQ(h.tcp->socket_count(), 3u);
}

TEST(TcpClose, ASocketCanConnectAgainAfterAFailedAttempt) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    Segment syn = h.next();
    Spec rst{flags::kRst | flags::kAck, 0, syn.seq + 1, 0};
    rst.source_port = 80;
    rst.destination_port = s->local().port;
    h.inject(rst);
    ASSERT_EQ(s->state(), State::Closed);
    ASSERT_TRUE(s->connect({kPeer, 81}, h.now).is_ok());
    EXPECT_EQ(s->take_error(), 0) << "the old error went with the old attempt";
    EXPECT_EQ(h.next().flags, flags::kSyn);
}

}  // namespace

namespace {

using namespace tcp_test;

TEST(TcpClose, AFinThatAlsoAcksOursGoesStraightToTimeWait) {
    Harness h;
    Socket* c = h.accept_connection();
    ASSERT_TRUE(c->shutdown(false, true, h.now).is_ok());
    (void)h.next();
    Spec fin{flags::kFin | flags::kAck, 1001, h.our_seq + 1, 65535};
    h.inject(fin);
    EXPECT_EQ(c->state(), State::TimeWait);
    EXPECT_EQ(h.next().ack, 1002u);
    EXPECT_TRUE(h.events.for_socket(c) & Events::kClosed);
}

TEST(TcpClose, ClosingDuringASimultaneousOpenSendsTheFinOnceEstablished) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}, {}).is_ok());
    ASSERT_TRUE(s->connect({kPeer, 6000}, h.now).is_ok());
    Segment syn = h.next();
    Spec their_syn{flags::kSyn, 9000, 0, 65535};
    their_syn.source_port = 6000;
    their_syn.destination_port = 5000;
    h.inject(their_syn);
    (void)h.next();  // our SYN-ACK
    ASSERT_EQ(s->state(), State::SynReceived);
    ASSERT_TRUE(s->shutdown(false, true, h.now).is_ok());
    h.expect_nothing();
    Spec ack{flags::kAck, 9001, syn.seq + 1, 65535};
    ack.source_port = 6000;
    ack.destination_port = 5000;
    h.inject(ack);
    EXPECT_EQ(s->state(), State::FinWait1);
    Segment fin = h.next();
    EXPECT_TRUE(fin.has(flags::kFin));
    EXPECT_EQ(fin.seq, syn.seq + 1);
}

}  // namespace
