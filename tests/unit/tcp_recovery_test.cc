// Loss recovery segment by segment: fast retransmit on three duplicate ACKs, NewReno's
// partial ACKs, limited transmit, SACK-based recovery retransmitting only the holes, the
// RTO with back-off and Karn's rule, giving up, and ICMP fragmentation-needed.
#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

constexpr u32 kMss = 1460;

// A connection that has sent `segments` full segments, none acknowledged yet.
struct Sender {
    Harness h;
    Socket* c = nullptr;
    explicit Sender(int segments, OutgoingOptions options = Harness::default_syn_options()) {
        c = h.accept_connection(options);
        EXPECT_EQ(h.write(c, pattern(segments * kMss)), static_cast<usize>(segments) * kMss);
    }
    u32 seg(int i) const { return h.our_seq + (i - 1) * kMss; }  // S1, S2, ...
    std::vector<u32> sent_seqs() {
        std::vector<u32> seqs;
        while (h.pending()) seqs.push_back(h.next().seq);
        return seqs;
    }
};

TEST(TcpRecovery, FastRetransmitsAfterThreeDuplicateAcks) {
    Sender s(10);
    EXPECT_EQ(s.sent_seqs().size(), 10u) << "an initial window of 10 segments";
    s.h.peer_acks(s.seg(2));
    s.h.peer_acks(s.seg(2));
    s.h.peer_acks(s.seg(2));
    s.h.expect_nothing();
    EXPECT_EQ(s.c->info(s.h.now).ca_state, 1) << "disorder";
    s.h.peer_acks(s.seg(2));
    ASSERT_EQ(s.h.pending(), 1u);
    Segment rtx = s.h.next();
    EXPECT_EQ(rtx.seq, s.seg(2));
    EXPECT_EQ(rtx.data_length, kMss);
    EXPECT_EQ(s.c->info(s.h.now).ca_state, 3);
    EXPECT_EQ(s.h.tcp->stats().fast_retrans, 1u);
    EXPECT_EQ(s.h.tcp->stats().retrans_segs, 1u);
    EXPECT_EQ(s.c->retransmissions(), 1u);
}

TEST(TcpRecovery, NewRenoRetransmitsAtEachPartialAckAndExitsAtTheFullOne) {
    Sender s(10);
    (void)s.sent_seqs();
    for (int i = 0; i < 4; i++) s.h.peer_acks(s.seg(2));
    EXPECT_EQ(s.h.next().seq, s.seg(2));
    u32 ssthresh = s.c->info(s.h.now).snd_ssthresh;
    s.h.peer_acks(s.seg(6));  // S6 was lost too
    ASSERT_GE(s.h.pending(), 1u);
    Segment rtx = s.h.next();
    EXPECT_EQ(rtx.seq, s.seg(6));
    EXPECT_EQ(s.c->info(s.h.now).ca_state, 3);
    s.h.peer_acks(s.seg(11));
    EXPECT_EQ(s.c->info(s.h.now).ca_state, 0);
    EXPECT_EQ(s.c->info(s.h.now).snd_cwnd, ssthresh);
}

TEST(TcpRecovery, LimitedTransmitSendsNewDataOnTheFirstDuplicateAcks) {
    Harness h;
    Socket* c = h.accept_connection();
    h.write(c, pattern(20 * kMss));
    for (int i = 0; i < 10; i++) (void)h.next();
    h.expect_nothing();
    h.peer_acks(h.our_seq + kMss);  // S1 acked: slow start lets two more go
    EXPECT_EQ(h.pending(), 2u);
    while (h.pending()) (void)h.next();
    h.peer_acks(h.our_seq + kMss);
    EXPECT_EQ(h.pending(), 1u) << "RFC 3042: a new segment per duplicate ACK";
    while (h.pending()) (void)h.next();
    h.peer_acks(h.our_seq + kMss);
    EXPECT_EQ(h.pending(), 1u);
}

TEST(TcpRecovery, SackRecoveryRetransmitsOnlyTheHoles) {
    OutgoingOptions o;
    o.mss = kMss;
    o.sack_permitted = true;
    Sender s(10, o);
    (void)s.sent_seqs();
    // S2 and S5 are lost.
    s.h.peer_acks(s.seg(2));
    s.h.peer_acks(s.seg(2), 65535, 1001, {{s.seg(3), s.seg(4)}});
    s.h.peer_acks(s.seg(2), 65535, 1001, {{s.seg(3), s.seg(5)}});
    s.h.expect_nothing();
    s.h.peer_acks(s.seg(2), 65535, 1001, {{s.seg(6), s.seg(7)}, {s.seg(3), s.seg(5)}});
    EXPECT_EQ(s.sent_seqs(), std::vector<u32>{s.seg(2)}) << "S5 has one segment SACKed above it: not lost yet";
    s.h.peer_acks(s.seg(2), 65535, 1001, {{s.seg(6), s.seg(8)}, {s.seg(3), s.seg(5)}});
    s.h.peer_acks(s.seg(2), 65535, 1001, {{s.seg(6), s.seg(9)}, {s.seg(3), s.seg(5)}});
    EXPECT_EQ(s.sent_seqs(), std::vector<u32>{s.seg(5)});
    s.h.peer_acks(s.seg(5), 65535, 1001, {{s.seg(6), s.seg(11)}});
    s.h.expect_nothing();
    s.h.peer_acks(s.seg(11));
    EXPECT_EQ(s.c->info(s.h.now).ca_state, 0);
    EXPECT_EQ(s.h.tcp->stats().retrans_segs, 2u);
}

