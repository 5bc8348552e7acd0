// Time: a monotonic clock in nanoseconds from the TSC, and the wall clock read from the
// CMOS RTC at boot. One TSC scale serves the clock, timers and sleeps, so a sleep measured
// by the clock is never shorter than asked.
#pragma once

#include "base/types.h"
#include "time/clock_page.h"

namespace ktime {

// Sets the TSC frequency (found by arch code) and starts the monotonic clock at 0.
void init(u64 tsc_hz, u64 boot_wall_ns);
bool ready();
u64 tsc_hz();
u64 monotonic_ns();
u64 realtime_ns();
u64 ns_to_tsc(u64 ns);
u64 tsc_to_ns(u64 ticks);
u64 tsc_at_start();
// The clock as numbers (monotonic = TSC scaled, realtime = monotonic + offset), for the
// vDSO's time page. Whatever changes them must publish them again (vdso::publish_clock).
vclock::ClockParams clock_params();
// The TSC deadline `ns` from now, or 0 ("no deadline") when it lies beyond ~146 years of
// ticks, where a wrapped value would look like the past.
u64 deadline_after_ns(u64 ns);
// The nanoseconds left until a TSC deadline; 0 once it has passed.
u64 ns_until(u64 deadline_tsc);
// A periodic timer that just expired at `deadline_tsc`: moves it to its next period that
// still lies ahead and returns how many periods were skipped on the way (expired unseen).
u64 next_period(u64& deadline_tsc, u64 period_ns);

}  // namespace ktime
