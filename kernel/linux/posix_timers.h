// POSIX per-process timers (timer_create and friends): each expiry sends a signal to the
// process or to one thread, or does nothing (SIGEV_NONE); while its signal waits to be
// taken, further expirations only count as overruns, as on Linux.
#pragma once

#include "linux/signal_types.h"

namespace posix_timers {

// A signal was taken (delivered to a handler or by sigtimedwait): when it is a timer's,
// writes the overrun count into `info` and lets the timer signal again. Called with the
// process's signal_lock held (lock order: signal_lock, then the timers' lock).
void signal_taken(linux_abi::SigInfo& info);

}  // namespace posix_timers
