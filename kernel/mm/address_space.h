// The application's virtual memory: its areas (libs/mm/vma_set), backed lazily. Nothing
// is allocated at mmap time; the first touch of a page faults, and the fault handler
// backs it with a zeroed frame (anonymous memory) or a private copy of the file's bytes.
// Reservations of many GiB (Go, glibc arenas) cost nothing until used.
#pragma once

#include "arch/x86_64/paging.h"
#include "base/result.h"
#include "fs/dentry.h"
#include "lib/object_counts.h"
#include "mm/vma_set.h"
#include "sync/mutex.h"

namespace mm {

// What a file mapping's pages come from. A private mapping copies a page on first touch
// (fill), or maps a lendable frame read-only until its first write; a shared one maps the
// file's own page (shared_frame), so writes reach the file.
class Backing {
public:
    virtual ~Backing() = default;
    // Fills one page with the bytes at `offset` (zeros past the end).
    virtual Result<void> fill(u64 offset, u8* page) = 0;
    // The physical frame holding the file's page at `offset`; ENODEV if not shareable,
    // ENXIO past the end of the file (SIGBUS).
    virtual Result<u64> shared_frame(u64 offset) { (void)offset; return Error(ENODEV); }
    // For a private mapping: a frame holding the page at `offset` that may be mapped in
    // place, read-only, until the mapping writes to the page (then it gets a copy). Such a
    // frame is never freed (a page of the boot image). ENODEV: the page is copied (fill).
    virtual Result<u64> lendable_frame(u64 offset) { (void)offset; return Error(ENODEV); }
    // True when even a private mapping maps shared_frame's pages in place instead of
    // copies: the vDSO's time page, which only the kernel writes.
    virtual bool maps_in_place() const { return false; }
    // What mprotect may give an area mapping it later (Linux's VM_MAYEXEC, VM_MAYWRITE):
    // never PROT_EXEC for a file on a noexec mount, never PROT_WRITE in a shared mapping
    // of a file not opened for writing. EACCES otherwise.
    virtual bool may_exec() const { return true; }
    virtual bool may_write_shared() const { return true; }
    // What /proc/self/maps names the area by: the file mapped (its inode, and the name it
    // was opened by), or for the kernel's own images a label ("[vdso]").
    virtual fs::Dentry* dentry() const { return nullptr; }
    virtual const char* path() const { return ""; }
    // True for a backing made for one mmap call (a file's pages): deleted when the last
    // area mapping it goes from the last address space that maps it (fork shares it). The
    // loader's and the vDSO's are owned elsewhere.
    virtual bool freed_with_last_mapping() const { return false; }
    // A shared mapping's pages written to where the file lives (msync): for a file system
    // that keeps them apart from its disk.
    virtual Result<void> write_back() { return {}; }

