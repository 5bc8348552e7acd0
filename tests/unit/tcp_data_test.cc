// Data transfer segment by segment: delayed and quick ACKs, out-of-order data and SACK
// blocks, Nagle, TCP_NODELAY, TCP_CORK and MSG_MORE, the peer's window and the persist
// timer, our own window, timestamps.
#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

OutgoingOptions sack_ts_options() {
    OutgoingOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    o.timestamps = true;
    o.ts_value = 100;
    return o;
}

TEST(TcpData, QuickAcksTheFirstSegmentsOfAConnection) {
    Harness h;
    Socket* c = h.accept_connection();
    auto data = pattern(100);
    h.peer_sends(1001, data);
    Segment ack = h.next();
    EXPECT_EQ(ack.flags, flags::kAck);
    EXPECT_EQ(ack.ack, 1101u);
    EXPECT_EQ(c->readable_bytes(), 100u);
    EXPECT_TRUE(h.events.for_socket(c) & Events::kReadable);
    EXPECT_EQ(h.read_all(c), data);
}

TEST(TcpData, DelaysTheAckOfASmallSegmentOnceQuickAcksAreSpent) {
    Harness h;
    Socket* c = h.accept_connection();
    u32 seq = 1001;
    for (int i = 0; i < 16; i++) {
        h.peer_sends(seq, pattern(10, i));
        seq += 10;
        ASSERT_EQ(h.pending(), 1u) << "segment " << i << " is quick-acked";
        EXPECT_EQ(h.next().ack, seq);
        h.advance(kMillisecond);
    }
    h.peer_sends(seq, pattern(10));
    seq += 10;
    h.expect_nothing();
    h.advance(39 * kMillisecond);
    h.expect_nothing();
    h.advance(2 * kMillisecond);
    ASSERT_EQ(h.pending(), 1u) << "the delayed ACK, 40 ms later";
    EXPECT_EQ(h.next().ack, seq);
    EXPECT_EQ(h.tcp->stats().delayed_acks, 1u);
    (void)c;
}

TEST(TcpData, AcksEverySecondFullSizedSegment) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_quickack(false, h.now);
    h.peer_sends(1001, pattern(1460, 1));
    h.expect_nothing();
    h.peer_sends(2461, pattern(1460, 2));
    ASSERT_EQ(h.pending(), 1u);
    EXPECT_EQ(h.next().ack, 3921u);
    h.peer_sends(3921, pattern(1460, 3));
    h.expect_nothing();
    EXPECT_FALSE(c->quickack());
    c->set_quickack(true, h.now);
    ASSERT_EQ(h.pending(), 1u) << "TCP_QUICKACK sends the pending ACK";
    EXPECT_EQ(h.next().ack, 5381u);
}

TEST(TcpData, ReadingAPushedRequestAcksIt) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_quickack(false, h.now);
    h.advance(kMillisecond);
    c->set_quickack(true, h.now);
    c->set_quickack(false, h.now);  // pingpong on, quick ACKs spent
    h.peer_sends(1001, pattern(100), flags::kPsh);
    h.expect_nothing();
    // Reading leaves the delayed ACK alone while in interactive mode (our answer will
    // carry it) ...
    EXPECT_EQ(h.read_all(c).size(), 100u);
    h.expect_nothing();
    // ... and the answer does carry it.
    EXPECT_EQ(h.write(c, pattern(50)), 50u);
    Segment answer = h.next();
    EXPECT_EQ(answer.ack, 1101u);
    EXPECT_EQ(answer.data_length, 50u);
}

TEST(TcpData, OutOfOrderDataIsAckedAtOnceWithSackBlocks) {
    Harness h;
    Socket* c = h.accept_connection(sack_ts_options());
    auto data = pattern(3000);
    auto part = [&](usize from, usize to) { return std::vector<u8>(data.begin() + from, data.begin() + to); };
    h.peer_sends(1001, part(0, 1000));
    EXPECT_EQ(h.next().ack, 2001u);
    h.peer_sends(3001, part(2000, 3000));  // a hole at 2001..3001
    Segment dup = h.next();
    EXPECT_EQ(dup.ack, 2001u);
    ASSERT_EQ(dup.options.sack_count, 1);
    EXPECT_EQ(dup.options.sack[0].start, 3001u);
    EXPECT_EQ(dup.options.sack[0].end, 4001u);
    EXPECT_EQ(c->readable_bytes(), 1000u);
    h.peer_sends(2001, part(1000, 2000));
    Segment ack = h.next();
    EXPECT_EQ(ack.ack, 4001u) << "the hole filled: everything acked at once";
    EXPECT_EQ(ack.options.sack_count, 0);
    EXPECT_EQ(h.read_all(c), data);
    EXPECT_EQ(h.tcp->stats().ofo_queue, 1u);
}

