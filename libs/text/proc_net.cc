#include "text/proc_net.h"

namespace text::proc {

namespace {

// A line padded with spaces to `width` characters before its newline (seq_pad).
class PaddedLine final : public Sink {
public:
    explicit PaddedLine(Sink& out) : m_out(out) {}
    void write(std::string_view bytes) override {
        m_out.write(bytes);
        m_length += bytes.size();
    }
    void end(usize width) {
        static constexpr char kSpaces[] = "                                                                ";
        while (m_length < width) {
            usize n = width - m_length < sizeof kSpaces - 1 ? width - m_length : sizeof kSpaces - 1;
            write({kSpaces, n});
        }
        m_out.write("\n");
    }

private:
    Sink& m_out;
    usize m_length = 0;
};

u32 wire_order(u32 host) { return __builtin_bswap32(host); }

constexpr usize kTcpWidth = 149;  // TMPSZ - 1
constexpr usize kUdpWidth = 127;

}  // namespace

void format_tcp_header(Sink& out) {
    PaddedLine line(out);
    line.write("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode");
    line.end(kTcpWidth);
}

void format_tcp_line(Sink& out, u32 slot, const SocketRow& row) {
    PaddedLine line(out);
    format_to(line, "{:>4}: {:08X}:{:04X} {:08X}:{:04X} {:02X} {:08X}:{:08X} {:02X}:{:08X} {:08X} {:>5} {:>8} ", slot,
              wire_order(row.local_ipv4), row.local_port, wire_order(row.remote_ipv4), row.remote_port, row.state,
              row.time_wait ? 0u : row.tx_queue, row.time_wait ? 0u : row.rx_queue, row.timer, row.timer_ticks,
              row.time_wait ? 0u : row.retransmits, row.time_wait ? 0u : row.uid, 0);
    if (row.time_wait) {
        format_to(line, "0 1 0000000000000000");
    } else {
        format_to(line, "{} 1 0000000000000000 {} {} 0 {} {}", row.inode, row.rto_ticks, row.ato_ticks, row.cwnd,
                  row.ssthresh);
    }
    line.end(kTcpWidth);
}

void format_udp_header(Sink& out) {
    PaddedLine line(out);
    line.write("   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops");
    line.end(kUdpWidth);
}

void format_udp_line(Sink& out, u32 slot, const SocketRow& row) {
    PaddedLine line(out);
    format_to(line, "{:>5}: {:08X}:{:04X} {:08X}:{:04X} {:02X} {:08X}:{:08X} 00:00000000 00000000 {:>5} {:>8} {} 2 0000000000000000 {}",
              slot, wire_order(row.local_ipv4), row.local_port, wire_order(row.remote_ipv4), row.remote_port, row.state,
              row.tx_queue, row.rx_queue, row.uid, 0, row.inode, row.drops);
    line.end(kUdpWidth);
}

void format_tcp6_header(Sink& out) {
    out.write("  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
              "tm->when retrnsmt   uid  timeout inode\n");
}

void format_udp6_header(Sink& out) {
    out.write("  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
              "tm->when retrnsmt   uid  timeout inode ref pointer drops\n");
}

void format_dev_header(Sink& out) {
    out.write("Inter-|   Receive                                                |  Transmit\n"
              " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls "
              "carrier compressed\n");
}

void format_dev_line(Sink& out, const char* name, const DevCounters& c) {
    format_to(out, "{:>6}:{:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>10} {:>9} {:>8} {:>7} {:>4} {:>4} {:>4} {:>5} {:>7} {:>10}\n",
              name, c.rx_bytes, c.rx_packets, c.rx_errors, c.rx_dropped, c.rx_fifo, c.rx_frame, c.rx_compressed,
              c.rx_multicast, c.tx_bytes, c.tx_packets, c.tx_errors, c.tx_dropped, c.tx_fifo, c.tx_collisions,
              c.tx_carrier, c.tx_compressed);
}

void format_route_header(Sink& out) {
    PaddedLine line(out);
    line.write("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT");
    line.end(kUdpWidth);
}

void format_route_line(Sink& out, const RouteRow& row) {
    PaddedLine line(out);
    format_to(line, "{}\t{:08X}\t{:08X}\t{:04X}\t0\t0\t{}\t{:08X}\t{}\t0\t0", row.interface, wire_order(row.destination_ipv4),
              wire_order(row.gateway_ipv4), row.flags, row.metric, wire_order(row.mask_ipv4), row.mtu);
    line.end(kUdpWidth);
}

}  // namespace text::proc
