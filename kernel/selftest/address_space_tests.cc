// Address spaces on their own page tables: fork's copy-on-write (private pages shared
// read-only until one side writes, shared mappings kept shared) and every frame and table
// returned when both sides are gone. Pages are read and written through the direct map,
// so no process is needed.
#include "arch/x86_64/layout.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/frames.h"
#include "mm/heap.h"
#include "selftest/selftest.h"

namespace selftest {

namespace {

constexpr u64 kPage = layout::kPageSize;
constexpr u64 kPrivate = 0x10000000;  // 4 private pages
constexpr u64 kShared = 0x20000000;   // 2 pages of a shared anonymous mapping
constexpr u32 kReadWrite = 3;

u64* entry_of(mm::AddressSpace& memory, u64 address) { return memory.page_table().pte(address); }
u64 frame_of(mm::AddressSpace& memory, u64 address) {
    u64* entry = entry_of(memory, address);
    return entry ? *entry & paging::kAddressMask : 0;
}
bool writable(mm::AddressSpace& memory, u64 address) {
    u64* entry = entry_of(memory, address);
    return entry && (*entry & paging::kWritable);
}
u64& word(u64 frame) { return *static_cast<u64*>(layout::phys_to_virt(frame)); }

bool fork_copies_on_write() {
    heap::trim();  // the areas and the address spaces come from the heap
    usize free_before = frames::free_count();
    auto created = mm::AddressSpace::create();
    SELFTEST_CHECK(created.is_ok());
    mm::AddressSpace* parent = created.value();
    SELFTEST_CHECK(parent->mmap(kPrivate, 4 * kPage, kReadWrite, mm::MAP_PRIVATE | mm::MAP_ANONYMOUS | mm::MAP_FIXED,
                                nullptr, 0)
                       .is_ok());
    SELFTEST_CHECK(
        parent->mmap(kShared, 2 * kPage, kReadWrite, mm::MAP_SHARED | mm::MAP_ANONYMOUS | mm::MAP_FIXED, nullptr, 0)
            .is_ok());
    // Pages 0-2 and the first shared page are backed; page 3 is left untouched.
    SELFTEST_CHECK(parent->populate(kPrivate, kPrivate + 3 * kPage).is_ok());
    SELFTEST_CHECK(parent->populate(kShared, kShared + kPage).is_ok());
    for (u64 i = 0; i < 3; i++) word(frame_of(*parent, kPrivate + i * kPage)) = 100 + i;
    word(frame_of(*parent, kShared)) = 7;
    SELFTEST_CHECK(writable(*parent, kPrivate));

    auto forked = parent->fork();
    SELFTEST_CHECK(forked.is_ok());
    mm::AddressSpace* child = forked.value();
    SELFTEST_CHECK(&child->page_table() != &parent->page_table());
    SELFTEST_CHECK(child->page_table().root() != parent->page_table().root());
    for (u64 i = 0; i < 3; i++) {
        u64 address = kPrivate + i * kPage;
        SELFTEST_CHECK(frame_of(*child, address) == frame_of(*parent, address));
        SELFTEST_CHECK(!writable(*parent, address) && !writable(*child, address));
        SELFTEST_CHECK(frames::is_shared(frame_of(*parent, address)));
    }
    SELFTEST_CHECK(entry_of(*child, kPrivate + 3 * kPage) == nullptr || frame_of(*child, kPrivate + 3 * kPage) == 0);
    // The shared mapping stays one page, writable by both.
    SELFTEST_CHECK(frame_of(*child, kShared) == frame_of(*parent, kShared));
    SELFTEST_CHECK(writable(*parent, kShared) && writable(*child, kShared));
    SELFTEST_CHECK(child->resident_pages() == parent->resident_pages());

    // The parent writes page 0: it gets a copy; the child keeps the original.
    u64 original = frame_of(*parent, kPrivate);
    using Fault = mm::AddressSpace::FaultResult;
    SELFTEST_CHECK(parent->handle_fault(kPrivate, 2) == Fault::Handled);
    SELFTEST_CHECK(frame_of(*parent, kPrivate) != original);
    SELFTEST_CHECK(frame_of(*child, kPrivate) == original);
    SELFTEST_CHECK(writable(*parent, kPrivate) && !writable(*child, kPrivate));
    word(frame_of(*parent, kPrivate)) = 999;
    SELFTEST_CHECK(word(original) == 100);
    SELFTEST_CHECK(!frames::is_shared(original));
    // The child, now its only owner, writes it in place: no copy.
    SELFTEST_CHECK(child->handle_fault(kPrivate, 2) == Fault::Handled);
    SELFTEST_CHECK(frame_of(*child, kPrivate) == original && writable(*child, kPrivate));
    // Reads never copy.
    SELFTEST_CHECK(child->handle_fault(kPrivate + kPage, 1) == Fault::Handled);
    SELFTEST_CHECK(frame_of(*child, kPrivate + kPage) == frame_of(*parent, kPrivate + kPage));
    // A page neither had: each gets its own zeroed page.
    SELFTEST_CHECK(child->handle_fault(kPrivate + 3 * kPage, 2) == Fault::Handled);
    SELFTEST_CHECK(word(frame_of(*child, kPrivate + 3 * kPage)) == 0);
    SELFTEST_CHECK(entry_of(*parent, kPrivate + 3 * kPage) == nullptr || frame_of(*parent, kPrivate + 3 * kPage) == 0);
    // mprotect cannot make a page still shared writable.
    SELFTEST_CHECK(parent->mprotect(kPrivate + 2 * kPage, kPage, 1).is_ok());
    SELFTEST_CHECK(parent->mprotect(kPrivate + 2 * kPage, kPage, kReadWrite).is_ok());
    SELFTEST_CHECK(!writable(*parent, kPrivate + 2 * kPage));

    // The child goes first (as a child exits), then the parent's pages are its alone.
    delete child;
    SELFTEST_CHECK(!frames::is_shared(frame_of(*parent, kPrivate + kPage)));
    SELFTEST_CHECK(word(frame_of(*parent, kShared)) == 7);
    delete parent;
    heap::trim();
    klog::print("  {} frames free before, {} after\n", free_before, frames::free_count());
    SELFTEST_CHECK(frames::free_count() == free_before);
    return true;
}

const Test kAddressSpaceTests[] = {
    {"cow", fork_copies_on_write, false},
};

}  // namespace

std::span<const Test> address_space_tests() { return kAddressSpaceTests; }

}  // namespace selftest