TEST(TcpData, ReportsTheNewestSackBlockFirst) {
    Harness h;
    Socket* c = h.accept_connection(sack_ts_options());
    h.peer_sends(1001 + 2000, pattern(100, 1));
    h.peer_sends(1001 + 4000, pattern(100, 2));
    h.peer_sends(1001 + 6000, pattern(100, 3));
    h.peer_sends(1001 + 2100, pattern(100, 4));
    h.consumed = h.ip.sent.size() - 1;
    Segment last = h.next();
    ASSERT_EQ(last.options.sack_count, 3);
    EXPECT_EQ(last.options.sack[0].start, 3001u);
    EXPECT_EQ(last.options.sack[0].end, 3201u);
    EXPECT_EQ(last.options.sack[1].start, 7001u);
    EXPECT_EQ(last.options.sack[2].start, 5001u);
    (void)c;
}

TEST(TcpData, EchoesTimestampsAndDropsOldOnesByPaws) {
    Harness h;
    Socket* c = h.accept_connection(sack_ts_options());
    Spec s{flags::kAck, 1001, h.our_seq, 65535};
    s.data = pattern(10);
    s.options.timestamps = true;
    s.options.ts_value = 200;
    h.inject(s);
    Segment ack = h.next();
    EXPECT_TRUE(ack.options.has_timestamps);
    EXPECT_EQ(ack.options.ts_echo, 200u);
    s.seq = 1011;
    s.options.ts_value = 150;  // older than what we saw: a wrapped-around old duplicate
    h.inject(s);
    EXPECT_EQ(c->readable_bytes(), 10u) << "PAWS dropped it";
    EXPECT_EQ(h.tcp->stats().paws_drops, 1u);
    Segment dup = h.next();
    EXPECT_EQ(dup.ack, 1011u);
}

TEST(TcpData, NagleHoldsASecondSmallSegmentUntilTheFirstIsAcked) {
    Harness h;
    Socket* c = h.accept_connection();
    EXPECT_EQ(h.write(c, pattern(100, 1)), 100u);
    Segment first = h.next();
    EXPECT_EQ(first.data_length, 100u);
    EXPECT_TRUE(first.has(flags::kPsh));
    EXPECT_EQ(h.write(c, pattern(100, 2)), 100u);
    h.expect_nothing();
    EXPECT_EQ(c->unsent_bytes(), 100u);
    h.peer_acks(h.our_seq + 100);
    Segment second = h.next();
    EXPECT_EQ(second.seq, h.our_seq + 100);
    EXPECT_EQ(second.data_length, 100u);
}

TEST(TcpData, NagleLetsFullSegmentsGo) {
    Harness h;
    Socket* c = h.accept_connection();
    EXPECT_EQ(h.write(c, pattern(100, 1)), 100u);
    (void)h.next();
    EXPECT_EQ(h.write(c, pattern(3000, 2)), 3000u);
    EXPECT_EQ(h.next().data_length, 1460u);
    EXPECT_EQ(h.next().data_length, 1460u);
    h.expect_nothing();  // 80 bytes wait for the small segment's ACK
}

TEST(TcpData, NodelaySendsSmallSegmentsAtOnce) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_nodelay(true, h.now);
    EXPECT_EQ(h.write(c, pattern(100, 1)), 100u);
    EXPECT_EQ(h.write(c, pattern(100, 2)), 100u);
    EXPECT_EQ(h.next().data_length, 100u);
    EXPECT_EQ(h.next().data_length, 100u);
}

TEST(TcpData, SettingNodelayPushesWhatNagleHeld) {
    Harness h;
    Socket* c = h.accept_connection();
    h.write(c, pattern(100, 1));
    (void)h.next();
    h.write(c, pattern(100, 2));
    h.expect_nothing();
    c->set_nodelay(true, h.now);
    EXPECT_EQ(h.next().data_length, 100u);
}

TEST(TcpData, CorkHoldsPartialSegmentsUntilUncorked) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_cork(true, h.now);
    h.write(c, pattern(100, 1));
    h.expect_nothing();
    h.write(c, pattern(2000, 2));
    EXPECT_EQ(h.next().data_length, 1460u);
    h.expect_nothing();
    c->set_cork(false, h.now);
    EXPECT_EQ(h.next().data_length, 640u);
}

TEST(TcpData, CorkedDataGoesAfter200ms) {
    Harness h;
    Socket* c = h.accept_connection();
    c->set_cork(true, h.now);
    h.write(c, pattern(100, 1));
    h.advance(190 * kMillisecond);
    h.expect_nothing();
    h.advance(20 * kMillisecond);
    EXPECT_EQ(h.next().data_length, 100u);
}

TEST(TcpData, MsgMoreJoinsWrites) {
    Harness h;
    Socket* c = h.accept_connection();
    h.write(c, pattern(100, 1), true);
    h.expect_nothing();
    h.write(c, pattern(100, 2), false);
    Segment seg = h.next();
    EXPECT_EQ(seg.data_length, 200u);
}

