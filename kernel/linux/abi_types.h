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

// Clock ids and the absolute-time flag of clock_gettime, clock_nanosleep and timer_create
// (linux/time.h).
constexpr int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3,
              CLOCK_MONOTONIC_RAW = 4, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6, CLOCK_BOOTTIME = 7,
              CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;
constexpr int TIMER_ABSTIME = 1;

// A relative timeout at `address` (a struct timespec) as a TSC deadline: 0 for none (a
// null pointer, or one beyond any deadline), ~0 for a zero timeout (poll once and return),
// EINVAL for a negative or malformed one.
Result<u64> relative_timeout_deadline(u64 address);

}  // namespace linux_abi
