// Memory stays bounded whatever a peer does: never reading, flooding SYNs, sending endless
// out-of-order data, advertising tiny windows or a tiny MSS.
#include <random>

#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

TEST(TcpHostile, APeerThatNeverReadsFillsOnlyTheSendBuffer) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_acks(h.our_seq, 0);  // closed window, forever
    usize queued = 0;
    for (int i = 0; i < 1000; i++) {
        std::vector<u8> chunk = pattern(4096, i);
        VectorSource source(chunk);
        auto r = c->send(source, chunk.size(), false, h.now);
        if (r.is_error()) {
            EXPECT_EQ(r.error(), EAGAIN);
            break;
        }
        queued += r.value();
    }
    EXPECT_GT(queued, 0u);
    EXPECT_LE(queued, 1u * 1024 * 1024);
    EXPECT_EQ(c->writable_space(), 0u);
    EXPECT_FALSE(c->writable());
    EXPECT_EQ(c->unacked_bytes(), queued);
    EXPECT_LE(c->buffer_memory(), queued + 4096);
    h.advance(600 * kSecond);
    EXPECT_EQ(c->state(), State::Established) << "probed, not abandoned, while the peer answers";
}

TEST(TcpHostile, ASynFloodKeepsTheSynQueueBounded) {
    Harness h;
    Socket* l = h.tcp->create_socket().value();
    ASSERT_TRUE(l->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(l->listen(128, h.now).is_ok());
    std::mt19937 random(1);
    for (int i = 0; i < 20000; i++) {
        Spec syn{flags::kSyn, static_cast<u32>(random()), 0, 65535};
        syn.source_port = static_cast<u16>(1024 + random() % 60000);
        syn.options.mss = 1460;
        h.inject(syn, true);
        h.consumed = h.ip.sent.size();
        if (i % 1000 == 0) h.advance(100 * kMillisecond);
    }
    EXPECT_LE(h.tcp->socket_count(), 1u + 128);
    EXPECT_GT(h.tcp->stats().syncookies_sent, 10000u);
    h.advance(300 * kSecond);
    EXPECT_EQ(h.tcp->socket_count(), 1u) << "embryonic connections expire";
}

TEST(TcpHostile, EndlessOutOfOrderDataStaysWithinTheWindow) {
    OutgoingOptions o;
    o.mss = 1460;
    o.sack_permitted = true;
    Harness h;
    Socket* c = h.accept_connection(o);
    std::mt19937 random(2);
    for (int i = 0; i < 5000; i++) {
        u32 offset = 1 + random() % 400000;  // never the next byte: the hole stays
        h.peer_sends(1001 + offset, pattern(1 + random() % 1460, i));
        h.consumed = h.ip.sent.size();
    }
    EXPECT_EQ(c->readable_bytes(), 0u);
    EXPECT_LE(c->buffer_memory(), 131072u + 65536u) << "the window bounds the ring";
    EXPECT_GT(h.tcp->stats().ofo_drops, 0u) << "ranges beyond the bound are refused";
}

TEST(TcpHostile, ATinyWindowGetsNoFloodOfTinySegments) {
    Harness h;
    Socket* c = h.accept_connection();
    h.peer_acks(h.our_seq, 1);
    EXPECT_EQ(h.write(c, pattern(100000)), 29200u);
    usize segments = 0;
    u32 acked = h.our_seq;
    for (int i = 0; i < 100; i++) {
        h.advance(100 * kMillisecond);
        while (h.pending()) {
            Segment seg = h.next();
            segments++;
            if (seg.data_length) acked = seg.seq + static_cast<u32>(seg.data_length);
        }
        h.peer_acks(acked, 1);
    }
    EXPECT_LT(segments, 200u) << "one probe per timeout, not a segment per byte of window";
    EXPECT_EQ(c->state(), State::Established);
}

TEST(TcpHostile, ATinyMssIsRaisedToTheFloor) {
    Harness h;
    OutgoingOptions o;
    o.mss = 1;
    Socket* c = h.accept_connection(o);
    EXPECT_EQ(c->info(h.now).snd_mss, 48u);
    h.write(c, pattern(1000));
    EXPECT_EQ(h.next().data_length, 48u);
}

}  // namespace
