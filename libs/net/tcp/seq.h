// Sequence-number arithmetic (RFC 9293 §3.4): sequence numbers live on a 32-bit circle,
// and "a before b" means b lies less than 2^31 ahead of a.
#pragma once

#include "base/types.h"

namespace net::tcp {

constexpr bool seq_lt(u32 a, u32 b) { return static_cast<i32>(a - b) < 0; }
constexpr bool seq_le(u32 a, u32 b) { return static_cast<i32>(a - b) <= 0; }
constexpr bool seq_gt(u32 a, u32 b) { return static_cast<i32>(a - b) > 0; }
constexpr bool seq_ge(u32 a, u32 b) { return static_cast<i32>(a - b) >= 0; }
constexpr u32 seq_max(u32 a, u32 b) { return seq_ge(a, b) ? a : b; }
constexpr u32 seq_min(u32 a, u32 b) { return seq_le(a, b) ? a : b; }
// low <= s < high, on the circle.
constexpr bool seq_in(u32 s, u32 low, u32 high) { return seq_le(low, s) && seq_lt(s, high); }

}  // namespace net::tcp
