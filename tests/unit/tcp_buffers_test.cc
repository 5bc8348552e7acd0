// The pieces under a connection: the range set (out-of-order data, the SACK scoreboard),
// the receive and send rings, the RTT estimator, and the congestion algorithms.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "net/tcp/congestion.h"
#include "net/tcp/range_set.h"
#include "net/tcp/receive_buffer.h"
#include "net/tcp/rtt.h"
#include "net/tcp/send_buffer.h"
#include "tcp_test_support.h"

namespace {

using namespace net;
using namespace net::tcp;
using tcp_test::pattern;
using tcp_test::VectorSink;
using tcp_test::VectorSource;

TEST(TcpRangeSet, MergesOverlappingAndTouchingRanges) {
    SeqRangeSet<8> set;
    EXPECT_TRUE(set.add(100, 200));
    EXPECT_TRUE(set.add(300, 400));
    EXPECT_TRUE(set.add(200, 250));  // touches the first
    ASSERT_EQ(set.count(), 2u);
    EXPECT_EQ(set.at(0).end, 250u);
    EXPECT_TRUE(set.add(240, 310));  // bridges both
    ASSERT_EQ(set.count(), 1u);
    EXPECT_EQ(set.at(0).start, 100u);
    EXPECT_EQ(set.at(0).end, 400u);
    EXPECT_EQ(set.bytes(), 300u);
    EXPECT_EQ(set.bytes_in(150, 160), 10u);
}

TEST(TcpRangeSet, RefusesANewRangeWhenFullButStillMerges) {
    SeqRangeSet<2> set;
    EXPECT_TRUE(set.add(10, 20));
    EXPECT_TRUE(set.add(30, 40));
    EXPECT_FALSE(set.add(50, 60));
    EXPECT_TRUE(set.add(40, 45));
    EXPECT_EQ(set.count(), 2u);
    EXPECT_EQ(set.at(1).end, 45u);
}

TEST(TcpRangeSet, WorksAcrossTheSequenceWrap) {
    SeqRangeSet<4> set;
    set.add(0xfffffff0u, 0xfffffffau);
    set.add(0x10u, 0x20u);
    EXPECT_EQ(set.at(0).start, 0xfffffff0u);
    set.remove_below(0xfffffff5u);
    EXPECT_EQ(set.at(0).start, 0xfffffff5u);
    set.remove_below(0x15u);
    ASSERT_EQ(set.count(), 1u);
    EXPECT_EQ(set.at(0).start, 0x15u);
}

TEST(TcpRangeSet, ReportsTheNewestRangeFirst) {
    SeqRangeSet<8> set;
    set.add(100, 200);
    set.add(300, 400);
    set.add(500, 600);
    set.add(350, 450);  // grows the middle one last
    SackBlock blocks[3];
    ASSERT_EQ(set.newest_first(blocks, 3), 3u);
    EXPECT_EQ(blocks[0].start, 300u);
    EXPECT_EQ(blocks[0].end, 450u);
    EXPECT_EQ(blocks[1].start, 500u);
    EXPECT_EQ(blocks[2].start, 100u);
}

TEST(TcpReceiveBuffer, KeepsOutOfOrderDataInPlaceAndFillsTheHole) {
    ReceiveBuffer buffer;
    buffer.reset(1000);
    auto data = pattern(3000);
    EXPECT_EQ(buffer.allocated(), 0u);
    auto r1 = buffer.store(2000, data.data() + 1000, 1000, 1000 + 65536);
    EXPECT_TRUE(r1.out_of_order);
    EXPECT_EQ(buffer.ready(), 0u);
    EXPECT_EQ(buffer.out_of_order().count(), 1u);
    auto r2 = buffer.store(1000, data.data(), 1000, 1000 + 65536);
    EXPECT_EQ(r2.advanced, 2000u);
    EXPECT_EQ(buffer.next_seq(), 3000u);
    EXPECT_TRUE(buffer.out_of_order().empty());
    auto r3 = buffer.store(2500, data.data() + 1500, 1500, 1000 + 65536);  // overlaps what is held
    EXPECT_EQ(r3.advanced, 1000u);
    std::vector<u8> out(3000);
    VectorSink sink(out);
    auto read = buffer.read(sink, 3000, false);
    ASSERT_TRUE(read.is_ok());
    EXPECT_EQ(read.value(), 3000u);
    EXPECT_EQ(out, data);
    EXPECT_EQ(buffer.allocated(), 0u) << "an empty buffer gives its memory back";
}

TEST(TcpReceiveBuffer, TrimsToTheWindowAndIgnoresOldData) {
    ReceiveBuffer buffer;
    buffer.reset(0);
    auto data = pattern(200);
    EXPECT_EQ(buffer.store(0, data.data(), 200, 100).advanced, 100u);
    EXPECT_EQ(buffer.store(50, data.data() + 50, 50, 100).advanced, 0u);
    EXPECT_EQ(buffer.store(100, data.data() + 100, 100, 100).advanced, 0u);
    EXPECT_EQ(buffer.ready(), 100u);
}

TEST(TcpReceiveBuffer, BoundsOutOfOrderRanges) {
    ReceiveBuffer buffer;
    buffer.reset(0);
    auto data = pattern(10);
    for (u32 i = 0; i < ReceiveBuffer::kMaxOutOfOrderRanges; i++)
        EXPECT_FALSE(buffer.store(100 + 20 * i, data.data(), 10, 100000).dropped);
    EXPECT_TRUE(buffer.store(5000, data.data(), 10, 100000).dropped);
    EXPECT_FALSE(buffer.store(110, data.data(), 10, 100000).dropped) << "extending a range needs no slot";
}

TEST(TcpReceiveBuffer, PeekLeavesDataAndReadsWrapAround) {
    ReceiveBuffer buffer;
    buffer.reset(0);
    auto data = pattern(6000);
    u32 seq = 0;
    std::vector<u8> got;
    std::mt19937 random(5);
    while (seq < 6000) {
        u32 n = 1 + random() % 700;
        if (seq + n > 6000) n = 6000 - seq;
        buffer.store(seq, data.data() + seq, n, seq + 8192);
        seq += n;
        std::vector<u8> peeked(buffer.ready());
        VectorSink peek_sink(peeked);
        ASSERT_TRUE(buffer.read(peek_sink, peeked.size(), true).is_ok());
        EXPECT_EQ(buffer.ready(), peeked.size());
        usize take = buffer.ready() / 2 + 1;
        std::vector<u8> chunk(take);
        VectorSink sink(chunk);
        auto r = buffer.read(sink, take, false);
        ASSERT_TRUE(r.is_ok());
        EXPECT_TRUE(std::equal(chunk.begin(), chunk.end(), peeked.begin()));
        got.insert(got.end(), chunk.begin(), chunk.end());
    }
    std::vector<u8> rest(buffer.ready());
    VectorSink sink(rest);
    (void)buffer.read(sink, rest.size(), false);
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, data);
}

