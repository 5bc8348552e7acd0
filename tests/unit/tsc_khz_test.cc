#include <gtest/gtest.h>

#include "time/tsc_khz.h"

TEST(TscKhz, APlainNumberOfKilohertzGivesHertz) {
    EXPECT_EQ(tsc_khz::parse_hz("2693778").value(), 2'693'778'000u);
    EXPECT_EQ(tsc_khz::parse_hz("1000000").value(), 1'000'000'000u);  // -icount shift=0
    EXPECT_EQ(tsc_khz::parse_hz("1000").value(), 1'000'000u);
    EXPECT_EQ(tsc_khz::parse_hz("20000000").value(), 20'000'000'000u);
}

TEST(TscKhz, NonsenseIsRefusedSoTheKernelCalibrates) {
    for (const char* junk : {"", "abc", "2.6e6", "-2600000", "+2600000", "2600000kHz", " 2600000", "0x100000"}) {
        auto parsed = tsc_khz::parse_hz(junk);
        ASSERT_TRUE(parsed.is_error()) << junk;
        EXPECT_EQ(parsed.error(), EINVAL) << junk;
    }
}

TEST(TscKhz, FrequenciesNoTscRunsAtAreRefused) {
    for (const char* value : {"0", "999", "20000001", "99999999999999999999999999", "18446744073709551617"}) {
        auto parsed = tsc_khz::parse_hz(value);
        ASSERT_TRUE(parsed.is_error()) << value;
        EXPECT_EQ(parsed.error(), ERANGE) << value;
    }
}
