#include "mm/address_space.h"

#include <cstring>
#include <new>

#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "fs/initramfs.h"
#include "mm/frames.h"
#include "mm/shared_anonymous.h"
#include "mm/user_memory.h"

namespace mm {

namespace {

constexpr u64 kPage = mm::kPageSize;
constexpr u64 kMinMapAddress = 0x10000;  // vm.mmap_min_addr: the null page and its neighbours stay unmapped
// A PROT_NONE page keeps its frame in a not-present entry marked with this software bit.
constexpr u64 kProtNoneFrame = 1ull << 9;
// A page of a shared file mapping: the frame is the file's, never freed with the mapping.
constexpr u64 kSharedFrame = 1ull << 10;
// With kSharedFrame, in a private mapping: a lent frame (Backing::lendable_frame), mapped
// read-only; the first write copies it (as copy-on-write), and the copy is the mapping's.
constexpr u64 kLentFrame = 1ull << 11;

u32 vma_flags(u32 map_flags, bool file) {
    u32 flags = 0;
    if ((map_flags & MAP_TYPE) != MAP_PRIVATE) flags |= mm::kVmaShared;
    if (file) flags |= mm::kVmaFile;
    if (map_flags & MAP_GROWSDOWN) flags |= mm::kVmaGrowsDown;
    if (map_flags & MAP_NORESERVE) flags |= mm::kVmaNoReserve;
    return flags;
}

bool access_allowed(u32 prot, u32 access) {
    if (prot == mm::kProtNone) return false;
    if ((access & mm::kProtWrite) && !(prot & mm::kProtWrite)) return false;
    if ((access & mm::kProtExec) && !(prot & mm::kProtExec)) return false;
    return true;  // on x86 every mapped page is readable
}

// Visits the leaf entries of [start, end) one page table at a time: a single walk per
// 2 MiB instead of one per page, and none where no page table exists. visit(v, entry)
// returns false to stop; so does this then.
template <typename F>
bool for_each_entry(const paging::PageTable& table, u64 start, u64 end, F&& visit) {
    for (u64 v = start; v < end;) {
        u64 table_end = align_down(v, layout::kLargePageSize) + layout::kLargePageSize;
        if (table_end > end) table_end = end;
        u64* entry = table.pte(v);
        if (!entry) {
            v = table_end;
            continue;
        }
        for (; v < table_end; v += kPage, entry++)
            if (!visit(v, entry)) return false;
    }
    return true;
}

}  // namespace

mm::Vma* AddressSpace::HeapAllocator::allocate() { return new (std::nothrow) mm::Vma; }
void AddressSpace::HeapAllocator::release(mm::Vma* vma) { delete vma; }

AddressSpace::AddressSpace(paging::PageTable table)
    : m_table(table), m_areas(m_allocator, user_memory::kUserMapEnd) {}

Result<AddressSpace*> AddressSpace::create() {
    paging::PageTable table = TRY(paging::PageTable::create_user());
    auto* memory = new (std::nothrow) AddressSpace(table);
    if (!memory) {
        table.free_user_tables();
        return Error(ENOMEM);
    }
    return memory;
}

AddressSpace::~AddressSpace() {
    {
        MutexLocker lock(m_lock);
        // Area by area, so that each backing is checked (and freed) while the list of
        // those to check is short.
        while (const mm::Vma* area = m_areas.first()) {
            u64 start = area->start(), end = area->end();
            Unmapped removed;
            (void)m_areas.unmap(start, end - start, [&](const mm::VmaRegion& r) {
                release_pages(r.start, r.end);
                removed.note(r);
            });
            release_unmapped(removed);
        }
    }
    m_table.free_user_tables();
}

void AddressSpace::set_layout(u64 mmap_top, u64 brk_start) {
    MutexLocker lock(m_lock);
    m_mmap_top = mmap_top;
    m_brk_start = m_brk = brk_start;
}

// Frees the frames behind [start, end). Skips whole page tables that do not exist, so
// releasing a large reservation that was never touched costs little.
//
// Pages go in runs of up to kRun contiguous pages: their entries are cleared, the run's
// translations flushed (one TLB shootdown per run when other CPUs have the table loaded,
// instead of one per page), and only then are their frames released, so no CPU can still
// reach a frame that is given to someone else.
void AddressSpace::release_pages(u64 start, u64 end) {
    constexpr usize kRun = 64;
    u64 frames_of[kRun];
    usize count = 0;
    u64 run_start = 0, run_end = 0;  // [run_start, run_end): cleared, not yet flushed
    auto flush = [&] {
        if (run_end > run_start) m_table.invalidate_range(run_start, run_end);
        for (usize i = 0; i < count; i++) frames::release(frames_of[i]);  // freed unless mapped elsewhere too
        count = 0;
        run_start = run_end = 0;
    };
    for_each_entry(m_table, start, end, [&](u64 v, u64* entry) {
        if (*entry & (paging::kPresent | kProtNoneFrame)) {
            if (run_end != v || (run_end - run_start) / kPage == kRun) flush();
            u64 phys = *entry & paging::kAddressMask;
            bool shared = *entry & kSharedFrame;
            *entry = 0;
            if (run_end == 0) run_start = v;
            run_end = v + kPage;
            if (!shared) {
                frames_of[count++] = phys;
                m_resident_pages--;
            }
        }
        return true;
    });
    flush();
}

void AddressSpace::Unmapped::note(const mm::VmaRegion& region) {
    if (!region.attrs.file_backed() || region.attrs.object == 0) return;
    auto* backing = reinterpret_cast<Backing*>(region.attrs.object);
    if (!backing->freed_with_last_mapping()) return;
    for (usize i = 0; i < count; i++)
        if (backings[i] == backing) return;
    if (count == kMax) {
        overflowed = true;  // FIXME: the rest stay allocated (an unmap across 64+ files at once)
        return;
    }
    backings[count++] = backing;
}

void AddressSpace::release_unmapped(const Unmapped& unmapped) {
    for (usize i = 0; i < unmapped.count; i++) {
        Backing* backing = unmapped.backings[i];
        bool still_mapped = false;
        m_areas.for_each([&](const mm::Vma& vma) {
            still_mapped = still_mapped || (vma.attrs().file_backed() && vma.attrs().object == reinterpret_cast<u64>(backing));
        });
        if (!still_mapped && backing->drop()) delete backing;
    }
}

Result<u64> FileImage::lendable_frame(u64 offset) {
    const u8* page = data + offset;
    if (offset > size || size - offset < kPage || reinterpret_cast<uptr>(page) % kPage || !initramfs::holds(page, kPage))
        return Error(ENODEV);
    return layout::virt_to_phys_direct(page);
}

Result<void> FileImage::fill(u64 offset, u8* page) {
    u64 filled = 0;
    if (offset < size) {
        filled = size - offset < kPage ? size - offset : kPage;
        memcpy(page, data + offset, filled);
    }
    memset(page + filled, 0, kPage - filled);
    return {};
}

Result<u64> AddressSpace::mmap(u64 address, u64 length, u32 prot, u32 flags, Backing* file, u64 offset) {
    if (length == 0 || (offset & (kPage - 1))) return Error(EINVAL);
    if (prot & ~(mm::kProtRead | mm::kProtWrite | mm::kProtExec)) return Error(EINVAL);
    u32 type = flags & MAP_TYPE;
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return Error(EINVAL);
    if (length > mm::kUserEnd) return Error(ENOMEM);
    if (file || type == MAP_PRIVATE) return place(address, length, prot, flags, file, offset);
    // Shared anonymous memory: pages kept by a backing of their own, which a fork shares.
    auto* anonymous = new (std::nothrow) SharedAnonymous(length);
    if (!anonymous || !anonymous->valid()) {
        delete anonymous;
        return Error(ENOMEM);
    }
    auto placed = place(address, length, prot, flags, anonymous, 0);
    if (placed.is_error()) delete anonymous;
    return placed;
}

Result<u64> AddressSpace::place(u64 address, u64 length, u32 prot, u32 flags, Backing* file, u64 offset) {
    u64 size = align_up(length, kPage);
    mm::VmaAttrs attrs{prot, vma_flags(flags, file != nullptr), reinterpret_cast<u64>(file), offset, kTagNone};

    MutexLocker lock(m_lock);
    u64 start;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (address & (kPage - 1)) return Error(EINVAL);
        if (address < kMinMapAddress) return Error(EPERM);
        if (flags & MAP_FIXED_NOREPLACE)
            start = TRY(m_areas.map_noreplace(address, size, attrs));
        else {
            Unmapped replaced;
            start = TRY(m_areas.map(address, size, attrs, [&](const mm::VmaRegion& r) {
                release_pages(r.start, r.end);
                replaced.note(r);
            }));
            release_unmapped(replaced);
        }
    } else {
        u64 hint = address >= kMinMapAddress ? align_up(address, kPage) : 0;
        start = TRY(m_areas.find_free(size, hint, kMinMapAddress, m_mmap_top));
        TRY(m_areas.map(start, size, attrs));
    }
    if (flags & MAP_POPULATE) {
        for (u64 page = start; page < start + size; page += kPage)
            if (fault_locked(page, prot & mm::kProtWrite) == FaultResult::OutOfMemory) break;
    }
    return start;
}

