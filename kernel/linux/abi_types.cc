#include "linux/abi_types.h"

#include "mm/user_memory.h"
#include "sched/clock.h"

namespace linux_abi {

Result<u64> relative_timeout_deadline(u64 address) {
    if (!address) return 0;
    Timespec ts = TRY(UserPtr<Timespec>(address).read());
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return Error(EINVAL);
    u64 ns = static_cast<u64>(ts.tv_sec) * 1000000000 + static_cast<u64>(ts.tv_nsec);
    if (ns == 0) return ~0ull;
    if (static_cast<u64>(ts.tv_sec) > (1ull << 62) / 1000000000) return 0;
    return ktime::deadline_after_ns(ns);
}

}  // namespace linux_abi
