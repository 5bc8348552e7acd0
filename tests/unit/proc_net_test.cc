#include "text/proc_net.h"

#include <gtest/gtest.h>

#include <string>

using namespace text::proc;

namespace {
class ProcTextSink final : public text::Sink {
public:
    void write(std::string_view bytes) override { text.append(bytes); }
    std::string text;
};
std::string padded(std::string s, size_t width) {
    s.resize(width, ' ');
    return s + "\n";
}
}  // namespace

// Expected lines are copied from a Linux 6.x host's own /proc/net files.
TEST(ProcNet, TcpHeaderAndListeningLineMatchLinux) {
    ProcTextSink out;
    format_tcp_header(out);
    SocketRow row;
    row.local_port = 2024;
    row.state = 10;  // LISTEN
    row.inode = 1064;
    row.rto_ticks = 100;
    row.cwnd = 10;
    row.ssthresh = 0;
    format_tcp_line(out, 0, row);
    EXPECT_EQ(out.text, padded("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode", 149) +
                            padded("   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1064 1 "
                                   "0000000000000000 100 0 0 10 0",
                                   149));
}

TEST(ProcNet, TcpAddressesPrintInNetworkOrderAsANativeNumber) {
    ProcTextSink out;
    SocketRow row;
    row.local_ipv4 = 0x7f000001;
    row.local_port = 8080;
    row.remote_ipv4 = 0x0a00020f;
    row.remote_port = 40000;
    row.state = 1;
    row.tx_queue = 5;
    row.rx_queue = 17;
    row.timer = 1;
    row.timer_ticks = 20;
    row.inode = 7;
    row.rto_ticks = 20;
    row.ato_ticks = 4;
    row.cwnd = 10;
    row.ssthresh = -1;
    format_tcp_line(out, 3, row);
    EXPECT_EQ(out.text.substr(0, 95), "   3: 0100007F:1F90 0F02000A:9C40 01 00000005:00000011 01:00000014 00000000     0        0 7 1 ");
    EXPECT_NE(out.text.find(" 20 4 0 10 -1"), std::string::npos);
    EXPECT_EQ(out.text.size(), 150u);
}

TEST(ProcNet, UdpHeaderMatchesLinux) {
    ProcTextSink out;
    format_udp_header(out);
    EXPECT_EQ(out.text, padded("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops", 127));
}

TEST(ProcNet, DevLinesMatchLinux) {
    ProcTextSink out;
    format_dev_header(out);
    DevCounters c;
    c.rx_bytes = c.tx_bytes = 3267;
    c.rx_packets = c.tx_packets = 29;
    format_dev_line(out, "lo", c);
    format_dev_line(out, "ifb0", DevCounters{});
    EXPECT_EQ(out.text,
              "Inter-|   Receive                                                |  Transmit\n"
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n"
              "    lo:    3267      29    0    0    0     0          0         0     3267      29    0    0    0     0       0          0\n"
              "  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0\n");
}

TEST(ProcNet, RouteLinesMatchLinux) {
    ProcTextSink out;
    format_route_header(out);
    format_route_line(out, {"eth0", 0, 0xc0000201, 0, 3, 0, 0});
    format_route_line(out, {"eth0", 0xc0000200, 0, 0xffffff00, 1, 0, 0});
    EXPECT_EQ(out.text, padded("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT", 127) +
                            padded("eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0", 127) +
                            padded("eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0", 127));
}