    // The address spaces with areas mapping it (for freed_with_last_mapping backings):
    // one more (fork), one fewer; drop() returns true for the last.
    void retain() { __atomic_fetch_add(&m_address_spaces, 1, __ATOMIC_RELAXED); }
    bool drop() { return __atomic_sub_fetch(&m_address_spaces, 1, __ATOMIC_ACQ_REL) == 0; }

private:
    u32 m_address_spaces = 1;
};

// Bytes in memory: an ELF file in the initramfs, whose segments map it at their offsets.
struct FileImage final : Backing {
    FileImage(const u8* data, u64 size, const char* path) : data(data), size(size), name(path) {}
    // The loader's: one per segment mapped, deleted with the segment's last mapping.
    FileImage(const u8* data, u64 size, RefPtr<fs::Dentry> file)
        : data(data), size(size), name(""), file(static_cast<RefPtr<fs::Dentry>&&>(file)), owned_by_mappings(true) {}
    Result<void> fill(u64 offset, u8* page) override;
    // Whole pages of a program in the boot image, on a page boundary there: the code of
    // every process running the program is the same frames (TCG, like a CPU's caches,
    // keeps what it learnt about them from one exec to the next).
    Result<u64> lendable_frame(u64 offset) override;
    bool freed_with_last_mapping() const override { return owned_by_mappings; }
    fs::Dentry* dentry() const override { return file.get(); }
    const char* path() const override { return name; }
    const u8* data;
    u64 size;
    const char* name;
    RefPtr<fs::Dentry> file;  // the ELF file, for /proc/self/maps; may be null
    bool owned_by_mappings = false;
};

// mmap(2) flags and madvise(2) advice.
constexpr u32 MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_SHARED_VALIDATE = 0x03, MAP_TYPE = 0x0f, MAP_FIXED = 0x10,
              MAP_ANONYMOUS = 0x20, MAP_GROWSDOWN = 0x100, MAP_DENYWRITE = 0x800, MAP_EXECUTABLE = 0x1000,
              MAP_LOCKED = 0x2000, MAP_NORESERVE = 0x4000, MAP_POPULATE = 0x8000, MAP_NONBLOCK = 0x10000,
              MAP_STACK = 0x20000, MAP_HUGETLB = 0x40000, MAP_SYNC = 0x80000, MAP_FIXED_NOREPLACE = 0x100000;
constexpr int MADV_NORMAL = 0, MADV_RANDOM = 1, MADV_SEQUENTIAL = 2, MADV_WILLNEED = 3, MADV_DONTNEED = 4,
              MADV_FREE = 8, MADV_REMOVE = 9, MADV_DONTFORK = 10, MADV_DOFORK = 11, MADV_MERGEABLE = 12,
              MADV_UNMERGEABLE = 13, MADV_HUGEPAGE = 14, MADV_NOHUGEPAGE = 15, MADV_DONTDUMP = 16,
              MADV_DODUMP = 17;
constexpr u32 MREMAP_MAYMOVE = 1, MREMAP_FIXED = 2, MREMAP_DONTUNMAP = 4;

// Tags naming areas in /proc/self/maps.
enum AreaTag : u32 { kTagNone = 0, kTagHeap = 1, kTagStack = 2, kTagImage = 3, kTagVdso = 4, kTagVvar = 5 };

class AddressSpace {
public:
    // A new, empty address space with a page table of its own. ENOMEM.
    static Result<AddressSpace*> create();
    // Releases every page, the backings only it maps, and its page table.
    ~AddressSpace();
    AddressSpace(const AddressSpace&) = delete;
    AddressSpace& operator=(const AddressSpace&) = delete;

    // The table its threads run on.
    const paging::PageTable& page_table() const { return m_table; }

    // The processes using it: more than one only after clone(CLONE_VM|CLONE_VFORK) (glibc's
    // posix_spawn), until the child's execve or exit. release() deletes it with the last.
    void retain() { __atomic_fetch_add(&m_users, 1, __ATOMIC_RELAXED); }
    static void release(AddressSpace* memory) {
        if (memory && __atomic_sub_fetch(&memory->m_users, 1, __ATOMIC_ACQ_REL) == 0) delete memory;
    }

    // fork(2): a copy with the same areas and layout. Private pages are shared read-only
    // by both and copied on the first write (copy-on-write); pages of shared mappings stay
    // shared. ENOMEM.
    Result<AddressSpace*> fork();

    // Sets the layout (randomized by the loader): where mmap searches below, where brk starts.
    void set_layout(u64 mmap_top, u64 brk_start);

    Result<u64> mmap(u64 address, u64 length, u32 prot, u32 flags, Backing* file, u64 offset);
    Result<void> munmap(u64 address, u64 length);
    // EACCES for write access to the vDSO's time page, as Linux, and for what a file
    // mapping's backing does not allow (Backing::may_exec, may_write_shared).
    Result<void> mprotect(u64 address, u64 length, u32 prot);
    Result<u64> mremap(u64 old_address, u64 old_length, u64 new_length, u32 flags, u64 new_address);
    Result<void> madvise(u64 address, u64 length, int advice);
    // brk(2): returns the new break, or the old one when it cannot move.
    u64 brk(u64 requested);

