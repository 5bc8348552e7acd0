#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "boot/pvh.h"
#include "boot/ranges.h"

using boot::BootInfo;
using boot::HvmMemmapTableEntry;
using boot::HvmModlistEntry;
using boot::HvmStartInfo;
using boot::MemoryType;
using boot::PhysRange;

namespace {

// A machine's physical memory [kBase, kBase + size) in a buffer; anything else is
// inaccessible, as unmapped memory is for the kernel's direct map.
class FakeMemory final : public boot::PhysicalMemory {
public:
    static constexpr u64 kBase = 0x10000;
    static constexpr u64 kStartInfo = kBase;
    static constexpr u64 kMemmap = kBase + 0x100;
    static constexpr u64 kCmdline = kBase + 0x1000;
    static constexpr u64 kModlist = kBase + 0x2000;
    static constexpr u64 kModuleCmdline = kBase + 0x2100;
    static constexpr u64 kModule = kBase + 0x3000;

    explicit FakeMemory(usize size = 0x4000, u64 base = kBase) : m_base(base), m_bytes(size, 0) {}

    const void* view(u64 phys, usize length) const override {
        if (phys < m_base || phys - m_base > m_bytes.size() || length > m_bytes.size() - (phys - m_base))
            return nullptr;
        return m_bytes.data() + (phys - m_base);
    }

    template <typename T>
    void put(u64 phys, const T& value) { put_bytes(phys, &value, sizeof value); }
    void put_bytes(u64 phys, const void* data, usize size) {
        ASSERT_LE(phys - m_base + size, m_bytes.size());
        std::memcpy(m_bytes.data() + (phys - m_base), data, size);
    }
    void put_string(u64 phys, std::string_view text) {
        put_bytes(phys, text.data(), text.size());
        put<u8>(phys + text.size(), 0);
    }
    usize size() const { return m_bytes.size(); }

private:
    u64 m_base;
    std::vector<u8> m_bytes;
};

HvmStartInfo start_info(u32 version = 1) {
    HvmStartInfo info {};
    info.magic = boot::kHvmStartMagic;
    info.version = version;
    return info;
}

// What QEMU hands a -kernel boot with -append and -initrd.
FakeMemory typical_machine() {
    FakeMemory memory;
    HvmStartInfo info = start_info();
    info.cmdline_paddr = FakeMemory::kCmdline;
    info.rsdp_paddr = 0xf52a0;
    info.memmap_paddr = FakeMemory::kMemmap;
    info.memmap_entries = 3;
    info.nr_modules = 1;
    info.modlist_paddr = FakeMemory::kModlist;
    memory.put(FakeMemory::kStartInfo, info);
    // Out of order on purpose: the parser sorts.
    memory.put(FakeMemory::kMemmap + 0 * 24, HvmMemmapTableEntry {0x100000, 0x7ee0000, 1, 0});
    memory.put(FakeMemory::kMemmap + 1 * 24, HvmMemmapTableEntry {0, 0x9fc00, 1, 0});
    memory.put(FakeMemory::kMemmap + 2 * 24, HvmMemmapTableEntry {0xf0000, 0x10000, 2, 0});
    memory.put_string(FakeMemory::kCmdline, "loglevel=debug -- /bin/app");
    memory.put(FakeMemory::kModlist,
               HvmModlistEntry {FakeMemory::kModule, 0x800, FakeMemory::kModuleCmdline, 0});
    memory.put_string(FakeMemory::kModuleCmdline, "root.cpio");
    return memory;
}

TEST(Pvh, ParsesTypicalStartInfo) {
    FakeMemory memory = typical_machine();
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok()) << err::name(result.error());
    const BootInfo& info = result.value();
    EXPECT_EQ(info.version, 1u);
    EXPECT_EQ(info.rsdp_paddr, 0xf52a0u);
    EXPECT_EQ(info.cmdline, "loglevel=debug -- /bin/app");
    EXPECT_FALSE(info.cmdline_truncated);
    ASSERT_EQ(info.memory_map().size(), 3u);
    EXPECT_EQ(info.memory_map()[0].base, 0u);
    EXPECT_EQ(info.memory_map()[0].type, MemoryType::Ram);
    EXPECT_EQ(info.memory_map()[1].base, 0xf0000u);
    EXPECT_EQ(info.memory_map()[1].type, MemoryType::Reserved);
    EXPECT_EQ(info.memory_map()[2].end(), 0x7fe0000u);
    EXPECT_FALSE(info.memory_map_truncated);
    ASSERT_EQ(info.modules().size(), 1u);
    EXPECT_EQ(info.modules()[0].phys, FakeMemory::kModule);
    EXPECT_EQ(info.modules()[0].size, 0x800u);
    EXPECT_EQ(info.modules()[0].cmdline, "root.cpio");
}

