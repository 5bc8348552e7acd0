// Listeners: the accept queue bounded by the backlog (an overflowing final ACK is dropped
// without a reset), SYN cookies under a flood, SYN-ACK retransmission, TCP_DEFER_ACCEPT,
// closing a listener with connections queued, SO_REUSEPORT spreading.
#include "tcp_test_support.h"

namespace {

using namespace tcp_test;

struct Client {
    u16 port;
    u32 isn;
    u32 server_seq = 0;  // from the SYN-ACK
};

// Sends a client's SYN and returns the SYN-ACK's sequence number (0 if none came).
u32 send_syn(Harness& h, Client& client, OutgoingOptions options = Harness::default_syn_options()) {
    Spec syn{flags::kSyn, client.isn, 0, 65535};
    syn.source_port = client.port;
    syn.options = options;
    h.inject(syn);
    if (!h.pending()) return 0;
    Segment synack = h.next();
    EXPECT_EQ(synack.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(synack.destination_port, client.port);
    client.server_seq = synack.seq + 1;
    return synack.seq;
}

void send_ack(Harness& h, const Client& client, std::vector<u8> data = {}) {
    Spec ack{flags::kAck, client.isn + 1, client.server_seq, 65535};
    ack.source_port = client.port;
    ack.data = std::move(data);
    h.inject(ack);
}

Socket* listen_on(Harness& h, int backlog) {
    Socket* l = h.tcp->create_socket().value();
    EXPECT_TRUE(l->bind({kIpv4Any, 8080}, {}).is_ok());
    EXPECT_TRUE(l->listen(backlog, h.now).is_ok());
    return l;
}

TEST(TcpListener, AFullAcceptQueueDropsTheFinalAckWithoutReset) {
    Harness h;
    Socket* l = listen_on(h, 2);
    Client c[4] = {{50001, 100}, {50002, 200}, {50003, 300}, {50004, 400}};
    for (int i = 0; i < 2; i++) {
        send_syn(h, c[i]);
        send_ack(h, c[i]);
    }
    send_syn(h, c[2]);
    send_syn(h, c[3]);
    send_ack(h, c[2]);
    EXPECT_EQ(l->accept_queue_length(), 3u) << "Linux lets backlog + 1 wait";
    send_ack(h, c[3]);
    h.expect_nothing();  // no reset
    EXPECT_EQ(l->accept_queue_length(), 3u);
    EXPECT_EQ(h.tcp->stats().listen_overflows, 1u);
    // A new SYN meets the full queue too.
    Client late{50005, 500};
    EXPECT_EQ(send_syn(h, late), 0u);
    // Room again: the SYN-ACK retransmission asks the peer for its ACK once more.
    Socket* first = l->accept();
    ASSERT_NE(first, nullptr);
    EXPECT_EQ(first->remote().port, 50001);
    h.advance(1100 * kMillisecond);
    Segment again = h.next();
    EXPECT_EQ(again.flags, flags::kSyn | flags::kAck);
    EXPECT_EQ(again.destination_port, 50004);
    send_ack(h, c[3]);
    EXPECT_EQ(l->accept_queue_length(), 3u);
    for (int i = 0; i < 3; i++) EXPECT_NE(l->accept(), nullptr);
    EXPECT_EQ(l->accept(), nullptr);
}

TEST(TcpListener, BacklogIsClampedBySomaxconn) {
    Config config;
    config.somaxconn = 100;
    Harness h(config);
    Socket* l = listen_on(h, 5000);
    EXPECT_EQ(l->backlog(), 100u);
    ASSERT_TRUE(l->listen(-1, h.now).is_ok());
    EXPECT_EQ(l->backlog(), 100u);
    ASSERT_TRUE(l->listen(7, h.now).is_ok());
    EXPECT_EQ(l->backlog(), 7u);
}

TEST(TcpListener, AFullSynQueueAnswersWithCookiesThatOpenConnections) {
    Harness h;
    Socket* l = listen_on(h, 1);
    Client first{50001, 100};
    send_syn(h, first);  // fills the SYN queue (backlog 1)
    Client flooded{50002, 7777};
    OutgoingOptions options;
    options.mss = 1460;
    options.window_scale = 5;
    options.sack_permitted = true;
    options.timestamps = true;
    options.ts_value = 999;
    u32 cookie = send_syn(h, flooded, options);
    ASSERT_NE(cookie, 0u);
    EXPECT_EQ(h.tcp->stats().syncookies_sent, 1u);
    EXPECT_EQ(h.tcp->socket_count(), 2u) << "no state kept for the cookie";
    Spec ack{flags::kAck, flooded.isn + 1, cookie + 1, 100};
    ack.source_port = flooded.port;
    ack.options.timestamps = true;
    ack.options.ts_value = 1000;
    ack.options.ts_echo =
        h.ip.sent[h.consumed - 1].bytes.size() ? parse(h.ip.sent[h.consumed - 1]).options.ts_value : 0;
    ack.data = pattern(20);
    h.inject(ack);
    EXPECT_EQ(h.tcp->stats().syncookies_recv, 1u);
    Socket* c = l->accept();
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->remote().port, 50002);
    EXPECT_EQ(c->readable_bytes(), 20u);
    Info info = c->info(h.now);
    EXPECT_EQ(info.options, 7) << "the cookie kept SACK and the window scale";
    EXPECT_EQ(info.snd_wscale, 5);
    EXPECT_EQ(info.snd_wnd, 100u << 5);
    EXPECT_EQ(info.snd_mss, 1460u - 12);
}

TEST(TcpListener, AForgedCookieAckIsReset) {
    Harness h;
    listen_on(h, 4);
    Spec ack{flags::kAck, 5001, 123456, 100};
    ack.source_port = 50009;
    h.inject(ack);
    Segment rst = h.next();
    EXPECT_EQ(rst.flags, flags::kRst);
    EXPECT_EQ(rst.seq, 123456u);
    EXPECT_EQ(h.tcp->stats().syncookies_failed, 1u);
}

TEST(TcpListener, RetransmitsTheSynAckThenForgetsTheAttempt) {
    Harness h;
    Socket* l = listen_on(h, 4);
    Client c{50001, 100};
    send_syn(h, c);
    EXPECT_EQ(h.tcp->socket_count(), 2u);
    int retransmissions = 0;
    for (int i = 0; i < 200; i++) {
        h.advance(kSecond);
        while (h.pending()) {
            EXPECT_EQ(h.next().flags, flags::kSyn | flags::kAck);
            retransmissions++;
        }
    }
    EXPECT_EQ(retransmissions, 5);  // tcp_synack_retries
    EXPECT_EQ(h.tcp->socket_count(), 1u);
    EXPECT_EQ(l->accept(), nullptr);
}

TEST(TcpListener, ARetransmittedSynGetsTheSameSynAck) {
    Harness h;
    listen_on(h, 4);
    Client c{50001, 100};
    u32 first = send_syn(h, c);
    u32 second = send_syn(h, c);
    EXPECT_EQ(first, second);
    EXPECT_EQ(h.tcp->socket_count(), 2u);
}

TEST(TcpListener, AResetEndsAnEmbryonicConnection) {
    Harness h;
    listen_on(h, 4);
    Client c{50001, 100};
    send_syn(h, c);
    Spec rst{flags::kRst, c.isn + 1, 0, 0};
    rst.source_port = c.port;
    h.inject(rst);
    EXPECT_EQ(h.tcp->socket_count(), 1u);
}

TEST(TcpListener, DeferAcceptWaitsForData) {
    Harness h;
    Socket* l = h.tcp->create_socket().value();
    l->set_defer_accept(5);
    EXPECT_EQ(l->options().defer_accept, 7u) << "rounded up as Linux rounds it to SYN-ACK retransmissions";
    ASSERT_TRUE(l->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(l->listen(4, h.now).is_ok());
    Client quiet{50001, 100}, talker{50002, 200};
    send_syn(h, quiet);
    send_ack(h, quiet);
    send_syn(h, talker);
    send_ack(h, talker);
    EXPECT_EQ(l->accept(), nullptr);
    EXPECT_FALSE(h.events.for_socket(l) & Events::kAcceptable);
    send_ack(h, talker, pattern(30));
    Socket* t = l->accept();
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->remote().port, 50002);
    EXPECT_EQ(t->readable_bytes(), 30u);
    EXPECT_EQ(l->accept(), nullptr);
    h.advance(8 * kSecond);
    Socket* q = l->accept();
    ASSERT_NE(q, nullptr) << "the deferral runs out";
    EXPECT_EQ(q->remote().port, 50001);
}

TEST(TcpListener, ClosingAListenerResetsConnectionsNobodyAccepted) {
    Harness h;
    Socket* l = listen_on(h, 4);
    Client done{50001, 100}, half{50002, 200};
    send_syn(h, done);
    send_ack(h, done);
    send_syn(h, half);
    l->close(h.now);
    Segment rst = h.next();
    EXPECT_TRUE(rst.has(flags::kRst));
    EXPECT_EQ(rst.destination_port, 50001);
    h.expect_nothing();
    EXPECT_EQ(h.tcp->socket_count(), 0u);
    Client after{50003, 300};
    Spec syn{flags::kSyn, after.isn, 0, 100};
    syn.source_port = after.port;
    h.inject(syn);
    EXPECT_TRUE(h.next().has(flags::kRst)) << "nobody listens any more";
}

TEST(TcpListener, ReusePortSpreadsConnectionsOverListeners) {
    Harness h;
    Socket* a = h.tcp->create_socket().value();
    Socket* b = h.tcp->create_socket().value();
    ASSERT_TRUE(a->bind({kIpv4Any, 8080}, {.reuse_address = false, .reuse_port = true}).is_ok());
    ASSERT_TRUE(b->bind({kIpv4Any, 8080}, {.reuse_address = false, .reuse_port = true}).is_ok());
    ASSERT_TRUE(a->listen(64, h.now).is_ok());
    ASSERT_TRUE(b->listen(64, h.now).is_ok());
    for (u16 port = 50000; port < 50040; port++) {
        Client c{port, port * 10u};
        send_syn(h, c);
        send_ack(h, c);
    }
    EXPECT_GT(a->accept_queue_length(), 5u);
    EXPECT_GT(b->accept_queue_length(), 5u);
    EXPECT_EQ(a->accept_queue_length() + b->accept_queue_length(), 40u);
}

TEST(TcpListener, AnAddressBoundListenerWinsOverTheWildcard) {
    Harness h;
    Socket* any = h.tcp->create_socket().value();
    Socket* exact = h.tcp->create_socket().value();
    ASSERT_TRUE(any->bind({kIpv4Any, 8080}, {.reuse_address = false, .reuse_port = true}).is_ok());
    ASSERT_TRUE(exact->bind({kLocal, 8080}, {.reuse_address = false, .reuse_port = true}).is_ok());
    ASSERT_TRUE(any->listen(64, h.now).is_ok());
    ASSERT_TRUE(exact->listen(64, h.now).is_ok());
    for (u16 port = 50000; port < 50010; port++) {
        Client c{port, port * 10u};
        send_syn(h, c);
        send_ack(h, c);
    }
    EXPECT_EQ(exact->accept_queue_length(), 10u);
    EXPECT_EQ(any->accept_queue_length(), 0u);
}

}  // namespace