TEST(TcpSendBuffer, AppendsUpToCapacityAndSlicesWithoutCopying) {
    SendBuffer buffer;
    buffer.set_capacity(10000);
    auto data = pattern(12000);
    VectorSource source(data);
    auto n = buffer.append(source, 0, 12000);
    ASSERT_TRUE(n.is_ok());
    EXPECT_EQ(n.value(), 10000u);
    EXPECT_EQ(buffer.space(), 0u);
    buffer.consume(7000);
    auto more = buffer.append(source, 10000, 2000);
    ASSERT_TRUE(more.is_ok());
    EXPECT_EQ(more.value(), 2000u);
    Gather g;
    ASSERT_TRUE(buffer.slices(0, 5000, g));
    std::vector<u8> out(5000);
    g.copy_out(0, out.data(), out.size());
    EXPECT_TRUE(std::equal(out.begin(), out.end(), data.begin() + 7000));
    buffer.consume(5000);
    EXPECT_EQ(buffer.length(), 0u);
    EXPECT_EQ(buffer.allocated(), 0u);
}

TEST(TcpSendBuffer, ReportsSourceFaults) {
    SendBuffer buffer;
    buffer.set_capacity(100);
    std::vector<u8> small(10);
    VectorSource source(small);
    auto r = buffer.append(source, 0, 50);
    EXPECT_EQ(r.error(), EFAULT);
}