TEST(Pvh, ReservesEverythingTheLoaderHandedOver) {
    FakeMemory memory = typical_machine();
    auto info = boot::parse_pvh(FakeMemory::kStartInfo, memory).release_value();
    std::vector<PhysRange> reserved(info.reserved_ranges().begin(), info.reserved_ranges().end());
    auto has = [&](PhysRange range) {
        return std::find(reserved.begin(), reserved.end(), range) != reserved.end();
    };
    EXPECT_TRUE(has({FakeMemory::kStartInfo, FakeMemory::kStartInfo + sizeof(HvmStartInfo)}));
    EXPECT_TRUE(has({FakeMemory::kMemmap, FakeMemory::kMemmap + 3 * 24}));
    EXPECT_TRUE(has({FakeMemory::kCmdline, FakeMemory::kCmdline + 27}));  // NUL included
    EXPECT_TRUE(has({FakeMemory::kModlist, FakeMemory::kModlist + 32}));
    EXPECT_TRUE(has({FakeMemory::kModuleCmdline, FakeMemory::kModuleCmdline + 10}));
    EXPECT_TRUE(has({FakeMemory::kModule, FakeMemory::kModule + 0x800}));
    EXPECT_EQ(reserved.size(), 6u);
}

TEST(Pvh, BadMagicIsEINVAL) {
    FakeMemory memory = typical_machine();
    memory.put<u32>(FakeMemory::kStartInfo, 0x336ec579);
    EXPECT_EQ(boot::parse_pvh(FakeMemory::kStartInfo, memory).error(), EINVAL);
}

TEST(Pvh, StartInfoOutsideMemoryIsEFAULT) {
    FakeMemory memory = typical_machine();
    EXPECT_EQ(boot::parse_pvh(0x1000, memory).error(), EFAULT);
    EXPECT_EQ(boot::parse_pvh(FakeMemory::kBase + memory.size() - 8, memory).error(), EFAULT);
}

TEST(Pvh, Version0HasNoMemoryMapAndIsNotAnError) {
    FakeMemory memory = typical_machine();
    memory.put<u32>(FakeMemory::kStartInfo + 4, 0);
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result.value().memory_map().empty());
    EXPECT_EQ(result.value().cmdline, "loglevel=debug -- /bin/app");
    EXPECT_EQ(result.value().reserved_ranges()[0],
              (PhysRange {FakeMemory::kStartInfo, FakeMemory::kStartInfo + 40}));
}

TEST(Pvh, Version0StartInfoAtTheEndOfMemoryReads) {
    FakeMemory memory;
    u64 at = FakeMemory::kBase + memory.size() - 40;
    memory.put_bytes(at, &static_cast<const HvmStartInfo&>(start_info(0)), 40);
    EXPECT_TRUE(boot::parse_pvh(at, memory).is_ok());
}

TEST(Pvh, UnterminatedCmdlineIsCappedAndFlagged) {
    FakeMemory memory(0x8000);
    HvmStartInfo info = start_info();
    info.cmdline_paddr = FakeMemory::kBase + 0x1000;
    memory.put(FakeMemory::kStartInfo, info);
    std::string long_text(0x2000, 'x');
    memory.put_bytes(info.cmdline_paddr, long_text.data(), long_text.size());
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().cmdline.size(), BootInfo::kMaxCmdlineLength);
    EXPECT_TRUE(result.value().cmdline_truncated);
}

TEST(Pvh, CmdlineRunningOffTheEndOfMemoryIsEFAULT) {
    FakeMemory memory;
    HvmStartInfo info = start_info();
    info.cmdline_paddr = FakeMemory::kBase + memory.size() - 4;
    memory.put(FakeMemory::kStartInfo, info);
    memory.put_bytes(info.cmdline_paddr, "abcd", 4);
    EXPECT_EQ(boot::parse_pvh(FakeMemory::kStartInfo, memory).error(), EFAULT);
}

TEST(Pvh, CmdlineEndingRightAtTheEndOfMemoryReads) {
    FakeMemory memory;
    HvmStartInfo info = start_info();
    info.cmdline_paddr = FakeMemory::kBase + memory.size() - 4;
    memory.put(FakeMemory::kStartInfo, info);
    memory.put_string(info.cmdline_paddr, "abc");
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().cmdline, "abc");
}

TEST(Pvh, NoCmdlineGivesEmptyCmdline) {
    FakeMemory memory;
    memory.put(FakeMemory::kStartInfo, start_info());
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().cmdline, "");
    EXPECT_TRUE(result.value().modules().empty());
    EXPECT_EQ(result.value().reserved_ranges().size(), 1u);
}