    // Maps an area at a fixed place for the loader (no search): anonymous when file is null.
    Result<void> map_fixed(u64 address, u64 length, u32 prot, Backing* file, u64 offset, u32 tag);
    // Backs [start, end) now (the initial stack, MAP_POPULATE).
    Result<void> populate(u64 start, u64 end);

    enum class FaultResult { Handled, NotMapped, Denied, OutOfMemory, BeyondFile /* SIGBUS */ };
    // A page fault on a user address; `access` is PROT_READ/WRITE/EXEC of the access.
    FaultResult handle_fault(u64 address, u32 access);

    u64 mapped_bytes();
    // The physical address of `address` when its page is a shared mapping's page, backed
    // now (the same memory in every process mapping it: process-shared futexes are keyed
    // by it); 0 for private memory or a page not backed.
    u64 shared_physical(u64 address);
    // ENOMEM unless every page of the range is mapped.
    Result<void> check_mapped(u64 address, u64 length);
    // msync: the backings of the shared file mappings in the range write their pages back
    // (under the address-space lock, so none goes meanwhile). The first error.
    Result<void> write_back(u64 address, u64 length);

    // One area as /proc/self/maps shows it; backing: what a file mapping maps, or null.
    struct AreaView {
        u64 start, end;
        u32 prot, flags;  // PROT_* and mm::kVma* bits
        u64 offset;
        u32 tag;          // AreaTag
        const Backing* backing;
    };
    // Visits the areas in address order under the address-space lock: `visit` must not
    // touch user memory or call into this address space.
    template <typename F>
    void for_each_area(F&& visit) {
        MutexLocker lock(m_lock);
        m_areas.for_each([&](const mm::Vma& vma) {
            const mm::VmaAttrs& a = vma.attrs();
            const auto* backing = a.file_backed() ? reinterpret_cast<const Backing*>(a.object) : nullptr;
            visit(AreaView{vma.start(), vma.end(), a.prot, a.flags, a.offset, a.tag, backing});
        });
    }
    u64 resident_pages() const { return m_resident_pages; }

private:
    explicit AddressSpace(paging::PageTable table);
    // f(area) for each area over [address, address + length), under the lock; ENOMEM at a
    // gap, or f's first error.
    template <typename F>
    Result<void> for_each_area(u64 address, u64 length, F&& f);
    objects::Counted<objects::Kind::AddressSpace> m_counted;

    class HeapAllocator final : public mm::VmaAllocator {
    public:
        mm::Vma* allocate() override;
        void release(mm::Vma* vma) override;
    };

    // mmap once the arguments are checked and the backing (if any) is there.
    Result<u64> place(u64 address, u64 length, u32 prot, u32 flags, Backing* file, u64 offset);
    FaultResult fault_locked(u64 address, u32 access);
    // A write to a private page fork left read-only: copies it unless nobody else has it.
    FaultResult copy_on_write(u64 page, u64* entry, u32 prot);
    // A write to a lent page (kLentFrame): the mapping gets a copy of its own.
    FaultResult copy_lent(u64 page, u64* entry, u32 prot);
    // fork: the page mappings of one area into child's table.
    Result<void> share_pages(AddressSpace& child, const mm::Vma& area);
    void release_pages(u64 start, u64 end);

    // The backings of areas an operation removed (or trimmed), checked once it is done:
    // those no area maps any more are deleted. m_lock held.
    struct Unmapped {
        static constexpr usize kMax = 64;
        Backing* backings[kMax];
        usize count = 0;
        bool overflowed = false;
        void note(const mm::VmaRegion& region);
    };
    void release_unmapped(const Unmapped& unmapped);
    Result<void> back_page(u64 page, const mm::VmaAttrs& attrs, u64 area_start);

    u32 m_users = 1;
    Mutex m_lock{"address space"};  // guards everything below; never held while touching user memory
    paging::PageTable m_table;  // the user half is this address space's alone
    HeapAllocator m_allocator;
    mm::VmaSet m_areas;
    u64 m_mmap_top = 0;
    u64 m_brk_start = 0;
    u64 m_brk = 0;
    u64 m_resident_pages = 0;
};

}  // namespace mm
