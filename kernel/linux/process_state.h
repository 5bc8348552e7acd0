// What the Linux layer keeps per process beyond proc::Process: the interval timer of
// setitimer/alarm and the POSIX timers. Made on first use, it ends with the process (a
// forked child starts without timers, as on Linux).
#pragma once

#include "base/result.h"
#include "proc/process.h"
#include "sched/timer.h"
#include "sync/spinlock.h"

namespace linux_abi {

// ITIMER_REAL. The lock guards the fields; the callback runs in interrupt context.
struct RealTimer {
    IrqSpinLock lock{"process state"};
    Timer timer;
    bool armed = false;
    u64 deadline_tsc = 0;
    u64 interval_ns = 0;
};

struct PosixTimer;
constexpr int kMaxPosixTimers = 512;

struct ProcessState final : proc::Process::Extension {
    explicit ProcessState(proc::Process& owner) : owner(owner) {}
    ~ProcessState() override;

    proc::Process& owner;  // where the timers' signals go
    RealTimer real;
    PosixTimer* posix[kMaxPosixTimers] = {};  // by timer ID; guarded by sys_posix_timer.cc's lock
};

// The process's state, made on first use. ENOMEM.
Result<ProcessState*> state_of(proc::Process& process);

// Stops and frees the process's POSIX timers (linux/sys_posix_timer.cc).
void release_posix_timers(ProcessState& state);

}  // namespace linux_abi
