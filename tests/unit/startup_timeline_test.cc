#include "protocol/startup_timeline.h"

#include <gtest/gtest.h>

#include <string>

namespace {

using protocol::StartupTimeline;

TEST(StartupTimeline, RoundTripsAmongOtherControlLines) {
    StartupTimeline t{2300000, 5706868, 61000000, 110000000, 126000000};
    char buffer[protocol::kStartupTimelineMaxLength];
    std::string line(protocol::encode_startup_timeline(t, buffer, sizeof buffer));
    EXPECT_EQ(line, "OSPREY-STARTUP v1 khz=2300000 pvh=5706868 ready=61000000 exec=110000000 output=126000000\n");
    std::string channel = "OSPREY-READY v1\n" + line + "OSPREY-EXIT v1 reason=exited status=0 check=00000000\n";
    EXPECT_EQ(protocol::find_startup_timeline(channel), t);
    EXPECT_NEAR(protocol::tsc_ms(t, t.pvh_entry, t.kernel_ready), 24.04, 0.01);
}

TEST(StartupTimeline, AProgramThatNeverWroteHasOutputZero) {
    StartupTimeline t{1000000, 10, 20, 30, 0};
    char buffer[protocol::kStartupTimelineMaxLength];
    EXPECT_EQ(protocol::find_startup_timeline(protocol::encode_startup_timeline(t, buffer, sizeof buffer)), t);
}

TEST(StartupTimeline, CutOrMalformedLinesAreIgnored) {
    auto find = [](const std::string& s) { return protocol::find_startup_timeline(s); };
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=1 ready=2 exec=3 output=4"));  // no newline
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=0 pvh=1 ready=2 exec=3 output=4\n"));
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=5 ready=2 exec=3 output=4\n"));  // out of order
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=1 ready=2 exec=3 output=2\n"));
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=1 ready=2 exec=3\n"));
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=1 ready=2 exec=3 output=4 more=5\n"));
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=x ready=2 exec=3 output=4\n"));
    EXPECT_FALSE(find("OSPREY-STARTUP v1 khz=1 pvh=99999999999999999999 ready=2 exec=3 output=4\n"));
    // The last whole one counts.
    auto both = find("OSPREY-STARTUP v1 khz=1 pvh=1 ready=2 exec=3 output=4\nOSPREY-STARTUP v1 khz=2 pvh=1 ready=2 exec=3 output=0\n");
    ASSERT_TRUE(both);
    EXPECT_EQ(both->tsc_khz, 2u);
}

}  // namespace
