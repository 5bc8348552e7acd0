#include "time/calendar.h"

namespace calendar {

// Howard Hinnant's days_from_civil: eras of 400 years make the leap rules a division.
i64 days_from_civil(i64 year, u32 month, u32 day) {
    year -= month <= 2;
    const i64 era = (year >= 0 ? year : year - 399) / 400;
    const u32 year_of_era = static_cast<u32>(year - era * 400);
    const u32 day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    const u32 day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<i64>(day_of_era) - 719468;
}

i64 to_unix_seconds(const DateTime& t) {
    return days_from_civil(t.year, t.month, t.day) * 86400 + t.hour * 3600 + t.minute * 60 + t.second;
}

bool is_valid(const DateTime& t) {
    constexpr u8 kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > kDays[t.month - 1]) return false;
    bool leap = (t.year % 4 == 0 && t.year % 100 != 0) || t.year % 400 == 0;
    if (t.month == 2 && t.day == 29 && !leap) return false;
    return t.hour < 24 && t.minute < 60 && t.second <= 60;
}

}  // namespace calendar
