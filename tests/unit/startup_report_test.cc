#include "vm/startup_report.h"

#include <gtest/gtest.h>

namespace {

using osprey::describe_startup;
using osprey::HostTimes;

TEST(StartupReport, JoinsTheHostsPhasesWithTheGuests) {
    // Guest at 1 GHz: kernel 12 ms, then 20 ms to the program, 5 ms to its output.
    protocol::StartupTimeline guest{1000000, 3000000, 15000000, 35000000, 40000000};
    HostTimes host{8.0, 10.0, 12.0, 100.0, 110.0};
    auto line = describe_startup(host, guest);
    ASSERT_TRUE(line);
    EXPECT_EQ(*line,
              "start-up: first output after 100.0 ms: osprey 12.0 before QEMU (image 8.0, its file 2.0), QEMU to the "
              "kernel 51.0, kernel 12.0, kernel to the program 20.0, program to its output 5.0; QEMU exited 10.0 ms "
              "after the output");
}

TEST(StartupReport, NoBreakdownWithoutOutputOrWithTimesThatDoNotFit) {
    protocol::StartupTimeline silent{1000000, 1, 2, 3, 0};
    EXPECT_FALSE(describe_startup({1, 2, 3, 50, 60}, silent));
    // The guest saw more time than the host between QEMU's start and the output.
    protocol::StartupTimeline slow{1000000, 0, 30000000, 60000000, 90000000};
    EXPECT_FALSE(describe_startup({1, 2, 3, 50, 60}, slow));
}

}  // namespace
