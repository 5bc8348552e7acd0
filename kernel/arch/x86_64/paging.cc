#include "arch/x86_64/paging.h"

#include <span>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tlb.h"
#include "lib/panic.h"
#include "mm/frames.h"

extern "C" bool smap_enabled;

namespace paging {

namespace {

constexpr u64 kTableFlags = kPresent | kWritable | kUser;  // leaf entries decide access

u64* table_at(u64 phys) { return static_cast<u64*>(layout::phys_to_virt(phys)); }
unsigned index_of(u64 virt, unsigned level) { return (virt >> (12 + 9 * level)) & 511; }

constexpr unsigned kFirstKernelSlot = 256;  // PML4 entries 256-511 map the kernel half

// Set once application tables exist: from then on a kernel-half PML4 entry made in the
// kernel's table would be missing from theirs.
bool g_kernel_half_shared = false;

// Returns the entry for virt at `level` (0 = page table, 1 = page directory), creating the
// intermediate tables on the way. EEXIST if a large page blocks the walk.
Result<u64*> walk_create(u64 pml4, u64 virt, unsigned level) {
    u64* table = table_at(pml4);
    for (unsigned l = 3; l > level; l--) {
        u64& entry = table[index_of(virt, l)];
        if (!(entry & kPresent)) {
            if (l == 3 && virt >= 0xffff800000000000ull && g_kernel_half_shared)
                panic("paging: a new kernel region at {:#x} after application tables exist", virt);
            u64 frame = TRY(frames::allocate_zeroed());
            // Kernel-half tables are shared by every future address space; user access is
            // decided by leaf entries alone.
            entry = frame | (virt >= 0xffff800000000000ull ? (kPresent | kWritable) : kTableFlags);
        } else if (entry & kLargePage) {
            return Error(EEXIST);
        }
        table = table_at(entry & kAddressMask);
    }
    return &table[index_of(virt, level)];
}

u64* walk(u64 pml4, u64 virt, unsigned& level_found) {
    u64* table = table_at(pml4);
    for (unsigned l = 3;; l--) {
        u64& entry = table[index_of(virt, l)];
        if (l == 0 || !(entry & kPresent) || (entry & kLargePage)) {
            level_found = l;
            return &entry;
        }
        table = table_at(entry & kAddressMask);
    }
}

PageTable g_kernel_space(0);

// The next free virtual address for MMIO mappings, placed high in the direct-map range so
// they never collide with RAM.
u64 g_next_mmio_virt = layout::kDirectMapBase + layout::kDirectMapLimit - 64 * GiB;

}  // namespace

Result<PageTable> PageTable::create() {
    u64 pml4 = TRY(frames::allocate_zeroed());
    return PageTable(pml4);
}

Result<void> PageTable::map(u64 virt, u64 phys, u64 size, u64 flags, bool allow_large) {
    if (!is_aligned(virt, layout::kPageSize) || !is_aligned(phys, layout::kPageSize) ||
        !is_aligned(size, layout::kPageSize))
        return Error(EINVAL);
    u64 end = virt + size;
    while (virt < end) {
        if (allow_large && is_aligned(virt, layout::kLargePageSize) &&
            is_aligned(phys, layout::kLargePageSize) && end - virt >= layout::kLargePageSize) {
            u64* entry = TRY(walk_create(m_pml4, virt, 1));
            if (*entry & kPresent) return Error(EEXIST);
            *entry = phys | flags | kPresent | kLargePage;
            virt += layout::kLargePageSize;
            phys += layout::kLargePageSize;
            continue;
        }
        u64* entry = TRY(walk_create(m_pml4, virt, 0));
        if (*entry & kPresent) return Error(EEXIST);
        *entry = phys | flags | kPresent;
        virt += layout::kPageSize;
        phys += layout::kPageSize;
    }
    return {};
}

Result<void> PageTable::unmap(u64 virt, u64 size) {
    Result<void> result{};
    u64 v = virt;
    for (; v < virt + size; v += layout::kPageSize) {
        unsigned level;
        u64* entry = walk(m_pml4, v, level);
        if (!(*entry & kPresent)) continue;
        if (level != 0) {
            result = Error(EINVAL);
            break;
        }
        *entry = 0;
    }
    if (v > virt) invalidate_range(virt, v);  // one request for the range, not one per page
    return result;
}

std::optional<u64> PageTable::translate(u64 virt) const {
    unsigned level;
    u64* entry = walk(m_pml4, virt, level);
    if (!(*entry & kPresent)) return std::nullopt;
    u64 page_mask = (1ull << (12 + 9 * level)) - 1;
    return (*entry & kAddressMask & ~page_mask) | (virt & page_mask);
}

Result<PageTable> PageTable::create_user() {
    u64 pml4 = TRY(frames::allocate_zeroed());
    const u64* kernel = table_at(g_kernel_space.m_pml4);
    u64* user = table_at(pml4);
    for (unsigned i = kFirstKernelSlot; i < 512; i++) user[i] = kernel[i];
    g_kernel_half_shared = true;
    return PageTable(pml4);
}

void PageTable::activate() const {
    // Interrupts off (the scheduler, or a lock): the CPU's record and CR3 change together.
    PerCpu* cpu = this_cpu();
    u64 bit = 1ull << cpu->id;
    if (cpu->loaded_table && cpu->loaded_table != this) __atomic_fetch_and(&cpu->loaded_table->m_cpus, ~bit, __ATOMIC_RELEASE);
    __atomic_fetch_or(&m_cpus, bit, __ATOMIC_ACQ_REL);
    cpu::write_cr3(m_pml4);
    cpu->loaded_table = this;
}

bool PageTable::active() const { return (cpu::read_cr3() & kAddressMask) == m_pml4; }

u64 PageTable::loaded_on() const { return __atomic_load_n(&m_cpus, __ATOMIC_ACQUIRE); }

void PageTable::invalidate(u64 virt) const { invalidate_range(virt, virt + layout::kPageSize); }

void PageTable::invalidate_range(u64 start, u64 end) const {
    // The kernel half is in every table: whichever is loaded, on any CPU, may cache it.
    bool kernel = start >= 0xffff800000000000ull;
    if (kernel || active()) tlb::flush_here(kernel, start, end);
    tlb::flush_others(kernel ? nullptr : this, start, end, kernel ? ~0ull : loaded_on());
}

void PageTable::free_user_tables() {
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    if (active()) g_kernel_space.activate();
    if (restore) cpu::enable_interrupts();
    // Other CPUs may still have it loaded (an idle CPU keeps the last table it ran on).
    tlb::drop_others(this, loaded_on());
    u64* pml4 = table_at(m_pml4);
    for (unsigned i = 0; i < kFirstKernelSlot; i++) {
        if (!(pml4[i] & kPresent)) continue;
        u64* pdpt = table_at(pml4[i] & kAddressMask);
        for (unsigned j = 0; j < 512; j++) {
            if (!(pdpt[j] & kPresent) || (pdpt[j] & kLargePage)) continue;
            u64* pd = table_at(pdpt[j] & kAddressMask);
            for (unsigned k = 0; k < 512; k++)
                if ((pd[k] & kPresent) && !(pd[k] & kLargePage)) frames::free(pd[k] & kAddressMask);
            frames::free(pdpt[j] & kAddressMask);
        }
        frames::free(pml4[i] & kAddressMask);
    }
    frames::free(m_pml4);
    m_pml4 = 0;
}

u64* PageTable::pte(u64 virt) const {
    unsigned level;
    u64* entry = walk(m_pml4, virt, level);
    return level == 0 ? entry : nullptr;
}

std::optional<u64> PageTable::unmap_page(u64 virt) {
    u64* entry = pte(virt);
    if (!entry || !(*entry & kPresent)) return std::nullopt;
    u64 phys = *entry & kAddressMask;
    *entry = 0;
    invalidate(virt);
    return phys;
}

void PageTable::set_page_flags(u64 virt, u64 flags) {
    u64* entry = pte(virt);
    if (!entry || !(*entry & kPresent)) return;
    *entry = (*entry & kAddressMask) | flags;
    invalidate(virt);
}

u64 user_page_flags(u32 prot) {
    u64 flags = kPresent | kUser;
    if (prot & 2) flags |= kWritable;
    if (!(prot & 4) && cpu_features::has(cpu_features::kNx)) flags |= kNoExecute;
    return flags;
}

PageTable& kernel_space() { return g_kernel_space; }

Result<void> init_kernel_space(std::span<const RamRange> ram) {
    PageTable space = TRY(PageTable::create());
    u64 global = cpu_features::has(cpu_features::kPge) ? u64{kGlobal} : 0;
    u64 nx = cpu_features::has(cpu_features::kNx) ? u64{kNoExecute} : 0;
    u64 data_flags = kPresent | kWritable | nx | global;

    for (const auto& range : ram) {
        u64 start = align_down(range.start, layout::kPageSize);
        u64 end = align_up(range.end, layout::kPageSize);
        if (end > layout::kDirectMapLimit) end = layout::kDirectMapLimit;
        if (start >= end) continue;
        TRY(space.map(layout::kDirectMapBase + start, start, end - start, data_flags, true));
    }

    struct Section {
        char* start;
        char* end;
        u64 flags;
    };
    const Section sections[] = {
        {__kernel_start, __text_end, kPresent | global},                 // code: read, execute
        {__rodata_start, __rodata_end, kPresent | nx | global},          // read only
        {__data_start, __kernel_end, kPresent | kWritable | nx | global},
    };
    for (const auto& s : sections) {
        u64 virt = reinterpret_cast<u64>(s.start);
        u64 size = align_up(reinterpret_cast<u64>(s.end), layout::kPageSize) - virt;
        TRY(space.map(virt, layout::kernel_image_to_phys(s.start), size, s.flags));
    }
    // The regions the kernel maps into later (device registers, kernel stacks) get their
    // PML4 entries now, so every application table made from this one shares them.
    TRY(walk_create(space.root(), g_next_mmio_virt, 2));
    TRY(walk_create(space.root(), layout::kKernelStacksBase, 2));
    g_kernel_space = space;
    g_kernel_space.activate();  // the global, which CPUs' records may point at
    return {};
}

void enable_protection_features() {
    u64 cr4 = cpu::read_cr4();
    if (cpu_features::has(cpu_features::kPge)) cr4 |= 1ull << 7;
    if (cpu_features::has(cpu_features::kSmep)) cr4 |= 1ull << 20;
    if (cpu_features::has(cpu_features::kSmap)) {
        cr4 |= 1ull << 21;
        smap_enabled = true;  // user_copy.S brackets user accesses with STAC/CLAC
    }
    if (cpu_features::has(cpu_features::kUmip)) cr4 |= 1ull << 11;
    cpu::write_cr4(cr4);
}

Result<void*> map_mmio(u64 phys, u64 size) {
    u64 offset = phys & (layout::kPageSize - 1);
    u64 base = phys - offset;
    u64 length = align_up(size + offset, layout::kPageSize);
    u64 virt = g_next_mmio_virt;
    u64 nx = cpu_features::has(cpu_features::kNx) ? u64{kNoExecute} : 0;
    TRY(g_kernel_space.map(virt, base, length, kPresent | kWritable | kCacheDisable | kWriteThrough | nx));
    g_next_mmio_virt += length + layout::kPageSize;
    return reinterpret_cast<void*>(virt + offset);
}

}  // namespace paging