Result<void> AddressSpace::munmap(u64 address, u64 length) {
    MutexLocker lock(m_lock);
    Unmapped removed;
    TRY(m_areas.unmap(address, length, [&](const mm::VmaRegion& r) {
        release_pages(r.start, r.end);
        removed.note(r);
    }));
    release_unmapped(removed);
    return {};
}

Result<void> AddressSpace::mprotect(u64 address, u64 length, u32 prot) {
    if (prot & ~(mm::kProtRead | mm::kProtWrite | mm::kProtExec)) return Error(EINVAL);
    MutexLocker lock(m_lock);
    if (prot & (mm::kProtWrite | mm::kProtExec)) {
        // Checked for the whole range before anything changes. The time page is the
        // kernel's, in every process: it never becomes writable.
        u64 end = address + align_up(length, kPage);
        for (u64 v = address; v < end && v >= address;) {
            const mm::Vma* area = m_areas.find(v);
            if (!area) break;
            const mm::VmaAttrs& attrs = area->attrs();
            if ((prot & mm::kProtWrite) && attrs.tag == kTagVvar) return Error(EACCES);
            if (attrs.file_backed()) {
                auto* backing = reinterpret_cast<const Backing*>(attrs.object);
                if ((prot & mm::kProtExec) && !backing->may_exec()) return Error(EACCES);
                if ((prot & mm::kProtWrite) && attrs.shared() && !backing->may_write_shared()) return Error(EACCES);
            }
            v = area->end();
        }
    }
    return m_areas.protect(address, length, prot, [&](const mm::VmaRegion& r, u32) {
        // One invalidation for the pages changed in the region: with other CPUs running
        // the process, that is one shootdown instead of one per page.
        u64 changed_start = 0, changed_end = 0;
        for (u64 v = r.start; v < r.end; v += kPage) {
            u64* entry = m_table.pte(v);
            if (!entry || !(*entry & (paging::kPresent | kProtNoneFrame))) continue;
            u64 phys = *entry & paging::kAddressMask;
            u64 shared = *entry & (kSharedFrame | kLentFrame);
            u64 flags = prot == mm::kProtNone ? kProtNoneFrame : paging::user_page_flags(prot);
            // A private page still shared since fork stays read-only: its first write copies;
            // so does a lent one.
            if (!shared && !r.attrs.shared() && frames::is_shared(phys)) flags &= ~u64(paging::kWritable);
            if (shared & kLentFrame) flags &= ~u64(paging::kWritable);
            *entry = phys | shared | flags;
            if (!changed_end) changed_start = v;
            changed_end = v + kPage;
        }
        if (changed_end) m_table.invalidate_range(changed_start, changed_end);
    });
}

