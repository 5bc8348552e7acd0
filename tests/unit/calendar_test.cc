#include <gtest/gtest.h>

#include <ctime>

#include "time/calendar.h"

namespace {

TEST(Calendar, EpochIsDayZero) { EXPECT_EQ(calendar::days_from_civil(1970, 1, 1), 0); }

TEST(Calendar, KnownDatesMatchUnixTime) {
    EXPECT_EQ(calendar::to_unix_seconds({2000, 3, 1, 0, 0, 0}), 951868800);
    EXPECT_EQ(calendar::to_unix_seconds({2020, 1, 1, 0, 0, 0}), 1577836800);
    EXPECT_EQ(calendar::to_unix_seconds({2038, 1, 19, 3, 14, 8}), 2147483648);
    EXPECT_EQ(calendar::to_unix_seconds({1969, 12, 31, 23, 59, 59}), -1);
}

TEST(Calendar, AgreesWithTimegmForEveryDayOverFourCenturies) {
    for (int year = 1900; year <= 2300; year += 7) {
        for (unsigned month = 1; month <= 12; month++) {
            std::tm tm{};
            tm.tm_year = year - 1900;
            tm.tm_mon = static_cast<int>(month) - 1;
            tm.tm_mday = 28;
            tm.tm_hour = 13;
            EXPECT_EQ(calendar::to_unix_seconds({year, month, 28, 13, 0, 0}), timegm(&tm)) << year << "-" << month;
        }
    }
}

TEST(Calendar, ValidationRejectsImpossibleDates) {
    EXPECT_TRUE(calendar::is_valid({2024, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(calendar::is_valid({2023, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(calendar::is_valid({1900, 2, 29, 0, 0, 0}));
    EXPECT_TRUE(calendar::is_valid({2000, 2, 29, 0, 0, 0}));
    EXPECT_FALSE(calendar::is_valid({2024, 13, 1, 0, 0, 0}));
    EXPECT_FALSE(calendar::is_valid({2024, 4, 31, 0, 0, 0}));
    EXPECT_FALSE(calendar::is_valid({2024, 4, 1, 24, 0, 0}));
}

TEST(Calendar, BcdDecoding) {
    EXPECT_EQ(calendar::from_bcd(0x59), 59);
    EXPECT_EQ(calendar::from_bcd(0x00), 0);
    EXPECT_EQ(calendar::from_bcd(0x23), 23);
}

}  // namespace
