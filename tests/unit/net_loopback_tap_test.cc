#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/frame_summary.h"
#include "net_test_support.h"

namespace {

using namespace nettest;

class RecordingTap final : public NetStack::LoopbackTap {
public:
    void delivering(const u8* packet, usize length) override {
        char line[kFrameSummaryCapacity];
        lines.emplace_back(summarize_ipv4_packet(line, sizeof line, "lo", FrameDirection::In, packet, length));
    }
    std::vector<std::string> lines;
};

Result<void> send_udp(StackFixture& f, u16 source_port, u16 destination_port, const char* text) {
    Bytes datagram = udp_datagram(kIpv4Loopback, kIpv4Loopback, source_port, destination_port, bytes_of(text));
    return f.stack.send(kIpv4Loopback, kIpv4Loopback, kProtoUdp, Gather(datagram.data(), datagram.size()), {}, f.now);
}

TEST(LoopbackTap, SeesEachPacketWhenLoopbackDeliversIt) {
    StackFixture f;
    RecordingTap tap;
    f.stack.set_loopback_tap(&tap);
    ASSERT_TRUE(send_udp(f, 1000, 2000, "hi").is_ok());
    EXPECT_TRUE(tap.lines.empty());  // queued, not yet delivered
    f.stack.run_pending(f.now);
    ASSERT_EQ(tap.lines.size(), 1u);
    EXPECT_EQ(tap.lines[0], "lo   in  127.0.0.1.1000 > 127.0.0.1.2000: UDP len 2");
    // Nobody listens on port 2000: the answer comes back through loopback too.
    f.stack.run_pending(f.now);
    ASSERT_EQ(tap.lines.size(), 2u);
    EXPECT_EQ(tap.lines[1], "lo   in  127.0.0.1 > 127.0.0.1: ICMP port unreachable");
    EXPECT_TRUE(f.sink.frames.empty());  // nothing of it went out on eth0
}

TEST(LoopbackTap, RemovedTapSeesNothing) {
    StackFixture f;
    RecordingTap tap;
    f.stack.set_loopback_tap(&tap);
    f.stack.set_loopback_tap(nullptr);
    ASSERT_TRUE(send_udp(f, 1000, 2000, "hi").is_ok());
    f.stack.run_pending(f.now);
    f.stack.run_pending(f.now);
    EXPECT_TRUE(tap.lines.empty());
}

}  // namespace
