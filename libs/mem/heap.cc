#include "mem/heap.h"

#include <algorithm>
#include <bit>

namespace mem {

// Sits at the start of a slab's page. Objects of class c start at max(64, c) and are laid
// out every c bytes, so each is aligned to c: that is what makes allocate(24, 64) cheap.
struct Heap::Slab {
    u64 magic;  // kSlabMagic ^ page ^ heap: a pointer from another heap is not trusted
    Slab* prev;
    Slab* next;
    u16 class_index;
    u16 used;
    u16 capacity;
    u16 first_offset;
    // Bit i set: object i is allocated. A bitmap (not a free list threaded through the
    // objects) is what lets free() tell a double free from a good one.
    u64 used_bits[4];
};

struct Heap::LargeBlock {
    void* user;  // what allocate() returned
    void* base;  // what the provider returned; differs when align > kPageSize
    usize total_pages;
    LargeBlock* next;  // next in the hash bucket
};

namespace {

constexpr u64 kSlabMagic = 0x6f7370726579534cull;  // "osprey" "SL"
constexpr usize kSlabHeaderBytes = 64;

constexpr usize class_bytes(unsigned class_index) { return Heap::kSmallestClass << class_index; }
constexpr unsigned class_index_for(usize bytes) {
    return std::countr_zero(std::bit_ceil(bytes)) - std::countr_zero(Heap::kSmallestClass);
}
static_assert(class_bytes(Heap::kClassCount - 1) == Heap::kLargestClass);

// Templates so they can take Heap's private Slab type.
template <typename Node>
void list_push(Node*& head, Node* slab) {
    slab->prev = nullptr;
    slab->next = head;
    if (head) head->prev = slab;
    head = slab;
}

template <typename Node>
void list_remove(Node*& head, Node* slab) {
    if (slab->prev)
        slab->prev->next = slab->next;
    else
        head = slab->next;
    if (slab->next) slab->next->prev = slab->prev;
    slab->prev = slab->next = nullptr;
}

template <typename Node>
bool list_contains(Node* head, const Node* slab) {
    bool linked_before = slab->prev ? slab->prev->next == slab : head == slab;
    bool linked_after = !slab->next || slab->next->prev == slab;
    return linked_before && linked_after;
}

bool bit_is_set(const u64* bits, usize i) { return (bits[i / 64] >> (i % 64)) & 1; }
void set_bit(u64* bits, usize i) { bits[i / 64] |= u64{1} << (i % 64); }
void clear_bit(u64* bits, usize i) { bits[i / 64] &= ~(u64{1} << (i % 64)); }

}  // namespace

u64 Heap::slab_magic(const void* page) const {
    return kSlabMagic ^ reinterpret_cast<uptr>(page) ^ reinterpret_cast<uptr>(this);
}

void Heap::report(const char* what, const void* p) {
    if (!m_on_corruption) __builtin_trap();
    m_on_corruption(what, p);
}

Result<void> Heap::create_slab(unsigned class_index) {
    void* page = TRY(m_pages.allocate_pages(1));
    m_pages_held++;
    usize bytes = class_bytes(class_index);
    static_assert(sizeof(Slab) == kSlabHeaderBytes);
    auto* slab = static_cast<Slab*>(page);
    slab->magic = slab_magic(page);
    slab->class_index = static_cast<u16>(class_index);
    slab->used = 0;
    slab->first_offset = static_cast<u16>(std::max(kSlabHeaderBytes, bytes));
    slab->capacity = static_cast<u16>((kPageSize - slab->first_offset) / bytes);
    // Slots past the capacity are marked used so the search never hands them out.
    for (u64& word : slab->used_bits) word = 0;
    for (usize i = slab->capacity; i < 256; i++) set_bit(slab->used_bits, i);
    list_push(m_classes[class_index].partial, slab);
    return {};
}

void Heap::release_slab(Slab* slab) {
    slab->magic = 0;  // a stale pointer into the page must not find a slab there
    m_pages.free_pages(slab, 1);
    m_pages_held--;
}

Result<void*> Heap::allocate_small(unsigned class_index) {
    SizeClass& size_class = m_classes[class_index];
    if (!size_class.partial) {
        if (size_class.empty) {
            list_push(size_class.partial, size_class.empty);
            size_class.empty = nullptr;
        } else {
            TRY(create_slab(class_index));
        }
    }
    Slab* slab = size_class.partial;
    usize index = 0;
    for (usize word = 0; word < 4; word++) {
        if (~slab->used_bits[word]) {
            index = word * 64 + std::countr_one(slab->used_bits[word]);
            break;
        }
    }
    set_bit(slab->used_bits, index);
    slab->used++;
    if (slab->used == slab->capacity) {
        list_remove(size_class.partial, slab);
        list_push(size_class.full, slab);
    }
    auto* page = reinterpret_cast<u8*>(slab);
    return static_cast<void*>(page + slab->first_offset + index * class_bytes(class_index));
}

// Validates p as a live slab object; reports and returns nullptr if it is not one.
Heap::Slab* Heap::slab_of(const void* p) {
    auto* slab = reinterpret_cast<Slab*>(align_down(reinterpret_cast<uptr>(p), kPageSize));
    if (slab->magic != slab_magic(slab) || slab->class_index >= kClassCount) {
        report("heap: pointer not from this heap", p);
        return nullptr;
    }
    SizeClass& size_class = m_classes[slab->class_index];
    bool listed = slab == size_class.empty ||
                  list_contains(slab->used == slab->capacity ? size_class.full : size_class.partial, slab);
    if (!listed) {
        report("heap: slab header is corrupt", p);
        return nullptr;
    }
    usize offset = reinterpret_cast<uptr>(p) - reinterpret_cast<uptr>(slab);
    usize bytes = class_bytes(slab->class_index);
    if (offset < slab->first_offset || (offset - slab->first_offset) % bytes != 0 ||
        (offset - slab->first_offset) / bytes >= slab->capacity) {
        report("heap: pointer into the middle of an object", p);
        return nullptr;
    }
    if (!bit_is_set(slab->used_bits, (offset - slab->first_offset) / bytes)) {
        report("heap: double free", p);
        return nullptr;
    }
    return slab;
}

usize Heap::free_small(void* p) {
    Slab* slab = slab_of(p);
    if (!slab) return 0;
    usize bytes = class_bytes(slab->class_index);
    usize index = (reinterpret_cast<uptr>(p) - reinterpret_cast<uptr>(slab) - slab->first_offset) / bytes;
    SizeClass& size_class = m_classes[slab->class_index];
    bool was_full = slab->used == slab->capacity;
    clear_bit(slab->used_bits, index);
    slab->used--;
    if (was_full)
        list_remove(size_class.full, slab);
    else if (slab->used == 0)
        list_remove(size_class.partial, slab);

    if (slab->used == 0) {
        // Keep one empty slab so an alloc/free loop at a slab boundary does not hit the
        // provider every time; give the rest back so memory falls after a burst.
        if (!size_class.empty)
            size_class.empty = slab;
        else
            release_slab(slab);
    } else if (was_full) {
        list_push(size_class.partial, slab);
    }
    return bytes;
}

Heap::LargeBlock** Heap::find_large(const void* p) {
    u64 hash = (reinterpret_cast<uptr>(p) / kPageSize) * 0x9e3779b97f4a7c15ull;
    LargeBlock** link = &m_large_buckets[hash >> (64 - std::countr_zero(kLargeBuckets))];
    while (*link && (*link)->user != p) link = &(*link)->next;
    return link;
}

Result<void*> Heap::allocate(usize size, usize align) {
    // Not std::has_single_bit: without -mpopcnt it calls into libgcc.
    if (align == 0 || (align & (align - 1)) != 0) return Error(EINVAL);
    if (size > kMaxAllocation || align > kMaxAllocation) return Error(ENOMEM);
    align = std::max(align, kMinAlign);

    usize needed = std::max({size, align, kSmallestClass});
    if (needed <= kLargestClass) {
        unsigned class_index = class_index_for(needed);
        void* p = TRY(allocate_small(class_index));
        m_allocated_bytes += class_bytes(class_index);
        m_live_allocations++;
        return p;
    }

    // Large: whole pages. An alignment above a page is met by over-allocating and
    // remembering the provider's base.
    usize pages = align_up(std::max<usize>(size, 1), kPageSize) / kPageSize;
    usize total_pages = pages + (align > kPageSize ? align / kPageSize - 1 : 0);
    auto* record = static_cast<LargeBlock*>(TRY(allocate_small(class_index_for(sizeof(LargeBlock)))));
    auto base = m_pages.allocate_pages(total_pages);
    if (base.is_error()) {
        free_small(record);
        return Error(base.error());
    }
    m_pages_held += total_pages;
    uptr user = align_up(reinterpret_cast<uptr>(base.value()), align);
    LargeBlock** bucket = find_large(reinterpret_cast<void*>(user));
    *record = LargeBlock{reinterpret_cast<void*>(user), base.value(), total_pages, *bucket};
    *bucket = record;
    m_allocated_bytes += usable_size(record->user);
    m_live_allocations++;
    return record->user;
}

usize Heap::usable_size(const void* p) {
    if (is_aligned(reinterpret_cast<uptr>(p), kPageSize)) {
        LargeBlock* block = *find_large(p);
        if (!block) {
            report("heap: pointer not from this heap (or freed)", p);
            return 0;
        }
        return reinterpret_cast<uptr>(block->base) + block->total_pages * kPageSize - reinterpret_cast<uptr>(p);
    }
    Slab* slab = slab_of(p);
    return slab ? class_bytes(slab->class_index) : 0;
}

void Heap::free(void* p) {
    if (!p) return;
    if (is_aligned(reinterpret_cast<uptr>(p), kPageSize)) {
        // Slab objects are never page aligned (the header is at offset 0), so only the
        // large table can own this pointer; looking it up reads no memory at p.
        LargeBlock** link = find_large(p);
        LargeBlock* block = *link;
        if (!block) {
            report("heap: pointer not from this heap (or freed)", p);
            return;
        }
        m_allocated_bytes -= usable_size(p);
        m_live_allocations--;
        *link = block->next;
        m_pages.free_pages(block->base, block->total_pages);
        m_pages_held -= block->total_pages;
        free_small(block);
        return;
    }
    usize bytes = free_small(p);
    if (bytes == 0) return;
    m_allocated_bytes -= bytes;
    m_live_allocations--;
}

void Heap::trim() {
    for (SizeClass& size_class : m_classes) {
        if (size_class.empty) release_slab(size_class.empty);
        size_class.empty = nullptr;
    }
}

}  // namespace mem
