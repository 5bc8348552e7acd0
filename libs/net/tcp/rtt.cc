#include "net/tcp/rtt.h"

namespace net::tcp {

void RttEstimator::sample(Nanos rtt) {
    m_latest = rtt;
    if (!m_has_sample || rtt < m_min_rtt) m_min_rtt = rtt;
    if (!m_has_sample) {
        m_srtt = rtt;
        m_rttvar = rtt / 2;
        m_has_sample = true;
    } else {
        // RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R.
        Nanos delta = m_srtt > rtt ? m_srtt - rtt : rtt - m_srtt;
        m_rttvar = m_rttvar - m_rttvar / 4 + delta / 4;
        m_srtt = m_srtt - m_srtt / 8 + rtt / 8;
    }
    Nanos variation = 4 * m_rttvar;
    if (variation < kMinRto) variation = kMinRto;
    m_rto = m_srtt + variation;
    if (m_rto > kMaxRto) m_rto = kMaxRto;
}

Nanos RttEstimator::rto() const {
    Nanos rto = m_rto;
    for (unsigned i = 0; i < m_backoff && rto < kMaxRto; i++) rto *= 2;
    return rto < kMaxRto ? rto : kMaxRto;
}

}  // namespace net::tcp
