#include <gtest/gtest.h>

#include <cstdlib>

#include "vm/guest_tsc.h"
#include "vm/vm_config.h"

namespace {

constexpr const char* kTscCacheBootId = "4f1c8e2a-0b7d-4e55-9a51-6c1d2b3e4f50";

TEST(GuestTsc, TheCacheLineReadsBackForTheSameBoot) {
    EXPECT_EQ(osprey::parse_host_tsc_cache(osprey::host_tsc_cache_line(kTscCacheBootId, 2693778), kTscCacheBootId), 2693778u);
    // 0 records a host whose TSC is not to be used: known, and not measured again.
    EXPECT_EQ(osprey::parse_host_tsc_cache(osprey::host_tsc_cache_line(kTscCacheBootId, 0), kTscCacheBootId), 0u);
}

TEST(GuestTsc, ALineFromAnotherBootOrCutOrWrongIsNotUsed) {
    std::string line = osprey::host_tsc_cache_line(kTscCacheBootId, 2693778);
    EXPECT_FALSE(osprey::parse_host_tsc_cache(line, "another-boot"));
    EXPECT_FALSE(osprey::parse_host_tsc_cache(line, ""));
    EXPECT_FALSE(osprey::parse_host_tsc_cache(line.substr(0, line.size() - 1), kTscCacheBootId));  // no newline
    EXPECT_FALSE(osprey::parse_host_tsc_cache(line.substr(0, line.size() - 3), kTscCacheBootId));
    EXPECT_FALSE(osprey::parse_host_tsc_cache("", kTscCacheBootId));
    EXPECT_FALSE(osprey::parse_host_tsc_cache(std::string("osprey-host-tsc-v1 ") + kTscCacheBootId + " 26x3778\n", kTscCacheBootId));
    // A frequency the kernel would refuse is not passed on.
    EXPECT_FALSE(osprey::parse_host_tsc_cache(osprey::host_tsc_cache_line(kTscCacheBootId, 999), kTscCacheBootId));
    EXPECT_FALSE(osprey::parse_host_tsc_cache(osprey::host_tsc_cache_line(kTscCacheBootId, 30'000'000), kTscCacheBootId));
}

TEST(GuestTsc, UnderIcountTheTscCountsOneInstructionPerNanosecond) {
    osprey::VmConfig vm;
    vm.accel = "tcg";
    vm.deterministic = true;
    EXPECT_EQ(osprey::guest_tsc_khz(vm), 1'000'000u);
    vm.accel = "kvm";
    EXPECT_FALSE(osprey::guest_tsc_khz(vm));
}

TEST(GuestTsc, TheCacheFollowsXdgCacheHomeThenHome) {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    const char* home = std::getenv("HOME");
    std::string saved_xdg = xdg ? xdg : "", saved_home = home ? home : "";
    setenv("XDG_CACHE_HOME", "/x/cache", 1);
    EXPECT_EQ(osprey::host_tsc_cache_path(), "/x/cache/osprey/host-tsc");
    setenv("XDG_CACHE_HOME", "relative", 1);  // not absolute: ignored, as the spec says
    setenv("HOME", "/home/u", 1);
    EXPECT_EQ(osprey::host_tsc_cache_path(), "/home/u/.cache/osprey/host-tsc");
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    EXPECT_EQ(osprey::host_tsc_cache_path(), "");
    if (xdg) setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
    if (home) setenv("HOME", saved_home.c_str(), 1);
}

}  // namespace
