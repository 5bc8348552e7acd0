#include <gtest/gtest.h>

#include <vector>

#include "smp/cpu_plan.h"

namespace {

using smp::FirmwareCpu;

TEST(CpuPlan, BootCpuFirstThenTheEnabledOnesInOrder) {
    std::vector<FirmwareCpu> listed = {{0, true}, {1, true}, {2, false}, {3, true}};
    auto plan = smp::plan_cpus(listed, 0);
    ASSERT_EQ(plan.count, 3u);
    EXPECT_EQ(plan.apic_ids[0], 0u);
    EXPECT_EQ(plan.apic_ids[1], 1u);
    EXPECT_EQ(plan.apic_ids[2], 3u);
    EXPECT_EQ(plan.disabled, 1u);
    EXPECT_TRUE(plan.boot_cpu_listed);
}

TEST(CpuPlan, TheBootCpuNeedNotBeListedFirst) {
    std::vector<FirmwareCpu> listed = {{0, true}, {1, true}, {2, true}};
    auto plan = smp::plan_cpus(listed, 2);
    ASSERT_EQ(plan.count, 3u);
    EXPECT_EQ(plan.apic_ids[0], 2u);
    EXPECT_EQ(plan.apic_ids[1], 0u);
    EXPECT_EQ(plan.apic_ids[2], 1u);
}

TEST(CpuPlan, AnEmptyOrForeignListStillRunsOnTheBootCpu) {
    auto alone = smp::plan_cpus({}, 5);
    EXPECT_EQ(alone.count, 1u);
    EXPECT_EQ(alone.apic_ids[0], 5u);
    EXPECT_FALSE(alone.boot_cpu_listed);
}

TEST(CpuPlan, IdsTheXapicCannotAddressAreLeftOut) {
    std::vector<FirmwareCpu> listed = {{0, true}, {255, true}, {300, true}, {254, true}};
    auto plan = smp::plan_cpus(listed, 0);
    ASSERT_EQ(plan.count, 2u);
    EXPECT_EQ(plan.apic_ids[1], 254u);
    EXPECT_EQ(plan.unreachable, 2u);
}

TEST(CpuPlan, RepeatsAndOverflowAreCounted) {
    std::vector<FirmwareCpu> listed;
    for (u32 i = 0; i < smp::kMaxCpus + 3; i++) listed.push_back({i, true});
    listed.push_back({1, true});
    listed.push_back({0, true});
    auto plan = smp::plan_cpus(listed, 0);
    EXPECT_EQ(plan.count, smp::kMaxCpus);
    EXPECT_EQ(plan.beyond_capacity, 3u);
    EXPECT_EQ(plan.duplicates, 2u);
}

}  // namespace
