// Connection states (RFC 9293 §3.3.2), numbered as Linux numbers them
// (include/net/tcp_states.h) so /proc/net/tcp and TCP_INFO can show them as they are.
#pragma once

#include "base/types.h"

namespace net::tcp {

enum class State : u8 {
    Established = 1,
    SynSent = 2,
    SynReceived = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Closed = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
};

const char* state_name(State state);

// States in which both sides' initial sequence numbers are known.
constexpr bool is_synchronized(State s) { return s != State::Closed && s != State::Listen && s != State::SynSent; }
// Established or CloseWait: what Linux's CurrEstab counts.
constexpr bool counts_as_established(State s) { return s == State::Established || s == State::CloseWait; }

}  // namespace net::tcp
