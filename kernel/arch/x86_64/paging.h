// x86-64 four-level page tables; each table is a frame reached through the direct map.
// The kernel's table maps the kernel half; every application address space has a table of
// its own whose kernel half points at the kernel's (the same third-level tables, made at
// boot for every kernel region), so a kernel mapping made later appears in all of them.
#pragma once

#include <optional>
#include <span>

#include "base/result.h"
#include "base/types.h"

namespace paging {

enum Flag : u64 {
    kPresent = 1ull << 0,
    kWritable = 1ull << 1,
    kUser = 1ull << 2,
    kWriteThrough = 1ull << 3,
    kCacheDisable = 1ull << 4,
    kLargePage = 1ull << 7,
    kGlobal = 1ull << 8,
    kNoExecute = 1ull << 63,
};

constexpr u64 kAddressMask = 0x000ffffffffff000ull;

// The entry flags for an application page with PROT_* bits `prot` (read 1, write 2,
// exec 4): user, present, writable when asked, no-execute unless asked.
u64 user_page_flags(u32 prot);

// Kernel data: present, writable, never executable.
constexpr u64 kKernelData = kPresent | kWritable | kNoExecute | kGlobal;
constexpr u64 kKernelMmio = kKernelData | kCacheDisable | kWriteThrough;

class PageTable {
public:
    static Result<PageTable> create();
    // A table for an application: an empty user half, the kernel's own kernel half.
    static Result<PageTable> create_user();
    explicit PageTable(u64 pml4_phys) : m_pml4(pml4_phys) {}

    // Maps [virt, virt+size) to [phys, phys+size). Uses 2 MiB pages where both addresses
    // are aligned and allow_large is set. EEXIST when something is already mapped there.
    Result<void> map(u64 virt, u64 phys, u64 size, u64 flags, bool allow_large = false);
    // Unmaps 4 KiB pages (splitting no large pages: EINVAL if one is in the way).
    Result<void> unmap(u64 virt, u64 size);
    std::optional<u64> translate(u64 virt) const;
    // The leaf entry of a 4 KiB page, or nullptr when no page table covers it.
    u64* pte(u64 virt) const;
    // Removes a 4 KiB page's mapping and returns the frame it mapped.
    std::optional<u64> unmap_page(u64 virt);
    // Replaces the flags of a mapped 4 KiB page (the frame stays).
    void set_page_flags(u64 virt, u64 flags);
    u64 root() const { return m_pml4; }
    void activate() const;
    // Whether this CPU has the table loaded (CR3).
    bool active() const;
    // Drops the TLB's copy of the page at virt once its entry changed. Every invalidation
    // goes through here (SMP's shootdown will go here too). A user-half page of a table
    // not loaded needs nothing (loading a table flushes its non-global entries); a
    // kernel-half page is in every table, so it is always dropped.
    void invalidate(u64 virt) const;
    // The same for [start, end): one request to the other CPUs for the whole range.
    void invalidate_range(u64 start, u64 end) const;
    // The CPUs that have this table loaded (a bit per CPU), as activate() records them.
    u64 loaded_on() const;
    // Frees the user half's tables and the PML4 (a table from create_user()). The pages
    // they map must have been released already; a CPU still running on the table is moved
    // to the kernel's.
    void free_user_tables();

private:
    u64 m_pml4;
    mutable u64 m_cpus = 0;  // the CPUs with it in CR3 (atomic; see activate())
};

// Builds the kernel's final address space: the direct map of all RAM (large pages, NX),
// the kernel image with per-section permissions, and no identity map. Activates it.
struct RamRange {
    u64 start, end;
};
Result<void> init_kernel_space(std::span<const RamRange> ram);
PageTable& kernel_space();

// Turns on the protection features the CPU offers (NX was enabled at entry; WP in CR0;
// SMEP, SMAP, UMIP, global pages). Returns a short description for the log.
void enable_protection_features();

// Maps device registers uncached into the direct-map range and returns their address.
Result<void*> map_mmio(u64 phys, u64 size);

}  // namespace paging