TEST(TcpRecovery, RetransmitsOnTimeoutWithBackoffAndResetsTheWindow) {
    Harness h;
    Socket* c = h.accept_connection();
    Nanos rto = c->info(h.now).rto * 1000ull;
    EXPECT_GE(rto, 200 * kMillisecond);
    h.write(c, pattern(1000));
    Segment first = h.next();
    Nanos sent = h.now;
    std::vector<Nanos> gaps;
    for (int i = 0; i < 3; i++) {
        while (!h.pending()) h.advance(kMillisecond);
        Segment rtx = h.next();
        EXPECT_EQ(rtx.seq, first.seq);
        EXPECT_EQ(rtx.data_length, 1000u);
        gaps.push_back(h.now - sent);
        sent = h.now;
    }
    EXPECT_GE(gaps[0], rto);
    EXPECT_GE(gaps[1], 2 * gaps[0] - kMillisecond);
    EXPECT_GE(gaps[2], 2 * gaps[1] - kMillisecond);
    Info info = c->info(h.now);
    EXPECT_EQ(info.ca_state, 4) << "loss";
    EXPECT_EQ(info.snd_cwnd, 1u);
    EXPECT_EQ(info.backoff, 3);
    EXPECT_EQ(h.tcp->stats().timeouts, 3u);
    // Karn: the ACK of a retransmitted segment gives no RTT sample.
    u32 rtt_before = info.rtt;
    h.advance(100 * kMillisecond);
    h.peer_acks(first.seq + 1000);
    EXPECT_EQ(c->info(h.now).rtt, rtt_before);
    EXPECT_EQ(c->info(h.now).backoff, 0);
    EXPECT_EQ(c->info(h.now).ca_state, 0);
    // A segment sent once does.
    h.write(c, pattern(100));
    (void)h.next();
    h.advance(50 * kMillisecond);
    h.peer_acks(first.seq + 1100);
    EXPECT_NE(c->info(h.now).rtt, rtt_before);
}

TEST(TcpRecovery, GivesUpWithEtimedoutAfterRetries2) {
    Harness h;
    Socket* c = h.accept_connection();
    h.write(c, pattern(100));
    Nanos start = h.now;
    while (c->state() == State::Established && h.now - start < 3600 * kSecond) h.advance(kSecond);
    EXPECT_EQ(c->state(), State::Closed);
    EXPECT_TRUE(h.events.for_socket(c) & Events::kError);
    EXPECT_EQ(c->take_error(), ETIMEDOUT);
    EXPECT_GE(h.now - start, 10 * 60 * kSecond) << "15 retries, the RTO reaching 120 s";
    EXPECT_EQ(h.tcp->stats().curr_estab, 0u);
    EXPECT_EQ(h.tcp->stats().estab_resets, 1u);
    std::vector<u8> buffer(1);
    VectorSink sink(buffer);
    EXPECT_EQ(c->receive(sink, 1, false, h.now).value_or(99), 0u) << "then the end of the stream";
}

TEST(TcpRecovery, FragmentationNeededShrinksSegmentsAndResendsThem) {
    Harness h;
    Socket* c = h.accept_connection();
    h.write(c, pattern(2 * kMss));
    Segment s1 = h.next();
    (void)h.next();
    u8 quoted[28] = {0x45};
    quoted[9] = kProtoTcp;
    kLocal.store(quoted + 12);
    kPeer.store(quoted + 16);
    store_be16(quoted + 20, 8080);
    store_be16(quoted + 22, 40000);
    store_be32(quoted + 24, s1.seq);
    h.tcp->icmp_error(3, 4, 1000, quoted, sizeof quoted, h.now);
    ASSERT_GE(h.pending(), 1u);
    Segment rtx = h.next();
    EXPECT_EQ(rtx.seq, s1.seq);
    EXPECT_EQ(rtx.data_length, 960u);  // 1000 - 20 - 20
    EXPECT_EQ(c->info(h.now).snd_mss, 960u);
    // An error quoting a sequence number we never sent is ignored (RFC 5927).
    store_be32(quoted + 24, s1.seq + 100000);
    h.tcp->icmp_error(3, 4, 600, quoted, sizeof quoted, h.now);
    EXPECT_EQ(c->info(h.now).snd_mss, 960u);
}

TEST(TcpRecovery, AnIpLayerThatKnowsASmallerPathMtuGetsSmallerSegments) {
    Harness h;
    Socket* c = h.accept_connection();
    h.ip.mtu = 1000;  // learnt by the IP layer (an ICMP message TCP did not see)
    h.ip.enforce_mtu = true;
    EXPECT_EQ(h.write(c, pattern(3000)), 3000u);
    usize total = 0;
    while (h.pending()) {
        Segment seg = h.next();
        EXPECT_LE(seg.data_length, 960u);
        total += seg.data_length;
    }
    EXPECT_EQ(total, 3000u);
}

}  // namespace