Result<u64> AddressSpace::mremap(u64 old_address, u64 old_length, u64 new_length, u32 flags, u64 new_address) {
    if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP)) return Error(EINVAL);
    if (flags & MREMAP_DONTUNMAP) return Error(EINVAL);  // FIXME: not supported yet
    mm::RemapRequest request;
    request.old_start = old_address;
    request.old_length = align_up(old_length, kPage);
    request.new_length = align_up(new_length, kPage);
    request.may_move = flags & MREMAP_MAYMOVE;
    if (flags & MREMAP_FIXED) request.fixed_address = new_address;
    request.low_limit = kMinMapAddress;
    MutexLocker lock(m_lock);
    request.high_limit = m_mmap_top;
    Unmapped removed;
    auto moved_to = m_areas.remap(
        request,
        [&](const mm::VmaMove& move) {
            // Page mappings move with the area; their frames stay.
            for (u64 i = 0; i < move.length; i += kPage) {
                u64* entry = m_table.pte(move.old_start + i);
                if (!entry || !(*entry & (paging::kPresent | kProtNoneFrame))) continue;
                u64 value = *entry;
                *entry = 0;
                m_table.invalidate(move.old_start + i);
                u64 phys = value & paging::kAddressMask;
                // Build the page table path to the new place, then install the old entry.
                if (m_table.map(move.new_start + i, phys, kPage, paging::kUser).is_error()) {
                    if (!(value & kSharedFrame)) {  // a file's page is the file's
                        frames::release(phys);
                        m_resident_pages--;
                    }
                    continue;
                }
                *m_table.pte(move.new_start + i) = value;
            }
        },
        [&](const mm::VmaRegion& r) {
            release_pages(r.start, r.end);
            removed.note(r);
        });
    release_unmapped(removed);
    return moved_to;
}

