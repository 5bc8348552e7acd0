// Thousands of connections through one listener: every one is found by its 4-tuple, gets
// its request answered and closes; the timers of all of them run from the one heap.
#include "tcp_link_support.h"

namespace {

using namespace tcp_test;

TEST(TcpScale, ThreeThousandConnectionsThroughOneListener) {
    constexpr int kConnections = 3000;
    LinkParams params;
    params.delay = 2 * kMillisecond;
    params.loss_per_mille = 10;  // some retransmission timers fire among thousands
    params.reorder_per_mille = 20;
    params.seed = 9;
    Config config;
    config.connection_buckets = 1024;  // several connections per bucket: chains must work
    Link link(params, config, config);

    Socket* listener = link.b().create_socket().value();
    ASSERT_TRUE(listener->bind({kIpv4Any, 80}, {}).is_ok());
    ASSERT_TRUE(listener->listen(4096, link.now).is_ok());

    struct Pair {
        Endpointer client;
        Endpointer server;
    };
    std::vector<Pair> pairs(kConnections);
    std::map<u16, int> by_port;
    int opened = 0;
    Nanos start = link.now;
    // Thirty new connections per millisecond, so their timers spread out.
    auto open_more = [&] {
        int due = static_cast<int>((link.now - start) / (kMillisecond / 30)) + 1;
        for (; opened < kConnections && opened < due; opened++) {
            Socket* s = link.a().create_socket().value();
            ASSERT_TRUE(s->connect({kPeer, 80}, link.now).is_ok());
            pairs[opened].client.socket = s;
            pairs[opened].client.out = pattern(100 + opened % 700, opened);
            by_port[s->local().port] = opened;
        }
    };
    int accepted = 0;
    auto all_closed = [&] {
        for (auto& p : pairs)
            if (!p.client.closed || !p.server.closed) return false;
        return true;
    };
    bool finished = link.run(
        600 * kSecond, [&] { return all_closed() && link.a().socket_count() == 0 && link.b().socket_count() == 1; },
        [&] {
            open_more();
            while (Socket* s = listener->accept()) {
                auto it = by_port.find(s->remote().port);
                ASSERT_NE(it, by_port.end());
                Pair& p = pairs[it->second];
                ASSERT_EQ(p.server.socket, nullptr);
                p.server.socket = s;
                p.server.may_shut = false;
                accepted++;
            }
            for (auto& p : pairs) {
                p.client.step(link.now);
                // The server echoes what it got once the client finished sending.
                if (p.server.socket && p.server.eof && !p.server.may_shut) {
                    p.server.out = p.server.in;
                    p.server.may_shut = true;
                }
                p.server.step(link.now);
            }
        });
    EXPECT_TRUE(finished);
    EXPECT_EQ(by_port.size(), static_cast<usize>(kConnections));
    EXPECT_EQ(accepted, kConnections);
    for (auto& p : pairs) {
        EXPECT_EQ(p.server.in, p.client.out);
        EXPECT_EQ(p.client.in, p.client.out);
    }
    EXPECT_EQ(link.a().stats().active_opens, static_cast<u64>(kConnections));
    // A reordered retransmission of a SYN may meet a connection already gone and open an
    // embryonic one, which the client's reset ends (as with Linux): never fewer.
    EXPECT_GE(link.b().stats().passive_opens, static_cast<u64>(kConnections));
    EXPECT_EQ(link.a().stats().attempt_fails, 0u);
    EXPECT_EQ(link.a().stats().curr_estab, 0u);
    EXPECT_EQ(link.b().stats().curr_estab, 0u);
    EXPECT_EQ(link.a().time_wait_count(), 0u);
    EXPECT_EQ(link.b().next_deadline(), kNoDeadline) << "nothing left to time";
    listener->close(link.now);
}

}  // namespace
