// Structures, limits and conversions several system-call families share (Linux's UAPI
// layouts), so each is written once.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace linux_abi {

constexpr u64 kMaxIo = 0x7ffff000;  // MAX_RW_COUNT: Linux caps one transfer at this
constexpr u64 kIovMax = 1024;       // UIO_MAXIOV

struct IoVec {
    u64 base;
    u64 length;
};

struct Timespec {
    i64 tv_sec;
    i64 tv_nsec;
};

// A relative timeout at `address` (a struct timespec) as a TSC deadline: 0 for none (a
// null pointer, or one beyond any deadline), ~0 for a zero timeout (poll once and return),
// EINVAL for a negative or malformed one.
Result<u64> relative_timeout_deadline(u64 address);

}  // namespace linux_abi
