#include "boot/pvh.h"

#include <cstring>

namespace boot {
namespace {

template <typename T>
Result<T> read_struct(const PhysicalMemory& memory, u64 phys, usize size = sizeof(T)) {
    const void* source = memory.view(phys, size);
    if (!source) return Error(EFAULT);
    T value {};
    std::memcpy(&value, source, size);
    return value;
}

void reserve(BootInfo& info, u64 phys, u64 size) {
    if (size == 0) return;
    // Capacity covers every range parse_pvh records, so this cannot overflow.
    info.reserved[info.reserved_count++] = {phys, range_end(phys, size)};
}

struct CString {
    std::string_view text;
    bool truncated;
};

// Reads a NUL-terminated string of at most kMaxCmdlineLength bytes. Views are taken one
// page at a time, so a string that ends just before inaccessible memory still reads, while
// one that runs into it without a NUL is EFAULT.
Result<CString> read_cstring(const PhysicalMemory& memory, u64 phys) {
    constexpr u64 kPage = 4096;
    usize length = 0;
    bool terminated = false;
    while (length < BootInfo::kMaxCmdlineLength) {
        u64 at = phys + length;
        if (at < phys) return Error(EFAULT);  // wrapped past the top of memory
        usize chunk = usize(kPage - at % kPage);
        if (chunk > BootInfo::kMaxCmdlineLength - length) chunk = BootInfo::kMaxCmdlineLength - length;
        auto* bytes = static_cast<const char*>(memory.view(at, chunk));
        if (!bytes) return Error(EFAULT);
        usize i = 0;
        while (i < chunk && bytes[i] != '\0') ++i;
        length += i;
        if (i < chunk) {
            terminated = true;
            break;
        }
    }
    auto* text = static_cast<const char*>(memory.view(phys, length ? length : 1));
    if (!text) return Error(EFAULT);
    return CString {{text, length}, !terminated};
}

// Reads a command line and records the bytes it occupies, its NUL included.
Result<CString> read_and_reserve_cstring(BootInfo& info, const PhysicalMemory& memory, u64 phys) {
    if (phys == 0) return CString {{}, false};
    CString string = TRY(read_cstring(memory, phys));
    reserve(info, phys, string.text.size() + (string.truncated ? 0 : 1));
    return string;
}

void sort_by_base(std::span<MemoryRegion> regions) {
    // Insertion sort: at most 128 entries, usually already sorted, and stable, so entries at
    // the same base keep the firmware's order.
    for (usize i = 1; i < regions.size(); ++i) {
        MemoryRegion region = regions[i];
        usize j = i;
        for (; j > 0 && regions[j - 1].base > region.base; --j) regions[j] = regions[j - 1];
        regions[j] = region;
    }
}

Result<void> read_memory_map(BootInfo& info, const PhysicalMemory& memory, u64 table_phys,
                             u32 entries) {
    if (entries == 0) return {};
    reserve(info, table_phys, u64(entries) * sizeof(HvmMemmapTableEntry));
    usize kept = entries;
    if (kept > BootInfo::kMaxMemoryRegions) {
        kept = BootInfo::kMaxMemoryRegions;
        info.memory_map_truncated = true;
    }
    auto* table = static_cast<const u8*>(memory.view(table_phys, kept * sizeof(HvmMemmapTableEntry)));
    if (!table) return Error(EFAULT);
    for (usize i = 0; i < kept; ++i) {
        HvmMemmapTableEntry entry;
        std::memcpy(&entry, table + i * sizeof entry, sizeof entry);
        if (entry.size == 0) continue;
        info.memory_regions[info.memory_region_count++] = {entry.addr, entry.size,
                                                           MemoryType(entry.type)};
    }
    sort_by_base({info.memory_regions.data(), info.memory_region_count});
    return {};
}

Result<void> read_modules(BootInfo& info, const PhysicalMemory& memory, u64 list_phys,
                          u32 count) {
    if (count == 0) return {};
    reserve(info, list_phys, u64(count) * sizeof(HvmModlistEntry));
    usize kept = count;
    if (kept > BootInfo::kMaxModules) {
        kept = BootInfo::kMaxModules;
        info.modules_truncated = true;
    }
    auto* list = static_cast<const u8*>(memory.view(list_phys, kept * sizeof(HvmModlistEntry)));
    if (!list) return Error(EFAULT);
    for (usize i = 0; i < kept; ++i) {
        HvmModlistEntry entry;
        std::memcpy(&entry, list + i * sizeof entry, sizeof entry);
        CString cmdline = TRY(read_and_reserve_cstring(info, memory, entry.cmdline_paddr));
        reserve(info, entry.paddr, entry.size);
        info.module_list[info.module_count++] = {entry.paddr, entry.size, cmdline.text};
    }
    return {};
}

}  // namespace

Result<BootInfo> parse_pvh(u64 start_info_phys, const PhysicalMemory& memory) {
    // Read the version 0 part first: a version 0 struct may sit right before memory that
    // cannot be viewed, so asking for the full size up front could fail spuriously.
    HvmStartInfo start = TRY(read_struct<HvmStartInfo>(memory, start_info_phys, kHvmStartInfoV0Size));
    if (start.magic != kHvmStartMagic) return Error(EINVAL);
    if (start.version >= 1) start = TRY(read_struct<HvmStartInfo>(memory, start_info_phys));

    BootInfo info;
    info.version = start.version;
    info.flags = start.flags;
    info.rsdp_paddr = start.rsdp_paddr;
    reserve(info, start_info_phys, start.version >= 1 ? sizeof(HvmStartInfo) : kHvmStartInfoV0Size);

    if (start.version >= 1) TRY(read_memory_map(info, memory, start.memmap_paddr, start.memmap_entries));

    CString cmdline = TRY(read_and_reserve_cstring(info, memory, start.cmdline_paddr));
    info.cmdline = cmdline.text;
    info.cmdline_truncated = cmdline.truncated;

    TRY(read_modules(info, memory, start.modlist_paddr, start.nr_modules));
    return info;
}

}  // namespace boot