Result<void> AddressSpace::madvise(u64 address, u64 length, int advice) {
    if (address & (kPage - 1)) return Error(EINVAL);
    u64 end = address + align_up(length, kPage);
    if (end < address) return Error(EINVAL);
    switch (advice) {
        case MADV_DONTNEED:
        case MADV_FREE:
        case MADV_REMOVE: {
            MutexLocker lock(m_lock);
            // Every page of the range must be mapped; then the pages are dropped and read
            // back as zeros (or the file's bytes) on the next touch.
            for (u64 v = address; v < end;) {
                const mm::Vma* area = m_areas.find(v);
                if (!area) return Error(ENOMEM);
                v = area->end();
            }
            release_pages(address, end);
            return {};
        }
        case MADV_NORMAL:
        case MADV_RANDOM:
        case MADV_SEQUENTIAL:
        case MADV_WILLNEED:
        case MADV_DONTFORK:
        case MADV_DOFORK:
        case MADV_MERGEABLE:
        case MADV_UNMERGEABLE:
        case MADV_HUGEPAGE:
        case MADV_NOHUGEPAGE:
        case MADV_DONTDUMP:
        case MADV_DODUMP:
            return {};  // advice Osprey has no use for; Linux may ignore these too
    }
    return Error(EINVAL);
}

u64 AddressSpace::brk(u64 requested) {
    MutexLocker lock(m_lock);
    if (requested < m_brk_start || requested > m_mmap_top) return m_brk;
    u64 old_top = align_up(m_brk, kPage);
    u64 new_top = align_up(requested, kPage);
    if (new_top > old_top) {
        mm::VmaAttrs attrs{mm::kProtRead | mm::kProtWrite, 0, 0, 0, kTagHeap};
        if (m_areas.map_noreplace(old_top, new_top - old_top, attrs).is_error()) return m_brk;
    } else if (new_top < old_top) {
        (void)m_areas.unmap(new_top, old_top - new_top, [&](const mm::VmaRegion& r) { release_pages(r.start, r.end); });
    }
    m_brk = requested;
    return m_brk;
}

Result<void> AddressSpace::map_fixed(u64 address, u64 length, u32 prot, Backing* file, u64 offset, u32 tag) {
    mm::VmaAttrs attrs{prot, file ? mm::kVmaFile : 0u, reinterpret_cast<u64>(file), offset, tag};
    if (tag == kTagStack) attrs.flags |= mm::kVmaGrowsDown;
    MutexLocker lock(m_lock);
    Unmapped replaced;
    TRY(m_areas.map(address, align_up(length, kPage), attrs, [&](const mm::VmaRegion& r) {
        release_pages(r.start, r.end);
        replaced.note(r);
    }));
    release_unmapped(replaced);
    return {};
}

Result<void> AddressSpace::populate(u64 start, u64 end) {
    MutexLocker lock(m_lock);
    for (u64 page = align_down(start, kPage); page < end; page += kPage) {
        auto result = fault_locked(page, mm::kProtRead);
        if (result == FaultResult::OutOfMemory) return Error(ENOMEM);
        if (result != FaultResult::Handled) return Error(EFAULT);
    }
    return {};
}