TEST(TcpData, SendsNoMoreThanThePeersWindow) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_acks(h.our_seq, 3000);
    EXPECT_EQ(h.write(c, pattern(10000)), 10000u);
    EXPECT_EQ(h.next().data_length, 1460u);
    EXPECT_EQ(h.next().data_length, 1460u);
    h.expect_nothing();  // 80 bytes of window left: silly, wait
    h.peer_acks(h.our_seq + 2920, 3000);
    EXPECT_EQ(h.next().data_length, 1460u);
    EXPECT_EQ(h.next().data_length, 1460u);
}

TEST(TcpData, ProbesAZeroWindowWithBackoffUntilItOpens) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_acks(h.our_seq, 0);
    EXPECT_EQ(h.write(c, pattern(2000)), 2000u);
    h.expect_nothing();
    std::vector<Nanos> times;
    Nanos start = h.now;
    for (int i = 0; i < 4; i++) {
        while (h.pending() == 0) h.advance(10 * kMillisecond);
        Segment probe = h.next();
        EXPECT_EQ(probe.data_length, 0u);
        EXPECT_EQ(probe.seq, h.our_seq - 1) << "Linux's probe: an old sequence number";
        times.push_back(h.now - start);
        h.peer_acks(h.our_seq, 0);  // still closed
    }
    // Each wait doubles (the advance steps are 10 ms).
    for (usize i = 2; i < times.size(); i++)
        EXPECT_GE(times[i] - times[i - 1], 2 * (times[i - 1] - times[i - 2]) - 20 * kMillisecond);
    EXPECT_EQ(c->state(), State::Established) << "a live peer is probed forever";
    h.peer_acks(h.our_seq, 65535);
    EXPECT_EQ(h.next().data_length, 1460u);
    EXPECT_EQ(h.next().data_length, 540u);
    EXPECT_GE(h.tcp->stats().window_probes, 4u);
}

TEST(TcpData, AdvertisesAShrinkingWindowAndAnnouncesItWhenReadingReopensIt) {
    Harness h;
    Socket* l = h.tcp->create_socket().value();
    l->set_receive_buffer(4096, h.now);  // 8192 stored
    h.listener = l;
    ASSERT_TRUE(l->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(l->listen(4, h.now).is_ok());
    Spec syn{flags::kSyn, 1000, 0, 65535};
    syn.options.mss = 1000;
    h.inject(syn);
    Segment synack = h.next();
    EXPECT_EQ(synack.window, 8192);
    h.our_seq = synack.seq + 1;
    h.peer_acks(h.our_seq);
    Socket* c = l->accept();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->options().receive_buffer, 8192u);
    u32 seq = 1001;
    u16 last_window = 0xffff;
    for (int i = 0; i < 8; i++) {
        h.peer_sends(seq, pattern(1000, i));
        seq += 1000;
        while (h.pending()) last_window = h.next().window;
    }
    h.advance(100 * kMillisecond);
    while (h.pending()) last_window = h.next().window;
    EXPECT_LE(last_window, 192);
    h.peer_sends(seq, pattern(1000, 9));  // only what fits the window is taken
    EXPECT_EQ(c->readable_bytes(), 8192u);
    while (h.pending()) EXPECT_EQ(h.next().window, 0);
    h.peer_sends(seq + 192, pattern(1000, 10));  // the window is closed
    EXPECT_EQ(c->readable_bytes(), 8192u);
    while (h.pending()) EXPECT_EQ(h.next().window, 0);
    EXPECT_EQ(h.read_all(c).size(), 8192u);
    ASSERT_GE(h.pending(), 1u) << "a window update once the application read";
    Segment update = h.next();
    EXPECT_EQ(update.window, 8192);
    EXPECT_EQ(update.ack, seq + 192);
}

TEST(TcpData, ScalesTheWindowItAdvertises) {
    Harness h;
    OutgoingOptions o;
    o.mss = 1460;
    o.window_scale = 2;
    Socket* c = h.accept_connection(o);
    h.peer_sends(1001, pattern(100));
    Segment ack = h.next();
    EXPECT_EQ(ack.window, (131072 - 100) >> 7);
    EXPECT_EQ(c->info(h.now).rcv_wscale, 7);
    h.peer_acks(h.our_seq, 1000, 1101);  // 1000 << 2
    EXPECT_EQ(c->info(h.now).snd_wnd, 4000u);
}

}  // namespace

namespace {

using namespace tcp_test;

TEST(TcpData, RetriesWhenTheIpLayerRefusesASegment) {
    Harness h;
    Socket* c = h.accept_connection();
    h.ip.fail_with = ENOBUFS;
    EXPECT_EQ(h.write(c, pattern(500)), 500u) << "queued even though it could not go yet";
    h.expect_nothing();
    h.ip.fail_with = 0;
    h.advance(kSecond);
    ASSERT_GE(h.pending(), 1u);
    Segment seg = h.next();
    EXPECT_EQ(seg.data_length, 500u);
    EXPECT_EQ(seg.seq, h.our_seq);
}

}  // namespace
