#include <gtest/gtest.h>

#include "boot/real_mode.h"

namespace {

using boot::MemoryRegion;
using boot::MemoryType;

boot::BootInfo boot_info_with(std::initializer_list<MemoryRegion> regions) {
    boot::BootInfo info;
    for (const auto& region : regions) info.memory_regions[info.memory_region_count++] = region;
    return info;
}

// As qboot and SeaBIOS describe low memory: RAM to 639 KiB, the EBDA's KiB reserved.
boot::BootInfo pc_like() {
    return boot_info_with({{0, 0x9fc00, MemoryType::Ram},
                      {0x9fc00, 0x400, MemoryType::Reserved},
                      {0xf0000, 0x10000, MemoryType::Reserved},
                      {0x100000, 0x7f00000, MemoryType::Ram}});
}

TEST(RealModePages, TheHighestWholePagesBelowTheEbda) {
    auto info = pc_like();
    EXPECT_EQ(boot::find_real_mode_pages(info, 1), 0x9e000u);
    EXPECT_EQ(boot::find_real_mode_pages(info, 4), 0x9b000u);
}

TEST(RealModePages, RangesTheBootHandedOverAreAvoided) {
    auto info = pc_like();
    info.reserved[info.reserved_count++] = {0x9c800, 0x9c900};  // e.g. the command line
    EXPECT_EQ(boot::find_real_mode_pages(info, 1), 0x9e000u);
    EXPECT_EQ(boot::find_real_mode_pages(info, 2), 0x9d000u);
    EXPECT_EQ(boot::find_real_mode_pages(info, 3), 0x99000u) << "the run must not straddle the command line";
}

TEST(RealModePages, OverlappingEntriesWinOverRam) {
    auto info = boot_info_with({{0, 0xa0000, MemoryType::Ram}, {0x90000, 0x10000, MemoryType::AcpiNvs}});
    EXPECT_EQ(boot::find_real_mode_pages(info, 1), 0x8f000u);
}

TEST(RealModePages, NeverPageZeroNorAboveTheArea) {
    auto info = boot_info_with({{0, 0x2000, MemoryType::Ram}, {0x100000, 0x100000, MemoryType::Ram}});
    EXPECT_EQ(boot::find_real_mode_pages(info, 1), 0x1000u);
    EXPECT_EQ(boot::find_real_mode_pages(info, 2), std::nullopt) << "page 0 holds the IVT and BIOS data";
    auto high_only = boot_info_with({{0xa0000, 0x60000, MemoryType::Ram}, {0x100000, 0x100000, MemoryType::Ram}});
    EXPECT_EQ(boot::find_real_mode_pages(high_only, 1), std::nullopt);
}

TEST(RealModePages, NoMapNoPages) {
    boot::BootInfo empty;
    EXPECT_EQ(boot::find_real_mode_pages(empty, 1), std::nullopt);
    EXPECT_EQ(boot::find_real_mode_pages(pc_like(), 0), std::nullopt);
    EXPECT_EQ(boot::find_real_mode_pages(pc_like(), 1000), std::nullopt);
}

}  // namespace
