// futex(2): WAIT, WAKE, WAIT_BITSET, WAKE_BITSET, REQUEUE, CMP_REQUEUE, WAKE_OP, with
// FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME; relative and absolute timeouts.
#include "arch/x86_64/cpu.h"
#include "linux/abi_types.h"
#include "linux/futex.h"
#include "linux/syscall_adapter.h"
#include "sched/clock.h"

namespace linux_abi {

namespace {

constexpr int FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5,
              FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
constexpr int FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
constexpr u32 FUTEX_BITSET_MATCH_ANY = 0xffffffff;


// The deadline as a TSC value: relative for FUTEX_WAIT, absolute (on MONOTONIC or, with
// FUTEX_CLOCK_REALTIME, REALTIME) for WAIT_BITSET.
Result<u64> deadline_tsc(u64 address, bool absolute, bool realtime) {
    if (!address) return 0;
    Timespec ts = TRY(UserPtr<Timespec>(address).read());
    if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000) return Error(EINVAL);
    if (static_cast<u64>(ts.tv_sec) > (1ull << 62) / 1000000000) return 0;  // beyond any deadline: none
    u64 ns = static_cast<u64>(ts.tv_sec) * 1000000000 + static_cast<u64>(ts.tv_nsec);
    if (absolute) {
        u64 clock_now = realtime ? ktime::realtime_ns() : ktime::monotonic_ns();
        u64 remaining = ns > clock_now ? ns - clock_now : 0;
        return remaining ? ktime::deadline_after_ns(remaining) : cpu::rdtsc();
    }
    return ns ? ktime::deadline_after_ns(ns) : cpu::rdtsc();
}

// FUTEX_WAKE_OP: *uaddr2 = *uaddr2 OP oparg, then wake on uaddr1 and, if the old value of
// *uaddr2 passes CMP, on uaddr2 too.
Result<u64> wake_op(u64 uaddr, u64 count, u64 count2, u64 uaddr2, u32 encoded, bool shared) {
    u32 op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
    u32 oparg = (encoded >> 12) & 0xfff, cmparg = encoded & 0xfff;
    if ((encoded >> 31) & 1) oparg = 1u << (oparg & 31);  // FUTEX_OP_OPARG_SHIFT
    u32 old;
    for (;;) {
        old = TRY(UserPtr<u32>(uaddr2).read());
        u32 updated;
        switch (op) {
            case 0: updated = oparg; break;
            case 1: updated = old + oparg; break;
            case 2: updated = old | oparg; break;
            case 3: updated = old & ~oparg; break;
            case 4: updated = old ^ oparg; break;
            default: return Error(ENOSYS);
        }
        u32 seen = TRY(user_memory::compare_exchange_u32(uaddr2, old, updated));
        if (seen == old) break;
    }
    usize woken = futex::wake(uaddr, count, FUTEX_BITSET_MATCH_ANY, shared);
    bool condition;
    i32 o = static_cast<i32>(old), c = static_cast<i32>(cmparg);
    switch (cmp) {
        case 0: condition = o == c; break;
        case 1: condition = o != c; break;
        case 2: condition = o < c; break;
        case 3: condition = o <= c; break;
        case 4: condition = o > c; break;
        case 5: condition = o >= c; break;
        default: return Error(ENOSYS);
    }
    if (condition) woken += futex::wake(uaddr2, count2, FUTEX_BITSET_MATCH_ANY, shared);
    return woken;
}

}  // namespace

// The fourth argument is a timeout (a struct timespec pointer) for the waits, a count for
// the requeues and FUTEX_WAKE_OP.
Result<u64> sys_futex(UserPtr<u32> word, int op, u32 value, u64 timeout_or_count, UserPtr<u32> word2, u32 value3) {
    u64 uaddr = word.address();
    bool realtime = op & FUTEX_CLOCK_REALTIME;
    bool shared = !(op & FUTEX_PRIVATE_FLAG);
    int command = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
    if (realtime && command != FUTEX_WAIT && command != FUTEX_WAIT_BITSET) return Error(ENOSYS);
    switch (command) {
        case FUTEX_WAIT: {
            u64 deadline = TRY(deadline_tsc(timeout_or_count, false, realtime));
            TRY(futex::wait(uaddr, value, deadline, FUTEX_BITSET_MATCH_ANY, shared));
            return 0;
        }
        case FUTEX_WAIT_BITSET: {
            u64 deadline = TRY(deadline_tsc(timeout_or_count, true, realtime));
            TRY(futex::wait(uaddr, value, deadline, value3, shared));
            return 0;
        }
        case FUTEX_WAKE:
            if ((uaddr & 3)) return Error(EINVAL);
            if (!user_memory::range_ok(uaddr, 4)) return Error(EFAULT);
            return futex::wake(uaddr, value, FUTEX_BITSET_MATCH_ANY, shared);
        case FUTEX_WAKE_BITSET:
            if (value3 == 0) return Error(EINVAL);
            if ((uaddr & 3) || !user_memory::range_ok(uaddr, 4)) return Error(EFAULT);
            return futex::wake(uaddr, value, value3, shared);
        case FUTEX_REQUEUE:
            return futex::requeue(uaddr, word2.address(), value, timeout_or_count, false, 0, shared);
        case FUTEX_CMP_REQUEUE:
            return futex::requeue(uaddr, word2.address(), value, timeout_or_count, true, value3, shared);
        case FUTEX_WAKE_OP:
            return wake_op(uaddr, value, timeout_or_count, word2.address(), value3, shared);
    }
    return Error(ENOSYS);  // PI futexes and FUTEX_WAIT_REQUEUE_PI are not implemented
}

OSPREY_CALLS(futex)

}  // namespace linux_abi