Result<void> AddressSpace::back_page(u64 page, const mm::VmaAttrs& attrs, u64 area_start) {
    u64 flags = attrs.prot == mm::kProtNone ? 0 : paging::user_page_flags(attrs.prot);
    auto* file = attrs.file_backed() ? reinterpret_cast<Backing*>(attrs.object) : nullptr;
    u64 file_offset = attrs.offset + (page - area_start);
    if (file && (attrs.shared() || file->maps_in_place())) {
        // The file's own page: writes through this mapping are writes to the file. Its
        // frame belongs to the file, so unmapping must not free it (kSharedFrame).
        u64 frame = TRY(file->shared_frame(file_offset));
        TRY(m_table.map(page, frame, kPage, flags & ~paging::kPresent));
        *m_table.pte(page) |= kSharedFrame;
        return {};
    }
    if (file && attrs.prot != mm::kProtNone) {
        if (auto lent = file->lendable_frame(file_offset); lent.is_ok()) {
            TRY(m_table.map(page, lent.value(), kPage, flags & ~(paging::kPresent | paging::kWritable)));
            *m_table.pte(page) |= kSharedFrame | kLentFrame;
            return {};
        }
    }
    u64 frame = TRY(frames::allocate(0));
    u8* bytes = static_cast<u8*>(layout::phys_to_virt(frame));
    if (file) {
        if (auto filled = file->fill(file_offset, bytes); filled.is_error()) {
            frames::free(frame);
            return filled;
        }
    } else {
        memset(bytes, 0, kPage);
    }
    if (auto mapped = m_table.map(page, frame, kPage, flags & ~paging::kPresent); mapped.is_error()) {
        frames::free(frame);
        return Error(mapped.error());
    }
    m_resident_pages++;
    return {};
}

AddressSpace::FaultResult AddressSpace::fault_locked(u64 address, u32 access) {
    const mm::Vma* area = m_areas.find(address);
    if (!area) return FaultResult::NotMapped;
    if (!access_allowed(area->attrs().prot, access)) return FaultResult::Denied;
    u64 page = align_down(address, kPage);
    if (u64* entry = m_table.pte(page); entry && (*entry & paging::kPresent)) {
        // Another thread backed it first, or a write to a page fork shared.
        if ((access & mm::kProtWrite) && !(*entry & paging::kWritable)) {
            if (*entry & kLentFrame) return copy_lent(page, entry, area->attrs().prot);
            if (area->attrs().shared() || (*entry & kSharedFrame)) return FaultResult::Denied;
            return copy_on_write(page, entry, area->attrs().prot);
        }
        return FaultResult::Handled;
    }
    if (auto backed = back_page(page, area->attrs(), area->start()); backed.is_error())
        return backed.error() == ENXIO ? FaultResult::BeyondFile : FaultResult::OutOfMemory;
    return FaultResult::Handled;
}

AddressSpace::FaultResult AddressSpace::copy_lent(u64 page, u64* entry, u32 prot) {
    auto copy = frames::allocate(0);
    if (copy.is_error()) return FaultResult::OutOfMemory;
    memcpy(layout::phys_to_virt(copy.value()), layout::phys_to_virt(*entry & paging::kAddressMask), kPage);
    *entry = copy.value() | paging::user_page_flags(prot);
    m_table.invalidate(page);
    m_resident_pages++;
    return FaultResult::Handled;
}

AddressSpace::FaultResult AddressSpace::copy_on_write(u64 page, u64* entry, u32 prot) {
    u64 old_frame = *entry & paging::kAddressMask;
    u64 flags = paging::user_page_flags(prot);
    if (!frames::is_shared(old_frame)) {
        // The other owners are gone (they exited, wrote or unmapped): the page is ours.
        *entry = old_frame | flags;
        m_table.invalidate(page);
        return FaultResult::Handled;
    }
    auto copy = frames::allocate(0);
    if (copy.is_error()) return FaultResult::OutOfMemory;
    memcpy(layout::phys_to_virt(copy.value()), layout::phys_to_virt(old_frame), kPage);
    *entry = copy.value() | flags;
    m_table.invalidate(page);
    frames::release(old_frame);
    return FaultResult::Handled;
}