TEST(TcpRtt, StartsAtOneSecondAndFollowsRfc6298) {
    RttEstimator rtt;
    EXPECT_EQ(rtt.rto(), kSecond);
    rtt.sample(400 * kMillisecond);
    EXPECT_EQ(rtt.srtt(), 400 * kMillisecond);
    EXPECT_EQ(rtt.rttvar(), 200 * kMillisecond);
    EXPECT_EQ(rtt.rto(), 1200 * kMillisecond);  // 400 + 4 * 200
    rtt.sample(400 * kMillisecond);
    EXPECT_EQ(rtt.rttvar(), 150 * kMillisecond);  // 3/4 * 200 + 1/4 * 0
    EXPECT_EQ(rtt.rto(), 1000 * kMillisecond);
    rtt.sample(800 * kMillisecond);
    EXPECT_EQ(rtt.srtt(), 450 * kMillisecond);  // 7/8 * 400 + 1/8 * 800
    EXPECT_EQ(rtt.rttvar(), 212500 * 1000u);    // 3/4 * 150 + 1/4 * 400
}

TEST(TcpRtt, Has200msFloorAnd120sCeilingWithBackoff) {
    RttEstimator rtt;
    rtt.sample(1 * kMillisecond);
    for (int i = 0; i < 10; i++) rtt.sample(1 * kMillisecond);
    EXPECT_GE(rtt.rto(), 200 * kMillisecond);
    EXPECT_LT(rtt.rto(), 202 * kMillisecond);
    Nanos base = rtt.rto();
    rtt.back_off();
    EXPECT_EQ(rtt.rto(), 2 * base);
    for (int i = 0; i < 40; i++) rtt.back_off();
    EXPECT_EQ(rtt.rto(), kMaxRto);
    rtt.reset_backoff();
    EXPECT_EQ(rtt.rto(), base);
}

TEST(TcpCongestion, NewRenoSlowStartsThenGrowsOneSegmentPerWindow) {
    NewReno reno;
    CongestionWindow w{10 * 1000, 20 * 1000};
    AckEvent ack{5000, 1000, true, 0, 0};
    reno.on_ack(w, ack);
    EXPECT_EQ(w.cwnd, 15000u);
    ack.acked = 10000;
    reno.on_ack(w, ack);
    EXPECT_EQ(w.cwnd, 20000u) << "slow start stops at ssthresh";
    for (int i = 0; i < 20; i++) {
        ack.acked = 1000;
        reno.on_ack(w, ack);
    }
    EXPECT_EQ(w.cwnd, 21000u);
    EXPECT_EQ(reno.on_loss(w, 30000, 1000, 0), 15000u);
    EXPECT_EQ(reno.on_loss(w, 3000, 1000, 0), 2000u) << "never below two segments";
}

TEST(TcpCongestion, AnIdleWindowDoesNotGrow) {
    NewReno reno;
    CongestionWindow w{10000, kInfiniteSsthresh};
    reno.on_ack(w, AckEvent{5000, 1000, false, 0, 0});
    EXPECT_EQ(w.cwnd, 10000u);
}

TEST(TcpCongestion, CubicBacksOffToSeventyPercentAndRegrowsTowardTheOldMaximum) {
    Cubic cubic;
    const u32 mss = 1000;
    CongestionWindow w{100 * mss, kInfiniteSsthresh};
    w.ssthresh = cubic.on_loss(w, w.cwnd, mss, 0);
    EXPECT_EQ(w.ssthresh, 100u * mss * 717 / 1024);
    w.cwnd = w.ssthresh;
    Nanos now = kSecond;
    u32 previous = w.cwnd;
    // One window of ACKs per 10 ms RTT for 10 s: the window climbs back toward 100
    // segments, flattens near it, and then probes beyond.
    bool passed_plateau = false;
    for (int rtt = 0; rtt < 1000; rtt++) {
        now += 10 * kMillisecond;
        cubic.on_ack(w, AckEvent{w.cwnd, mss, true, now, 10 * kMillisecond});
        EXPECT_GE(w.cwnd, previous);
        EXPECT_LE(w.cwnd, previous + previous / 2 + mss);
        previous = w.cwnd;
        if (w.cwnd > 100 * mss) passed_plateau = true;
    }
    EXPECT_TRUE(passed_plateau);
    EXPECT_EQ(Cubic::cube_root(27), 3u);
    EXPECT_EQ(Cubic::cube_root(26), 2u);
    EXPECT_EQ(Cubic::cube_root(~0ull), 2642245u);
}

}  // namespace
