// The CMOS real-time clock: read once at boot for the wall-clock time.
#pragma once

#include "base/result.h"

namespace rtc {

// Seconds since the Unix epoch; EIO when the RTC gives no consistent valid reading.
Result<i64> read_unix_seconds();

}  // namespace rtc
