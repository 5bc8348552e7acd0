// Round-trip time and the retransmission timeout (RFC 6298): a smoothed RTT and its
// variation from samples taken under Karn's rule (the caller never samples a segment
// that was retransmitted, unless timestamps say which transmission was acknowledged),
// an initial RTO of 1 s, exponential back-off, Linux's 200 ms floor (RTO = SRTT +
// max(4·RTTVAR, 200 ms)) and a 120 s ceiling.
#pragma once

#include "base/types.h"
#include "net/layers.h"

namespace net::tcp {

constexpr Nanos kInitialRto = 1 * kSecond;
constexpr Nanos kMinRto = 200 * kMillisecond;
constexpr Nanos kMaxRto = 120 * kSecond;

class RttEstimator {
public:
    void sample(Nanos rtt);
    // The timeout to arm now: the base RTO doubled once per back-off, at most kMaxRto.
    Nanos rto() const;
    Nanos base_rto() const { return m_rto; }
    void back_off() {
        if (m_backoff < 31) m_backoff++;
    }
    void reset_backoff() { m_backoff = 0; }
    unsigned backoff() const { return m_backoff; }

    bool has_sample() const { return m_has_sample; }
    Nanos srtt() const { return m_srtt; }
    Nanos rttvar() const { return m_rttvar; }
    Nanos min_rtt() const { return m_min_rtt; }  // 0 before the first sample
    Nanos latest() const { return m_latest; }

private:
    Nanos m_srtt = 0;
    Nanos m_rttvar = 0;
    Nanos m_rto = kInitialRto;
    Nanos m_min_rtt = 0;
    Nanos m_latest = 0;
    unsigned m_backoff = 0;
    bool m_has_sample = false;
};

}  // namespace net::tcp
