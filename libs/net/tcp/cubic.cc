#include "net/tcp/congestion.h"

namespace net::tcp {

// RFC 9438's constants as Linux uses them: C = 0.4, beta = 717/1024 (about 0.7).
namespace {
constexpr u64 kBetaScaled = 717;  // / 1024
constexpr u64 kBetaScale = 1024;
constexpr i64 kMaxOffsetMs = 1000000;  // keeps (t - K)^3 within 64 bits
}  // namespace

u64 Cubic::cube_root(u64 x) {
    u64 low = 0, high = 2642246;  // 2642246^3 > 2^64 - 1
    while (low + 1 < high) {
        u64 mid = (low + high) / 2;
        if (mid * mid * mid <= x)
            low = mid;
        else
            high = mid;
    }
    return low;
}

void Cubic::on_ack(CongestionWindow& w, const AckEvent& ack) {
    if (!ack.cwnd_limited) return;
    u32 acked = slow_start(w, ack.acked);
    if (acked == 0) return;
    u32 mss = ack.mss ? ack.mss : 1;

    if (m_epoch_start == 0) {
        m_epoch_start = ack.now ? ack.now : 1;
        m_growth = 0;
        m_reno_window = w.cwnd;
        if (w.cwnd < m_w_max) {
            // K = cbrt((W_max - cwnd) / C) seconds: in milliseconds, with the segments
            // counted in thousandths, K_ms^3 = thousandths * 2.5e6.
            u64 thousandths = static_cast<u64>(m_w_max - w.cwnd) * 1000 / mss;
            m_k_ms = cube_root(thousandths * 2500000);
            m_origin = m_w_max;
        } else {
            m_k_ms = 0;
            m_origin = w.cwnd;
        }
    }

    // W_cubic(t) = C (t - K)^3 + W_max, looking one minimum RTT ahead as Linux does.
    i64 t_ms = static_cast<i64>((ack.now - m_epoch_start + ack.min_rtt) / kMillisecond);
    i64 d = t_ms - static_cast<i64>(m_k_ms);
    if (d > kMaxOffsetMs) d = kMaxOffsetMs;
    if (d < -kMaxOffsetMs) d = -kMaxOffsetMs;
    i64 offset_thousandths = d * d * d / 2500000;  // 0.4 * d^3 / 1e9 segments, in thousandths
    i64 target = static_cast<i64>(m_origin) + offset_thousandths * static_cast<i64>(mss) / 1000;
    if (target < static_cast<i64>(mss)) target = mss;

    // The TCP-friendly region: Reno's window grows by 3(1-beta)/(1+beta) segments per RTT.
    u64 friendly = static_cast<u64>(acked) * mss * 3 * (kBetaScale - kBetaScaled) / (kBetaScale + kBetaScaled);
    m_reno_window += static_cast<u32>(friendly / w.cwnd);
    if (static_cast<i64>(m_reno_window) > target) target = m_reno_window;

    u64 cwnd = w.cwnd;
    u64 wanted = static_cast<u64>(target) > cwnd ? static_cast<u64>(target) - cwnd : 0;
    // Never more than half a window per RTT (Linux keeps its ACK count at 2 or more); at
    // the plateau, one segment per 100 RTTs.
    if (wanted > cwnd / 2) wanted = cwnd / 2;
    if (wanted == 0) wanted = mss / 100 + 1;
    m_growth += wanted * acked;
    u64 grow = m_growth / cwnd;
    m_growth %= cwnd;
    u64 next = cwnd + grow;
    w.cwnd = next > kMaxCwnd ? kMaxCwnd : static_cast<u32>(next);
}

u32 Cubic::on_loss(const CongestionWindow& w, u32, u32 mss, Nanos) {
    m_epoch_start = 0;
    // Fast convergence: a flow whose window shrank since the last loss releases more.
    if (w.cwnd < m_w_max)
        m_w_max = static_cast<u32>(static_cast<u64>(w.cwnd) * (kBetaScale + kBetaScaled) / (2 * kBetaScale));
    else
        m_w_max = w.cwnd;
    u32 ssthresh = static_cast<u32>(static_cast<u64>(w.cwnd) * kBetaScaled / kBetaScale);
    return ssthresh > 2 * mss ? ssthresh : 2 * mss;
}

void Cubic::on_timeout() {
    m_w_max = 0;
    m_epoch_start = 0;
    m_k_ms = 0;
    m_origin = 0;
    m_growth = 0;
}

}  // namespace net::tcp
