// timerfd(2): a timer read as a file: each read returns how many times it expired.
#pragma once

#include "fs/file.h"

namespace fs {

constexpr u32 TFD_NONBLOCK = O_NONBLOCK, TFD_CLOEXEC = O_CLOEXEC, TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;

struct TimerSpec {
    u64 interval_ns;
    u64 value_ns;  // 0: disarmed
};

Result<RefPtr<File>> create_timerfd(int clock, u32 flags);
bool is_timerfd(File& file);
// Arms (value 0 disarms) and returns the previous setting (remaining time, interval).
Result<TimerSpec> timerfd_settime(File& file, u32 flags, const TimerSpec& spec);
TimerSpec timerfd_gettime(File& file);

}  // namespace fs
