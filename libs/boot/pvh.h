// The PVH boot ABI (Xen public/arch-x86/hvm/start_info.h), used by QEMU -kernel and
// Firecracker: on entry %ebx holds the physical address of an hvm_start_info, from which
// parse_pvh() gathers the memory map, command line, modules and the ranges the boot handed
// over, all checked against what PhysicalMemory can reach.
#pragma once

#include <array>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "boot/ranges.h"

namespace boot {

// The wire layouts, exactly as the loader writes them.
struct HvmStartInfo {
    u32 magic;
    u32 version;
    u32 flags;
    u32 nr_modules;
    u64 modlist_paddr;
    u64 cmdline_paddr;
    u64 rsdp_paddr;
    u64 memmap_paddr;    // version >= 1
    u32 memmap_entries;  // version >= 1
    u32 reserved;        // version >= 1
};
struct HvmModlistEntry {
    u64 paddr;
    u64 size;
    u64 cmdline_paddr;
    u64 reserved;
};
struct HvmMemmapTableEntry {
    u64 addr;
    u64 size;
    u32 type;
    u32 reserved;
};

constexpr u32 kHvmStartMagic = 0x336ec578;
// Version 0 of the struct ends before memmap_paddr.
constexpr usize kHvmStartInfoV0Size = 40;

static_assert(sizeof(HvmStartInfo) == 56);
static_assert(offsetof(HvmStartInfo, modlist_paddr) == 16);
static_assert(offsetof(HvmStartInfo, cmdline_paddr) == 24);
static_assert(offsetof(HvmStartInfo, rsdp_paddr) == 32);
static_assert(offsetof(HvmStartInfo, memmap_paddr) == kHvmStartInfoV0Size);
static_assert(offsetof(HvmStartInfo, memmap_entries) == 48);
static_assert(sizeof(HvmModlistEntry) == 32);
static_assert(offsetof(HvmModlistEntry, cmdline_paddr) == 16);
static_assert(sizeof(HvmMemmapTableEntry) == 24);
static_assert(offsetof(HvmMemmapTableEntry, type) == 16);

// The kernel implements this with its direct map, tests with a buffer.
class PhysicalMemory {
public:
    // A pointer to [phys, phys + length), or nullptr when any of it is not accessible.
    // The pointer need not be aligned; parse_pvh copies structs out with memcpy.
    virtual const void* view(u64 phys, usize length) const = 0;

protected:
    ~PhysicalMemory() = default;
};

// E820 type numbers, which the PVH memory map reuses.
enum class MemoryType : u32 {
    Ram = 1,
    Reserved = 2,
    AcpiReclaimable = 3,
    AcpiNvs = 4,
    Unusable = 5,
    Disabled = 6,
    Persistent = 7,
};

struct MemoryRegion {
    u64 base;
    u64 size;
    MemoryType type;  // any value the firmware wrote; unknown types count as not RAM
    u64 start() const { return base; }
    u64 end() const { return range_end(base, size); }
};

struct Module {
    u64 phys;
    u64 size;
    std::string_view cmdline;  // empty when the loader gave none
};

struct BootInfo {
    static constexpr usize kMaxMemoryRegions = 128;
    static constexpr usize kMaxModules = 16;
    static constexpr usize kMaxCmdlineLength = 4096;
    // start_info, memory map, command line, module list, and per module its data and cmdline.
    static constexpr usize kMaxReservedRanges = 4 + 2 * kMaxModules;

    u32 version = 0;
    u32 flags = 0;
    u64 rsdp_paddr = 0;  // 0 when the loader gave none (then scan for the RSDP)

    // Sorted by base; overlapping and adjacent entries are kept as the firmware wrote them.
    // Empty for a version 0 start_info, which has no memory map: the caller then decides
    // (e.g. fall back to CMOS or fail the boot); parse_pvh does not guess.
    std::array<MemoryRegion, kMaxMemoryRegions> memory_regions {};
    usize memory_region_count = 0;
    bool memory_map_truncated = false;  // more entries than kMaxMemoryRegions; first ones kept

    // The command line without its NUL, a view into physical memory, which must stay
    // mapped and reserved while it is used. Truncated at kMaxCmdlineLength.
    std::string_view cmdline;
    bool cmdline_truncated = false;

    std::array<Module, kMaxModules> module_list {};
    usize module_count = 0;
    bool modules_truncated = false;  // more than kMaxModules; first ones kept

    // Everything the loader placed in memory that must not become free memory.
    std::array<PhysRange, kMaxReservedRanges> reserved {};
    usize reserved_count = 0;

    std::span<const MemoryRegion> memory_map() const {
        return {memory_regions.data(), memory_region_count};
    }
    std::span<const Module> modules() const { return {module_list.data(), module_count}; }
    std::span<const PhysRange> reserved_ranges() const { return {reserved.data(), reserved_count}; }
};

// EINVAL for a wrong magic; EFAULT when start_info, the memory map, the module list or a
// command line is outside what `memory` can view. Module data itself is only recorded as
// reserved, not viewed: it may be large and lie beyond an early direct map.
Result<BootInfo> parse_pvh(u64 start_info_phys, const PhysicalMemory& memory);

}  // namespace boot
