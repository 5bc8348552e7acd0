// Resource limits (getrlimit(2)): a soft and a hard value per resource, owned by the process,
// inherited by fork and kept across execve. The numbers and the layout of a limit are the
// Linux ABI's (struct rlimit64).
#pragma once

#include "base/types.h"

namespace proc {

struct ResourceLimit {
    u64 soft, hard;  // rlim_cur, rlim_max
};

constexpr u64 kUnlimited = ~0ull;  // RLIM_INFINITY
constexpr int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_RSS = 5,
              RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9, RLIMIT_LOCKS = 10,
              RLIMIT_SIGPENDING = 11, RLIMIT_MSGQUEUE = 12, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14,
              RLIMIT_RTTIME = 15;
constexpr int kLimitCount = 16;  // RLIM_NLIMITS

// What the first process starts with: Linux's defaults for init (include/asm-generic/
// resource.h), except NOFILE's hard limit, which is the descriptor table's size here (the
// sysctl nr_open of this kernel: nobody may raise it further).
struct ResourceLimits {
    ResourceLimit values[kLimitCount] = {
        {kUnlimited, kUnlimited},  // CPU
        {kUnlimited, kUnlimited},  // FSIZE
        {kUnlimited, kUnlimited},  // DATA
        {8 * MiB, kUnlimited},     // STACK
        {0, kUnlimited},           // CORE
        {kUnlimited, kUnlimited},  // RSS
        {4096, 4096},              // NPROC (Linux derives it from memory; the process table holds 4096)
        {1024, 1024},              // NOFILE
        {8 * MiB, 8 * MiB},        // MEMLOCK
        {kUnlimited, kUnlimited},  // AS
        {kUnlimited, kUnlimited},  // LOCKS
        {4096, 4096},              // SIGPENDING
        {819200, 819200},          // MSGQUEUE
        {0, 0},                    // NICE
        {0, 0},                    // RTPRIO
        {kUnlimited, kUnlimited},  // RTTIME
    };
};

}  // namespace proc
