// Opening connections, segment by segment: passive and active opens, option negotiation,
// simultaneous open, refused and timed-out connects, resets to segments for no socket.
#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

OutgoingOptions linux_syn_options() {
    OutgoingOptions o;
    o.mss = 1460;
    o.window_scale = 7;
    o.sack_permitted = true;
    o.timestamps = true;
    o.ts_value = 5000;
    return o;
}

TEST(TcpHandshake, PassiveOpenAnswersWithTheOptionsThePeerOffered) {
    Harness h;
    Socket* l = h.tcp->create_socket().value();
    ASSERT_TRUE(l->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(l->listen(8, h.now).is_ok());
    EXPECT_EQ(l->state(), State::Listen);
    Spec syn{flags::kSyn, 1000, 0, 29200};
    syn.options = linux_syn_options();
    h.inject(syn);
    Segment synack = h.next();
    EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(synack.ack, 1001u);
    EXPECT_EQ(synack.source_port, 8080);
    EXPECT_EQ(synack.destination_port, 40000);
    EXPECT_EQ(synack.options.mss, 1460);  // 1500 - 40
    EXPECT_TRUE(synack.options.sack_permitted);
    EXPECT_TRUE(synack.options.has_timestamps);
    EXPECT_EQ(synack.options.ts_echo, 5000u);
    EXPECT_TRUE(synack.options.has_window_scale);
    EXPECT_EQ(synack.window, 65535) << "a SYN's window is never scaled";
    EXPECT_TRUE(h.last_packet().options.dont_fragment);
    EXPECT_EQ(h.last_packet().options.checksum_field, 16);
    EXPECT_EQ(l->accept(), nullptr) << "not before the handshake completes";

    Spec ack{flags::kAck, 1001, synack.seq + 1, 229};
    ack.options.timestamps = true;
    ack.options.ts_value = 5001;
    ack.options.ts_echo = synack.options.ts_value;
    h.inject(ack);
    EXPECT_TRUE(h.events.for_socket(l) & Events::kAcceptable);
    Socket* c = l->accept();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->user, nullptr);
    EXPECT_EQ(c->state(), State::Established);
    EXPECT_EQ(c->remote(), (Endpoint{kPeer, 40000}));
    EXPECT_EQ(c->local(), (Endpoint{kLocal, 8080}));
    Info info = c->info(h.now);
    EXPECT_EQ(info.options, 7) << "timestamps, SACK and window scaling agreed";
    EXPECT_EQ(info.snd_wscale, 7);
    EXPECT_EQ(info.snd_wnd, 229u << 7);
    EXPECT_EQ(info.snd_mss, 1460u - 12) << "the timestamps option takes 12 bytes of every segment";
    EXPECT_EQ(h.tcp->stats().passive_opens, 1u);
    EXPECT_EQ(h.tcp->stats().curr_estab, 1u);
    h.expect_nothing();
    c->close(h.now);
    l->close(h.now);
}

TEST(TcpHandshake, WithoutOptionsUses536AndNoScaling) {
    Harness h;
    OutgoingOptions none;
    Socket* c = h.accept_connection(none);
    ASSERT_NE(c, nullptr);
    Info info = c->info(h.now);
    EXPECT_EQ(info.options, 0);
    EXPECT_EQ(info.snd_mss, 536u);
    EXPECT_EQ(info.snd_wscale, 0);
    EXPECT_EQ(info.rcv_wscale, 0);
}

TEST(TcpHandshake, ActiveOpenOffersEverythingAndCompletes) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    EXPECT_EQ(s->state(), State::SynSent);
    EXPECT_GE(s->local().port, 32768);
    EXPECT_LE(s->local().port, 60999);
    EXPECT_EQ(s->local().address, kLocal);
    Segment syn = h.next();
    EXPECT_EQ(syn.flags, flags::kSyn);
    EXPECT_EQ(syn.options.mss, 1460);
    EXPECT_TRUE(syn.options.sack_permitted);
    EXPECT_TRUE(syn.options.has_timestamps);
    EXPECT_EQ(syn.options.ts_echo, 0u);
    EXPECT_TRUE(syn.options.has_window_scale);
    EXPECT_EQ(syn.options.window_scale, 7);  // room for 6 MiB, as Linux
    EXPECT_EQ(h.tcp->stats().active_opens, 1u);

    Spec synack{flags::kSyn | flags::kAck, 7000, syn.seq + 1, 65535};
    synack.source_port = 80;
    synack.destination_port = s->local().port;
    synack.options = linux_syn_options();
    synack.options.ts_echo = syn.options.ts_value;
    h.inject(synack);
    EXPECT_EQ(s->state(), State::Established);
    EXPECT_TRUE(h.events.for_socket(s) & Events::kConnected);
    EXPECT_TRUE(s->connected());
    Segment ack = h.next();
    EXPECT_EQ(ack.flags, flags::kAck);
    EXPECT_EQ(ack.seq, syn.seq + 1);
    EXPECT_EQ(ack.ack, 7001u);
    EXPECT_EQ(ack.options.ts_echo, 5000u);
    EXPECT_EQ(s->connect({kPeer, 80}, h.now).error(), EISCONN);
}

TEST(TcpHandshake, RefusedConnectReportsEconnrefused) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    Segment syn = h.next();
    Spec rst{flags::kRst | flags::kAck, 0, syn.seq + 1, 0};
    rst.source_port = 80;
    rst.destination_port = s->local().port;
    h.inject(rst);
    EXPECT_EQ(s->state(), State::Closed);
    EXPECT_TRUE(h.events.for_socket(s) & Events::kError);
    EXPECT_EQ(s->take_error(), ECONNREFUSED);
    EXPECT_EQ(s->take_error(), 0);
    EXPECT_EQ(h.tcp->stats().attempt_fails, 1u);
}