TEST(Pvh, MemoryMapOutsideMemoryIsEFAULT) {
    FakeMemory memory = typical_machine();
    memory.put<u64>(FakeMemory::kStartInfo + 40, 0x7fff0000);
    EXPECT_EQ(boot::parse_pvh(FakeMemory::kStartInfo, memory).error(), EFAULT);
}

TEST(Pvh, ModuleListOutsideMemoryIsEFAULT) {
    FakeMemory memory = typical_machine();
    memory.put<u64>(FakeMemory::kStartInfo + 16, 0x7fff0000);
    EXPECT_EQ(boot::parse_pvh(FakeMemory::kStartInfo, memory).error(), EFAULT);
}

TEST(Pvh, ModuleDataOutsideViewableMemoryIsOnlyReserved) {
    FakeMemory memory = typical_machine();
    memory.put(FakeMemory::kModlist, HvmModlistEntry {0x40000000, 64 * MiB, 0, 0});
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().modules()[0].cmdline, "");
    auto reserved = result.value().reserved_ranges();
    EXPECT_NE(std::find(reserved.begin(), reserved.end(), PhysRange {0x40000000, 0x44000000}),
              reserved.end());
}

TEST(Pvh, TooManyMemoryMapEntriesKeepsTheFirstAndFlagsTruncation) {
    FakeMemory memory(0x8000);
    HvmStartInfo info = start_info();
    info.memmap_paddr = FakeMemory::kBase + 0x1000;
    info.memmap_entries = 1000;  // the table itself would run off the end of memory
    memory.put(FakeMemory::kStartInfo, info);
    for (u64 i = 0; i < BootInfo::kMaxMemoryRegions; ++i)
        memory.put(info.memmap_paddr + i * 24,
                   HvmMemmapTableEntry {(BootInfo::kMaxMemoryRegions - i) * 0x10000, 0x1000, 1, 0});
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok()) << err::name(result.error());
    EXPECT_TRUE(result.value().memory_map_truncated);
    ASSERT_EQ(result.value().memory_map().size(), BootInfo::kMaxMemoryRegions);
    EXPECT_EQ(result.value().memory_map().front().base, 0x10000u);
    EXPECT_EQ(result.value().memory_map().back().base, BootInfo::kMaxMemoryRegions * 0x10000);
    // The whole table the loader described stays reserved.
    EXPECT_EQ(result.value().reserved_ranges()[1],
              (PhysRange {info.memmap_paddr, info.memmap_paddr + 1000 * 24}));
}

TEST(Pvh, TooManyModulesKeepsTheFirstAndFlagsTruncation) {
    FakeMemory memory;
    HvmStartInfo info = start_info();
    info.modlist_paddr = FakeMemory::kModlist;
    info.nr_modules = 20;
    memory.put(FakeMemory::kStartInfo, info);
    for (u64 i = 0; i < 20; ++i)
        memory.put(FakeMemory::kModlist + i * 32, HvmModlistEntry {0x100000 * (i + 1), 0x1000, 0, 0});
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result.value().modules_truncated);
    EXPECT_EQ(result.value().modules().size(), BootInfo::kMaxModules);
}

TEST(Pvh, EmptyMemoryMapEntriesAreDropped) {
    FakeMemory memory = typical_machine();
    memory.put(FakeMemory::kMemmap + 2 * 24, HvmMemmapTableEntry {0xf0000, 0, 2, 0});
    auto result = boot::parse_pvh(FakeMemory::kStartInfo, memory);
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().memory_map().size(), 2u);
}

TEST(Pvh, FreeMemoryExcludesOverlappingReservedEntriesAndBootData) {
    // Boot data sits in RAM above 1 MiB here, and a reserved entry overlaps RAM.
    FakeMemory big(0x10000, 0x200000);
    HvmStartInfo info = start_info();
    info.memmap_paddr = 0x200100;
    info.memmap_entries = 3;
    info.cmdline_paddr = 0x201000;
    big.put(0x200000, info);
    big.put(0x200100, HvmMemmapTableEntry {0, 0x9fc00, 1, 0});
    big.put(0x200118, HvmMemmapTableEntry {0x100000, 0x1000000, 1, 0});
    big.put(0x200130, HvmMemmapTableEntry {0x800000, 0x100000, 2, 0});
    big.put_string(0x201000, "quiet");
    auto parsed = boot::parse_pvh(0x200000, big);
    ASSERT_TRUE(parsed.is_ok());
    boot::RangeSet free;
    const PhysRange kernel[] = {{0x100000, 0x180000}};
    ASSERT_TRUE(boot::compute_free_memory(parsed.value(), kernel, free).is_ok());
    std::vector<PhysRange> got(free.begin(), free.end());
    EXPECT_EQ(got, (std::vector<PhysRange>{
                       {0x180000, 0x200000}, {0x202000, 0x800000}, {0x900000, 0x1100000}}));
}

}  // namespace