Result<void> AddressSpace::share_pages(AddressSpace& child, const mm::Vma& area) {
    bool private_area = !area.attrs().shared();
    Result<void> copied{};
    // The pages made read-only for copy-on-write are flushed once for the area, at the end
    // (one TLB shootdown when other CPUs run this process, as Linux flushes once per fork):
    // a write that lands through a stale entry before then happened before the fork.
    u64 protected_start = 0, protected_end = 0;
    for_each_entry(m_table, area.start(), area.end(), [&](u64 v, u64* entry) {
        if (*entry & (paging::kPresent | kProtNoneFrame)) {
            u64 value = *entry;
            u64 phys = value & paging::kAddressMask;
            if (!(value & kSharedFrame)) {
                frames::share(phys);
                child.m_resident_pages++;
                if (private_area && (value & paging::kWritable)) {
                    value &= ~u64(paging::kWritable);
                    *entry = value;
                    if (!protected_end) protected_start = v;
                    protected_end = v + kPage;
                }
            }
            // The path of tables to the page first, then the entry as it is.
            if (auto mapped = child.m_table.map(v, phys, kPage, paging::kUser); mapped.is_error()) {
                if (!(value & kSharedFrame)) {
                    frames::release(phys);
                    child.m_resident_pages--;
                }
                copied = mapped;
                return false;
            }
            *child.m_table.pte(v) = value;
        }
        return true;
    });
    if (protected_end) m_table.invalidate_range(protected_start, protected_end);
    return copied;
}

Result<AddressSpace*> AddressSpace::fork() {
    AddressSpace* child = TRY(create());
    MutexLocker lock(m_lock);
    child->m_mmap_top = m_mmap_top;
    child->m_brk_start = m_brk_start;
    child->m_brk = m_brk;
    Result<void> copied{};
    for (const mm::Vma* area = m_areas.first(); area && copied.is_ok(); area = m_areas.next(area)) {
        const mm::VmaAttrs& attrs = area->attrs();
        if (auto mapped = child->m_areas.map_noreplace(area->start(), area->end() - area->start(), attrs);
            mapped.is_error()) {
            copied = Error(mapped.error());
            break;
        }
        if (attrs.file_backed() && attrs.object) {
            // The child maps the backing too: counted once per address space.
            auto* backing = reinterpret_cast<Backing*>(attrs.object);
            bool counted = false;
            for (const mm::Vma* before = m_areas.first(); before != area; before = m_areas.next(before))
                counted = counted || (before->attrs().file_backed() && before->attrs().object == attrs.object);
            if (backing->freed_with_last_mapping() && !counted) backing->retain();
        }
        copied = share_pages(*child, *area);
    }
    if (copied.is_error()) {
        delete child;  // takes only its own lock
        return Error(copied.error());
    }
    return child;
}

AddressSpace::FaultResult AddressSpace::handle_fault(u64 address, u32 access) {
    if (address >= mm::kUserEnd) return FaultResult::NotMapped;
    MutexLocker lock(m_lock);
    return fault_locked(address, access);
}

template <typename F>
Result<void> AddressSpace::for_each_area(u64 address, u64 length, F&& f) {
    u64 end = address + align_up(length, kPage);
    if (end < address) return Error(ENOMEM);
    MutexLocker lock(m_lock);
    for (u64 v = address; v < end;) {
        const mm::Vma* area = m_areas.find(v);
        if (!area) return Error(ENOMEM);
        TRY(f(*area));
        v = area->end();
    }
    return {};
}

Result<void> AddressSpace::check_mapped(u64 address, u64 length) {
    return for_each_area(address, length, [](const mm::Vma&) -> Result<void> { return {}; });
}

Result<void> AddressSpace::write_back(u64 address, u64 length) {
    return for_each_area(address, length, [](const mm::Vma& area) -> Result<void> {
        const mm::VmaAttrs& attrs = area.attrs();
        if (attrs.shared() && attrs.file_backed() && attrs.object) TRY(reinterpret_cast<Backing*>(attrs.object)->write_back());
        return {};
    });
}

u64 AddressSpace::shared_physical(u64 address) {
    MutexLocker lock(m_lock);
    u64* entry = m_table.pte(align_down(address, kPage));
    // A lent page belongs to a private mapping: a futex there is the address space's.
    if (!entry || !(*entry & paging::kPresent) || !(*entry & kSharedFrame) || (*entry & kLentFrame)) return 0;
    return (*entry & paging::kAddressMask) | (address & (kPage - 1));
}

u64 AddressSpace::mapped_bytes() {
    MutexLocker lock(m_lock);
    return m_areas.mapped_bytes();
}

}  // namespace mm