TEST(TcpHandshake, ResetWithAWrongAckIsIgnoredInSynSent) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    Segment syn = h.next();
    Spec rst{flags::kRst | flags::kAck, 0, syn.seq + 55, 0};
    rst.source_port = 80;
    rst.destination_port = s->local().port;
    h.inject(rst);
    EXPECT_EQ(s->state(), State::SynSent);
    h.expect_nothing();
}

TEST(TcpHandshake, SynRetransmitsBackOffAndTimeOut) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    Nanos start = h.now;
    (void)h.next();
    std::vector<Nanos> gaps;
    Nanos last = start;
    while (s->state() == State::SynSent && h.now < start + 300 * kSecond) {
        h.advance(kSecond / 10);
        while (h.pending()) {
            Segment seg = h.next();
            EXPECT_EQ(seg.flags, flags::kSyn);
            gaps.push_back(h.now - last);
            last = h.now;
        }
    }
    // Linux: 6 retries at 1, 2, 4, 8, 16, 32 s, failing 64 s after the last (127 s).
    ASSERT_EQ(gaps.size(), 6u);
    for (usize i = 0; i < gaps.size(); i++) {
        EXPECT_GE(gaps[i], (kSecond << i));
        EXPECT_LE(gaps[i], (kSecond << i) + kSecond / 10);
    }
    EXPECT_EQ(s->state(), State::Closed);
    EXPECT_EQ(s->take_error(), ETIMEDOUT);
    EXPECT_GE(h.now - start, 127 * kSecond);
}

TEST(TcpHandshake, IcmpUnreachableAbortsAConnect) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->connect({kPeer, 80}, h.now).is_ok());
    Segment syn = h.next();
    u8 quoted[28] = {0x45};
    quoted[9] = kProtoTcp;
    kLocal.store(quoted + 12);
    kPeer.store(quoted + 16);
    store_be16(quoted + 20, s->local().port);
    store_be16(quoted + 22, 80);
    store_be32(quoted + 24, syn.seq);
    h.tcp->icmp_error(3, 1, 0, quoted, sizeof quoted, h.now);
    EXPECT_EQ(s->state(), State::Closed);
    EXPECT_EQ(s->take_error(), EHOSTUNREACH);
}

TEST(TcpHandshake, SimultaneousOpenReachesEstablished) {
    Harness h;
    Socket* s = h.tcp->create_socket().value();
    ASSERT_TRUE(s->bind({kIpv4Any, 5000}, {}).is_ok());
    ASSERT_TRUE(s->connect({kPeer, 6000}, h.now).is_ok());
    Segment syn = h.next();
    Spec their_syn{flags::kSyn, 9000, 0, 65535};
    their_syn.source_port = 6000;
    their_syn.destination_port = 5000;
    their_syn.options.mss = 1400;
    h.inject(their_syn);
    EXPECT_EQ(s->state(), State::SynReceived);
    Segment synack = h.next();
    EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(synack.seq, syn.seq);
    EXPECT_EQ(synack.ack, 9001u);
    Spec their_synack{flags::kSyn | flags::kAck, 9000, syn.seq + 1, 65535};
    their_synack.source_port = 6000;
    their_synack.destination_port = 5000;
    h.inject(their_synack);
    EXPECT_EQ(s->state(), State::Established);
    EXPECT_TRUE(h.events.for_socket(s) & Events::kConnected);
}

TEST(TcpHandshake, SegmentsForNoSocketGetAReset) {
    Harness h;
    Spec syn{flags::kSyn, 1000, 0, 1000};
    h.inject(syn);
    Segment rst = h.next();
    EXPECT_EQ(rst.flags, flags::kRst | flags::kAck);
    EXPECT_EQ(rst.seq, 0u);
    EXPECT_EQ(rst.ack, 1001u);
    Spec data{flags::kAck | flags::kPsh, 1000, 777, 1000};
    data.data = {1, 2, 3};
    h.inject(data);
    rst = h.next();
    EXPECT_EQ(rst.flags, flags::kRst);
    EXPECT_EQ(rst.seq, 777u);
    Spec reset{flags::kRst, 1000, 0, 0};
    h.inject(reset);
    h.expect_nothing();  // never a reset for a reset
    EXPECT_EQ(h.tcp->stats().out_rsts, 2u);
}

TEST(TcpHandshake, BadChecksumsAreDroppedAndCounted) {
    Harness h;
    auto bytes = build_segment(Spec{flags::kSyn, 1, 0, 100}, kPeer, kLocal);
    bytes[20 - 1] ^= 0x40;  // flip a bit in the urgent pointer
    IpPacketInfo info;
    info.source = kPeer;
    info.destination = kLocal;
    h.tcp->receive(info, bytes.data(), bytes.size(), h.now);
    h.expect_nothing();
    EXPECT_EQ(h.tcp->stats().in_csum_errors, 1u);
    EXPECT_EQ(h.tcp->stats().in_errs, 1u);
    info.checksum_verified = true;  // the device said it was fine: believed
    h.tcp->receive(info, bytes.data(), bytes.size(), h.now);
    EXPECT_EQ(h.pending(), 1u);
}

TEST(TcpHandshake, BroadcastSegmentsGetNoAnswer) {
    Harness h;
    auto bytes = build_segment(Spec{flags::kSyn, 1, 0, 100}, kPeer, kIpv4Broadcast);
    IpPacketInfo info;
    info.source = kPeer;
    info.destination = kIpv4Broadcast;
    info.link_broadcast = true;
    h.tcp->receive(info, bytes.data(), bytes.size(), h.now);
    h.expect_nothing();
}

}  // namespace
