// Calendar arithmetic for the wall clock: civil date and time (UTC) to seconds since the
// Unix epoch, and BCD decoding for the CMOS RTC.
#pragma once

#include "base/types.h"

namespace calendar {

struct DateTime {
    i64 year;
    u32 month;   // 1-12
    u32 day;     // 1-31
    u32 hour;    // 0-23
    u32 minute;  // 0-59
    u32 second;  // 0-60
};

// Days since 1970-01-01 of a proleptic Gregorian date (negative before it).
i64 days_from_civil(i64 year, u32 month, u32 day);
i64 to_unix_seconds(const DateTime& t);
bool is_valid(const DateTime& t);
constexpr u8 from_bcd(u8 value) { return (value >> 4) * 10 + (value & 0xf); }

}  // namespace calendar
