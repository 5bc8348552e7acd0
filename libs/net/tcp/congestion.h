// Congestion control behind a small interface (Linux's tcp_congestion_ops in spirit):
// the connection owns the window (cwnd, ssthresh, in bytes) and runs loss recovery
// itself (fast retransmit and recovery, RFC 5681/6582/6675; the RTO); an algorithm
// decides how the window grows on ACKs and how far it falls on a loss. NewReno (RFC 5681
// with byte counting, RFC 3465) and CUBIC (RFC 9438, Linux's default) are provided.
//
// The algorithm object lives inside the connection (CongestionSlot): no allocation.
#pragma once

#include <new>

#include "base/types.h"
#include "net/layers.h"

namespace net::tcp {

enum class CongestionAlgorithm : u8 { NewReno, Cubic };

constexpr u32 kInitialWindowSegments = 10;  // RFC 6928, as Linux
constexpr u32 kInfiniteSsthresh = 0x7fffffff;
constexpr u32 kMaxCwnd = 0x3fffffff;

struct CongestionWindow {
    u32 cwnd = 0;  // bytes
    u32 ssthresh = kInfiniteSsthresh;
};

// What an ACK tells the algorithm (outside loss recovery).
struct AckEvent {
    u32 acked = 0;              // bytes newly acknowledged
    u32 mss = 0;                // the sender's segment size
    bool cwnd_limited = false;  // the window, not the application, limited sending
    Nanos now = 0;
    Nanos min_rtt = 0;  // 0 when not known yet
};

class CongestionControl {
public:
    virtual const char* name() const = 0;
    // Grows the window for an ACK (slow start below ssthresh, then the algorithm's rule).
    virtual void on_ack(CongestionWindow& window, const AckEvent& ack) = 0;
    // A loss was detected (three duplicate ACKs, SACK, or a timeout): returns the new
    // ssthresh. `flight` is the data outstanding, in bytes.
    virtual u32 on_loss(const CongestionWindow& window, u32 flight, u32 mss, Nanos now) = 0;
    // A retransmission timeout: forget what was learnt about the path's capacity.
    virtual void on_timeout() {}
    // Sending restarts after an idle period.
    virtual void on_idle_restart() {}

protected:
    ~CongestionControl() = default;
    // Slow start (RFC 5681, ABC as Linux does it): grows by what was acked up to ssthresh;
    // returns the acked bytes left over for congestion avoidance.
    static u32 slow_start(CongestionWindow& window, u32 acked);
};

class NewReno final : public CongestionControl {
public:
    const char* name() const override { return "reno"; }
    void on_ack(CongestionWindow& window, const AckEvent& ack) override;
    u32 on_loss(const CongestionWindow& window, u32 flight, u32 mss, Nanos now) override;

private:
    u32 m_acked_in_round = 0;  // bytes acked since cwnd last grew by a segment
};

class Cubic final : public CongestionControl {
public:
    const char* name() const override { return "cubic"; }
    void on_ack(CongestionWindow& window, const AckEvent& ack) override;
    u32 on_loss(const CongestionWindow& window, u32 flight, u32 mss, Nanos now) override;
    void on_timeout() override;
    void on_idle_restart() override { m_epoch_start = 0; }

    // The integer cube root (rounded down), for K.
    static u64 cube_root(u64 x);

private:
    u32 m_w_max = 0;          // bytes: the window before the last reduction
    u32 m_origin = 0;         // bytes: the plateau of the current curve
    Nanos m_epoch_start = 0;  // 0: no epoch yet
    u64 m_k_ms = 0;           // time to reach the plateau
    u32 m_reno_window = 0;    // what Reno would have (the TCP-friendly region)
    u64 m_growth = 0;         // fractional growth carried between ACKs (bytes·cwnd)
};

// In-place storage for the connection's algorithm.
class CongestionSlot {
public:
    CongestionSlot() { select(CongestionAlgorithm::Cubic); }
    void select(CongestionAlgorithm algorithm) {
        if (algorithm == CongestionAlgorithm::NewReno)
            m_current = new (m_storage) NewReno();
        else
            m_current = new (m_storage) Cubic();
        m_algorithm = algorithm;
    }
    CongestionControl& operator*() { return *m_current; }
    CongestionControl* operator->() { return m_current; }
    const CongestionControl* operator->() const { return m_current; }
    CongestionAlgorithm algorithm() const { return m_algorithm; }

private:
    static constexpr usize kSize = sizeof(Cubic) > sizeof(NewReno) ? sizeof(Cubic) : sizeof(NewReno);
    alignas(8) u8 m_storage[kSize];
    CongestionControl* m_current = nullptr;
    CongestionAlgorithm m_algorithm = CongestionAlgorithm::Cubic;
};

}  // namespace net::tcp
