// Two TCP instances over a lossy, duplicating, reordering link: transfers of a few MiB
// both ways must arrive byte-exact and the connections must close cleanly, over a
// matrix of loss rates, buffer sizes and MTUs.
#include "tcp_link_support.h"

namespace {

using namespace tcp_test;

struct TransferCase {
    u32 loss_per_mille;
    usize buffer;  // SO_RCVBUF and SO_SNDBUF to set (0: defaults)
    usize mtu;
    usize a_to_b;
    usize b_to_a;
    CongestionAlgorithm congestion;
    bool sack;
    bool timestamps;
    u64 seed;
};

std::string name_of(const testing::TestParamInfo<TransferCase>& info) {
    const TransferCase& c = info.param;
    std::string name = "loss" + std::to_string(c.loss_per_mille) + "pm_buf" + std::to_string(c.buffer) + "_mtu" +
                       std::to_string(c.mtu) + (c.congestion == CongestionAlgorithm::Cubic ? "_cubic" : "_reno") +
                       (c.sack ? "_sack" : "_nosack") + (c.timestamps ? "_ts" : "_nots") + "_seed" +
                       std::to_string(c.seed);
    return name;
}

// The test's name says it all; without this GoogleTest prints the bytes of the struct
// beside every name (ctest's list included).
void PrintTo(const TransferCase& c, std::ostream* out) {
    *out << c.a_to_b << " bytes one way, " << c.b_to_a << " the other";
}

class TcpTransfer : public testing::TestWithParam<TransferCase> {};

TEST_P(TcpTransfer, ArrivesByteExactBothWaysAndClosesCleanly) {
    const TransferCase& c = GetParam();
    LinkParams params;
    params.loss_per_mille = c.loss_per_mille;
    params.duplicate_per_mille = c.loss_per_mille ? 10 : 0;
    params.reorder_per_mille = c.loss_per_mille ? 30 : 0;
    params.mtu = c.mtu;
    params.seed = c.seed;
    Config config;
    config.congestion = c.congestion;
    config.sack = c.sack;
    config.timestamps = c.timestamps;
    Link link(params, config, config);

    Socket* listener = link.b().create_socket().value();
    if (c.buffer) {
        listener->set_receive_buffer(c.buffer, link.now);
        listener->set_send_buffer(c.buffer, link.now);
    }
    ASSERT_TRUE(listener->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(listener->listen(4, link.now).is_ok());
    Socket* client = link.a().create_socket().value();
    if (c.buffer) {
        client->set_receive_buffer(c.buffer, link.now);
        client->set_send_buffer(c.buffer, link.now);
    }
    ASSERT_TRUE(client->connect({kPeer, 8080}, link.now).is_ok());

    Endpointer a, b;
    a.socket = client;
    a.out = pattern(c.a_to_b, 1);
    b.out = pattern(c.b_to_a, 2);
    bool finished = link.run(
        40000 * kSecond,
        [&] { return a.closed && b.closed && link.a().socket_count() == 0 && link.b().socket_count() == 1; },
        [&] {
            if (!b.socket) b.socket = listener->accept();
            a.step(link.now);
            b.step(link.now);
        });
    EXPECT_TRUE(finished) << "a: sent " << a.sent << " got " << a.in.size() << " closed " << a.closed << "; b: sent "
                          << b.sent << " got " << b.in.size() << " closed " << b.closed << "; sockets "
                          << link.a().socket_count() << "/" << link.b().socket_count();
    EXPECT_EQ(a.error, 0);
    EXPECT_EQ(b.error, 0);
    ASSERT_EQ(b.in.size(), a.out.size());
    EXPECT_TRUE(b.in == a.out) << "A to B corrupted";
    ASSERT_EQ(a.in.size(), b.out.size());
    EXPECT_TRUE(a.in == b.out) << "B to A corrupted";
    EXPECT_EQ(link.a().stats().curr_estab, 0u);
    EXPECT_EQ(link.b().stats().curr_estab, 0u);
    EXPECT_EQ(link.a().stats().estab_resets, 0u);
    EXPECT_EQ(link.b().stats().estab_resets, 0u);
    if (c.loss_per_mille == 0) {
        EXPECT_EQ(link.a().stats().retrans_segs, 0u);
        EXPECT_EQ(link.b().stats().retrans_segs, 0u);
    }
    // Reordering makes some retransmissions spurious, but never a storm of them.
    u64 retransmitted = link.a().stats().retrans_segs + link.b().stats().retrans_segs;
    EXPECT_LE(retransmitted, 10 * link.packets_lost + 100) << "lost " << link.packets_lost;
    listener->close(link.now);
}

std::vector<TransferCase> cases() {
    std::vector<TransferCase> all;
    u64 seed = 1;
    for (u32 loss : {0u, 10u, 50u, 200u}) {
        for (usize buffer : {usize{0}, usize{4096}}) {
            usize size = loss >= 200 ? 512 * 1024 : 3 * 1024 * 1024;
            all.push_back({loss, buffer, 1500, size, size / 2, CongestionAlgorithm::Cubic, true, true, seed++});
        }
    }
    // Without SACK (NewReno's partial ACKs), without timestamps, and Reno's growth.
    all.push_back({50, 0, 1500, 2 * 1024 * 1024, 1024 * 1024, CongestionAlgorithm::NewReno, false, true, 21});
    all.push_back({50, 0, 1500, 2 * 1024 * 1024, 1024 * 1024, CongestionAlgorithm::Cubic, false, false, 22});
    all.push_back({10, 0, 1500, 2 * 1024 * 1024, 64 * 1024, CongestionAlgorithm::NewReno, true, false, 23});
    // Loopback-sized segments.
    all.push_back({0, 0, 65535, 8 * 1024 * 1024, 4 * 1024 * 1024, CongestionAlgorithm::Cubic, true, true, 31});
    all.push_back({10, 0, 65535, 4 * 1024 * 1024, 1024 * 1024, CongestionAlgorithm::Cubic, true, true, 32});
    // A tiny MTU.
    all.push_back({10, 0, 296, 256 * 1024, 256 * 1024, CongestionAlgorithm::Cubic, true, true, 41});
    return all;
}

INSTANTIATE_TEST_SUITE_P(Matrix, TcpTransfer, testing::ValuesIn(cases()), name_of);

}  // namespace

namespace {

using namespace tcp_test;

TEST(TcpLink, ABulkTransferGrowsTheReceiveBufferWithinItsLimit) {
    LinkParams params;
    params.mtu = 65535;
    params.delay = 50 * 1000;  // 50 µs: a loopback-like path
    Link link(params);
    Socket* listener = link.b().create_socket().value();
    ASSERT_TRUE(listener->bind({kIpv4Any, 8080}, {}).is_ok());
    ASSERT_TRUE(listener->listen(4, link.now).is_ok());
    Socket* client = link.a().create_socket().value();
    ASSERT_TRUE(client->connect({kPeer, 8080}, link.now).is_ok());
    Endpointer a, b;
    a.socket = client;
    a.out = pattern(16 * 1024 * 1024, 3);
    usize largest_buffer = 0;
    bool finished = link.run(
        100 * kSecond, [&] { return b.in.size() == a.out.size(); },
        [&] {
            if (!b.socket) b.socket = listener->accept();
            a.step(link.now);
            b.step(link.now);
            if (b.socket && b.socket->options().receive_buffer > largest_buffer)
                largest_buffer = b.socket->options().receive_buffer;
        });
    EXPECT_TRUE(finished);
    EXPECT_TRUE(b.in == a.out);
    EXPECT_GT(largest_buffer, 131072u) << "the window grew past the default";
    EXPECT_LE(largest_buffer, 1u * 1024 * 1024) << "within receive_buffer_auto_max";
}

}  // namespace
