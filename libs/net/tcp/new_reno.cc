#include "net/tcp/congestion.h"

namespace net::tcp {

u32 CongestionControl::slow_start(CongestionWindow& w, u32 acked) {
    if (w.cwnd >= w.ssthresh) return acked;
    u32 room = w.ssthresh - w.cwnd;
    u32 grow = acked < room ? acked : room;
    w.cwnd += grow;
    if (w.cwnd > kMaxCwnd) w.cwnd = kMaxCwnd;
    return acked - grow;
}

void NewReno::on_ack(CongestionWindow& w, const AckEvent& ack) {
    if (!ack.cwnd_limited) return;  // RFC 7661: an idle window is no evidence of capacity
    u32 left = slow_start(w, ack.acked);
    if (left == 0) return;
    // Congestion avoidance: one segment per window's worth of bytes acked.
    m_acked_in_round += left;
    if (m_acked_in_round >= w.cwnd) {
        m_acked_in_round -= w.cwnd;
        if (w.cwnd + ack.mss <= kMaxCwnd) w.cwnd += ack.mss;
    }
}

u32 NewReno::on_loss(const CongestionWindow&, u32 flight, u32 mss, Nanos) {
    m_acked_in_round = 0;
    u32 half = flight / 2;
    return half > 2 * mss ? half : 2 * mss;  // RFC 5681 (4)
}

}  // namespace net::tcp
