#include "mm/vma_set.h"

#include <algorithm>

namespace mm {

// Areas taken from the allocator before an operation changes anything; whatever the
// operation did not use goes back when it ends.
class VmaSet::Reservation {
public:
    explicit Reservation(VmaAllocator& allocator) : m_allocator(allocator) {}
    Reservation(const Reservation&) = delete;
    Reservation& operator=(const Reservation&) = delete;
    ~Reservation() {
        while (m_count > 0) m_allocator.release(m_nodes[--m_count]);
    }

    Result<void> reserve(int count) {
        for (int i = 0; i < count; i++) {
            Vma* v = m_allocator.allocate();
            if (!v) return Error(ENOMEM);  // the destructor returns the others
            m_nodes[m_count++] = v;
        }
        return {};
    }
    // The caller reserved enough: running out here is a bug in the counting.
    Vma* take() {
        if (m_count == 0) __builtin_trap();
        return m_nodes[--m_count];
    }

private:
    static constexpr int kMaxNodes = 4;
    VmaAllocator& m_allocator;
    Vma* m_nodes[kMaxNodes] = {};
    int m_count = 0;
};

VmaSet::VmaSet(VmaAllocator& allocator, u64 user_end)
    : m_allocator(allocator), m_user_end(align_down(std::min(user_end, kUserEnd), kPageSize)) {}

VmaSet::~VmaSet() {
    // Post-order walk without recursion or rebalancing: free leaves, climb to parents.
    Vma* v = m_root;
    while (v) {
        if (v->m_left) {
            v = v->m_left;
        } else if (v->m_right) {
            v = v->m_right;
        } else {
            Vma* parent = v->m_parent;
            if (parent) (parent->m_left == v ? parent->m_left : parent->m_right) = nullptr;
            m_allocator.release(v);
            v = parent;
        }
    }
}

// ---- Lookup ----

Vma* VmaSet::find_last_at_or_below(u64 address) const {
    Vma* best = nullptr;
    for (Vma* v = m_root; v;) {
        if (v->m_start <= address) {
            best = v;
            v = v->m_right;
        } else {
            v = v->m_left;
        }
    }
    return best;
}

Vma* VmaSet::mutable_find(u64 address) const {
    Vma* v = find_last_at_or_below(address);
    return v && address < v->m_end ? v : nullptr;
}

Vma* VmaSet::mutable_first_at_or_after(u64 address) const {
    Vma* v = find_last_at_or_below(address);
    if (!v) return m_root ? leftmost(m_root) : nullptr;
    return address < v->m_end ? v : successor(v);
}

const Vma* VmaSet::find(u64 address) const { return mutable_find(address); }
const Vma* VmaSet::first_at_or_after(u64 address) const {
    return mutable_first_at_or_after(address);
}
const Vma* VmaSet::first() const { return m_root ? leftmost(m_root) : nullptr; }
const Vma* VmaSet::last() const { return m_root ? rightmost(m_root) : nullptr; }
const Vma* VmaSet::next(const Vma* vma) const { return successor(vma); }
const Vma* VmaSet::prev(const Vma* vma) const { return predecessor(vma); }

bool VmaSet::is_free(u64 start, u64 length) const {
    const Vma* v = first_at_or_after(start);
    return !v || v->m_start >= start + length;
}

Vma* VmaSet::leftmost(Vma* v) {
    while (v->m_left) v = v->m_left;
    return v;
}

Vma* VmaSet::rightmost(Vma* v) {
    while (v->m_right) v = v->m_right;
    return v;
}

Vma* VmaSet::successor(const Vma* v) {
    if (v->m_right) return leftmost(v->m_right);
    Vma* child = const_cast<Vma*>(v);
    Vma* parent = v->m_parent;
    while (parent && parent->m_right == child) {
        child = parent;
        parent = parent->m_parent;
    }
    return parent;
}

Vma* VmaSet::predecessor(const Vma* v) {
    if (v->m_left) return rightmost(v->m_left);
    Vma* child = const_cast<Vma*>(v);
    Vma* parent = v->m_parent;
    while (parent && parent->m_left == child) {
        child = parent;
        parent = parent->m_parent;
    }
    return parent;
}

// ---- The AVL tree, augmented with gaps ----

u64 VmaSet::usable_gap(const Vma* v) {
    u64 guard = v->m_attrs.grows_down() ? kStackGuardGap : 0;
    return v->m_gap > guard ? v->m_gap - guard : 0;
}

void VmaSet::recompute(Vma* v) {
    v->m_height = 1 + std::max(height(v->m_left), height(v->m_right));
    u64 gap = usable_gap(v);
    if (v->m_left) gap = std::max(gap, v->m_left->m_max_gap);
    if (v->m_right) gap = std::max(gap, v->m_right->m_max_gap);
    v->m_max_gap = gap;
}

void VmaSet::update_upward(Vma* v) {
    for (; v; v = v->m_parent) recompute(v);
}

void VmaSet::replace_child(Vma* parent, Vma* old_child, Vma* new_child) {
    if (!parent)
        m_root = new_child;
    else if (parent->m_left == old_child)
        parent->m_left = new_child;
    else
        parent->m_right = new_child;
}

void VmaSet::rotate_left(Vma* x) {
    Vma* y = x->m_right;
    x->m_right = y->m_left;
    if (y->m_left) y->m_left->m_parent = x;
    replace_child(x->m_parent, x, y);
    y->m_parent = x->m_parent;
    y->m_left = x;
    x->m_parent = y;
    recompute(x);
    recompute(y);
}

void VmaSet::rotate_right(Vma* x) {
    Vma* y = x->m_left;
    x->m_left = y->m_right;
    if (y->m_right) y->m_right->m_parent = x;
    replace_child(x->m_parent, x, y);
    y->m_parent = x->m_parent;
    y->m_right = x;
    x->m_parent = y;
    recompute(x);
    recompute(y);
}

// Recomputes and rebalances every node from v to the root.
void VmaSet::rebalance_upward(Vma* v) {
    while (v) {
        recompute(v);
        i32 balance = height(v->m_left) - height(v->m_right);
        if (balance > 1) {
            if (height(v->m_left->m_left) < height(v->m_left->m_right)) rotate_left(v->m_left);
            rotate_right(v);
            v = v->m_parent;  // the subtree's new root, already recomputed
        } else if (balance < -1) {
            if (height(v->m_right->m_right) < height(v->m_right->m_left)) rotate_right(v->m_right);
            rotate_left(v);
            v = v->m_parent;
        }
        v = v->m_parent;
    }
}

void VmaSet::tree_insert(Vma* v) {
    v->m_left = v->m_right = v->m_parent = nullptr;
    v->m_height = 1;
    Vma** link = &m_root;
    Vma* parent = nullptr;
    while (*link) {
        parent = *link;
        link = v->m_start < parent->m_start ? &parent->m_left : &parent->m_right;
    }
    *link = v;
    v->m_parent = parent;

    Vma* pred = predecessor(v);
    v->m_gap = v->m_start - (pred ? pred->m_end : 0);
    rebalance_upward(v);
    if (Vma* succ = successor(v)) {
        succ->m_gap = succ->m_start - v->m_end;
        update_upward(succ);
    }
}

// Unlinks v by relinking nodes (never by copying contents), so pointers to other areas
// stay valid across an erase.
void VmaSet::tree_erase(Vma* v) {
    Vma* pred = predecessor(v);
    Vma* succ = successor(v);
    Vma* rebalance_from;
    if (v->m_left && v->m_right) {
        // succ is the leftmost node of the right subtree: it takes v's place.
        if (succ->m_parent != v) {
            Vma* succ_parent = succ->m_parent;
            succ_parent->m_left = succ->m_right;
            if (succ->m_right) succ->m_right->m_parent = succ_parent;
            succ->m_right = v->m_right;
            v->m_right->m_parent = succ;
            rebalance_from = succ_parent;
        } else {
            rebalance_from = succ;
        }
        succ->m_left = v->m_left;
        v->m_left->m_parent = succ;
        replace_child(v->m_parent, v, succ);
        succ->m_parent = v->m_parent;
    } else {
        Vma* child = v->m_left ? v->m_left : v->m_right;
        replace_child(v->m_parent, v, child);
        if (child) child->m_parent = v->m_parent;
        rebalance_from = v->m_parent;
    }
    v->m_left = v->m_right = v->m_parent = nullptr;

    if (succ) succ->m_gap = succ->m_start - (pred ? pred->m_end : 0);
    rebalance_upward(rebalance_from);
    if (succ) update_upward(succ);
}

// ---- Set primitives ----

void VmaSet::add(Vma* fresh, u64 start, u64 end, const VmaAttrs& attrs) {
    *fresh = Vma{};
    fresh->m_start = start;
    fresh->m_end = end;
    fresh->m_attrs = attrs;
    tree_insert(fresh);
    m_count++;
    m_mapped_bytes += end - start;
}

void VmaSet::remove(Vma* v) {
    tree_erase(v);
    m_count--;
    m_mapped_bytes -= v->length();
    m_allocator.release(v);
}

// Changes an area's bounds without reordering it (callers never make it overlap a
// neighbour). Moving the start moves the offset with it.
void VmaSet::set_bounds(Vma* v, u64 start, u64 end) {
    m_mapped_bytes = m_mapped_bytes - v->length() + (end - start);
    v->m_attrs.offset += start - v->m_start;  // modular: works in both directions
    v->m_start = start;
    v->m_end = end;
    Vma* pred = predecessor(v);
    v->m_gap = start - (pred ? pred->m_end : 0);
    update_upward(v);
    if (Vma* succ = successor(v)) {
        succ->m_gap = succ->m_start - end;
        update_upward(succ);
    }
}

Vma* VmaSet::split(Vma* v, u64 at, Vma* fresh) {
    VmaAttrs upper = v->m_attrs;
    upper.offset += at - v->m_start;
    u64 end = v->m_end;
    set_bounds(v, v->m_start, at);
    add(fresh, at, end, upper);
    return fresh;
}

bool VmaSet::carve_needs_split(u64 start, u64 end) const {
    const Vma* v = find(start);
    return v && v->m_start < start && v->m_end > end;
}

void VmaSet::carve(u64 start, u64 end, Reservation& reserve, UnmapCallback on_unmapped) {
    Vma* v = mutable_first_at_or_after(start);
    while (v && v->m_start < end) {
        Vma* following = successor(v);
        VmaRegion removed{std::max(v->m_start, start), std::min(v->m_end, end), v->m_attrs};
        removed.attrs.offset += removed.start - v->m_start;
        if (v->m_start < start && v->m_end > end) {
            split(v, end, reserve.take());
            set_bounds(v, v->m_start, start);
        } else if (v->m_start < start) {
            set_bounds(v, v->m_start, start);
        } else if (v->m_end > end) {
            set_bounds(v, end, v->m_end);
        } else {
            remove(v);
        }
        on_unmapped(removed);
        v = following;
    }
}

bool VmaSet::mergeable(const Vma& a, const Vma& b) {
    const VmaAttrs& x = a.m_attrs;
    const VmaAttrs& y = b.m_attrs;
    if (a.m_end != b.m_start) return false;
    if (x.prot != y.prot || x.flags != y.flags || x.object != y.object || x.tag != y.tag)
        return false;
    // Private anonymous memory has no offset that means anything; any backed area must
    // continue its neighbour's offsets to become one area with it.
    bool backed = x.file_backed() || x.object != 0;
    return !backed || x.offset + a.length() == y.offset;
}

// Merges v's successor into v if they fit together; returns v.
Vma* VmaSet::merge_with_next(Vma* v) {
    Vma* following = successor(v);
    if (following && mergeable(*v, *following)) {
        u64 end = following->m_end;
        remove(following);
        set_bounds(v, v->m_start, end);
    }
    return v;
}

// Merges every mergeable pair among the areas touching [start, end] and their neighbours.
void VmaSet::merge_range(u64 start, u64 end) {
    Vma* v = find_last_at_or_below(start);
    if (v) {
        if (Vma* before = predecessor(v)) v = before;
    } else {
        v = m_root ? leftmost(m_root) : nullptr;
    }
    while (v && v->m_start <= end) {
        Vma* following = successor(v);
        if (following && mergeable(*v, *following))
            merge_with_next(v);  // stay on v: it may merge again
        else
            v = following;
    }
}

// ---- Operations ----

Result<u64> VmaSet::map(u64 start, u64 length, const VmaAttrs& attrs, UnmapCallback on_unmapped) {
    if (length == 0 || !is_aligned(start, kPageSize)) return Error(EINVAL);
    if (attrs.file_backed() && !is_aligned(attrs.offset, kPageSize)) return Error(EINVAL);
    u64 rounded = align_up(length, kPageSize);
    if (rounded == 0 || rounded > m_user_end || start > m_user_end - rounded) return Error(ENOMEM);
    if (attrs.offset + rounded < attrs.offset) return Error(EOVERFLOW);
    u64 end = start + rounded;

    Reservation reserve(m_allocator);
    TRY(reserve.reserve(1 + (carve_needs_split(start, end) ? 1 : 0)));
    carve(start, end, reserve, on_unmapped);
    add(reserve.take(), start, end, attrs);
    merge_range(start, end);
    return start;
}

Result<u64> VmaSet::map_noreplace(u64 start, u64 length, const VmaAttrs& attrs) {
    if (length == 0 || !is_aligned(start, kPageSize)) return Error(EINVAL);
    u64 rounded = align_up(length, kPageSize);
    if (rounded == 0 || rounded > m_user_end || start > m_user_end - rounded) return Error(ENOMEM);
    if (!is_free(start, rounded)) return Error(EEXIST);
    return map(start, rounded, attrs);
}

Result<u64> VmaSet::find_free(u64 length, u64 hint, u64 low_limit, u64 high_limit) const {
    if (length == 0) return Error(EINVAL);
    u64 rounded = align_up(length, kPageSize);
    if (rounded == 0) return Error(ENOMEM);
    u64 low = align_up(low_limit, kPageSize);
    u64 high = align_down(std::min(high_limit, m_user_end), kPageSize);
    if (low >= high || rounded > high - low) return Error(ENOMEM);

    if (hint != 0) {
        u64 start = align_up(hint, kPageSize);
        if (start >= low && start <= high - rounded) {
            const Vma* above = first_at_or_after(start);
            u64 limit = high;
            if (above) {
                u64 guard = above->m_attrs.grows_down() ? kStackGuardGap : 0;
                limit = above->m_start > guard ? above->m_start - guard : 0;
            }
            if (start + rounded <= limit) return start;
        }
    }

    // The space above the last area is not any node's gap.
    const Vma* top = last();
    u64 top_start = std::max(top ? top->m_end : 0, low);
    if (high > top_start && high - top_start >= rounded) return high - rounded;

    if (auto found = search_top_down(m_root, rounded, low, high)) return *found;
    return Error(ENOMEM);
}

// The highest start for `length` bytes in a gap of v's subtree, clipped to [low, high).
// Subtrees whose largest gap is too small, or that lie wholly outside the limits, are
// skipped, so this visits O(log n) nodes.
std::optional<u64> VmaSet::search_top_down(const Vma* v, u64 length, u64 low, u64 high) const {
    if (!v || v->m_max_gap < length) return std::nullopt;
    // Gaps in the right subtree start at or above v's end.
    if (v->m_right && v->m_end < high) {
        if (auto found = search_top_down(v->m_right, length, low, high)) return found;
    }
    u64 gap_start = v->m_start - v->m_gap;
    u64 gap_end = v->m_start - (v->m_gap - usable_gap(v));
    u64 lo = std::max(gap_start, low);
    u64 hi = std::min(gap_end, high);
    if (hi > lo && hi - lo >= length) return hi - length;
    // Gaps in the left subtree end at or below gap_start.
    if (v->m_left && gap_start > low) return search_top_down(v->m_left, length, low, high);
    return std::nullopt;
}

Result<void> VmaSet::unmap(u64 start, u64 length, UnmapCallback on_unmapped) {
    if (length == 0 || !is_aligned(start, kPageSize)) return Error(EINVAL);
    u64 rounded = align_up(length, kPageSize);
    if (rounded == 0 || rounded > m_user_end || start > m_user_end - rounded) return Error(EINVAL);
    u64 end = start + rounded;

    Reservation reserve(m_allocator);
    TRY(reserve.reserve(carve_needs_split(start, end) ? 1 : 0));
    carve(start, end, reserve, on_unmapped);
    return {};
}

Result<void> VmaSet::protect(u64 start, u64 length, u32 prot, ProtectCallback on_changed) {
    if (!is_aligned(start, kPageSize)) return Error(EINVAL);
    if (prot & ~(kProtRead | kProtWrite | kProtExec)) return Error(EINVAL);
    if (length == 0) return {};
    u64 rounded = align_up(length, kPageSize);
    if (rounded == 0 || start > m_user_end || rounded > m_user_end - start) return Error(ENOMEM);
    u64 end = start + rounded;

    // Every page must be mapped before anything changes.
    Vma* first_vma = mutable_find(start);
    if (!first_vma) return Error(ENOMEM);
    Vma* last_vma = first_vma;
    while (last_vma->m_end < end) {
        Vma* following = successor(last_vma);
        if (!following || following->m_start != last_vma->m_end) return Error(ENOMEM);
        last_vma = following;
    }

    bool split_front = first_vma->m_start < start && first_vma->m_attrs.prot != prot;
    bool split_back = last_vma->m_end > end && last_vma->m_attrs.prot != prot;
    Reservation reserve(m_allocator);
    TRY(reserve.reserve(int(split_front) + int(split_back)));
    if (split_front) split(first_vma, start, reserve.take());
    if (split_back) split(mutable_find(end - 1), end, reserve.take());

    for (Vma* v = mutable_find(start); v && v->m_start < end; v = successor(v)) {
        u32 old_prot = v->m_attrs.prot;
        if (old_prot == prot) continue;
        v->m_attrs.prot = prot;
        on_changed(v->region(), old_prot);
    }
    merge_range(start, end);
    return {};
}

Result<u64> VmaSet::remap(const RemapRequest& request, MoveCallback on_moved,
                          UnmapCallback on_unmapped) {
    u64 old_start = request.old_start;
    if (!is_aligned(old_start, kPageSize)) return Error(EINVAL);
    u64 old_length = align_up(request.old_length, kPageSize);
    u64 new_length = align_up(request.new_length, kPageSize);
    if (new_length == 0 || old_length == 0) return Error(EINVAL);
    bool fixed = request.fixed_address.has_value();
    u64 dest = fixed ? *request.fixed_address : 0;
    if (fixed) {
        if (!request.may_move || !is_aligned(dest, kPageSize)) return Error(EINVAL);
        if (new_length > m_user_end || dest > m_user_end - new_length) return Error(EINVAL);
        if (old_length > m_user_end || old_start > m_user_end - old_length) return Error(EINVAL);
        bool overlap = dest < old_start + old_length && old_start < dest + new_length;
        if (overlap) return Error(EINVAL);
    }

    Vma* v = mutable_find(old_start);
    if (!v) return Error(EFAULT);

    if (!fixed && new_length <= old_length) {
        if (new_length == old_length) return old_start;
        TRY(unmap(old_start + new_length, old_length - new_length, on_unmapped));
        return old_start;
    }

    // What moves (or grows) must lie within v.
    u64 moved = std::min(old_length, new_length);
    if (moved > v->m_end - old_start) return Error(EFAULT);

    if (!fixed) {
        // Grow in place when v ends where the old range does and the space after is free.
        u64 old_end = old_start + old_length;
        u64 grow = new_length - old_length;
        if (v->m_end == old_end && grow <= m_user_end - old_end && is_free(old_end, grow)) {
            set_bounds(v, v->m_start, old_start + new_length);
            merge_range(v->m_start, v->m_end);
            return old_start;
        }
        if (!request.may_move) return Error(ENOMEM);
        dest = TRY(find_free(new_length, 0, request.low_limit, request.high_limit));
    }

    // Count the splits before changing anything: the old tail (fixed shrink), the
    // destination, and the source inside v.
    u64 tail_start = old_start + moved;
    u64 tail_end = old_start + old_length;
    bool has_tail = tail_end > tail_start;
    bool tail_split = has_tail && v->m_end > tail_end;
    bool dest_split = fixed && carve_needs_split(dest, dest + new_length);
    // After a tail is cut off, the source ends where v does.
    bool source_split = old_start > v->m_start && !has_tail && old_start + moved < v->m_end;
    Reservation reserve(m_allocator);
    TRY(reserve.reserve(1 + int(tail_split) + int(dest_split) + int(source_split)));

    VmaAttrs attrs = v->m_attrs;
    attrs.offset += old_start - v->m_start;
    if (has_tail) carve(tail_start, tail_end, reserve, on_unmapped);
    if (fixed) carve(dest, dest + new_length, reserve, on_unmapped);
    carve(old_start, old_start + moved, reserve, {});  // the pages move, not go
    add(reserve.take(), dest, dest + new_length, attrs);
    on_moved(VmaMove{old_start, dest, moved, attrs});
    merge_range(dest, dest + new_length);
    return dest;
}

void VmaSet::clear(UnmapCallback on_unmapped) {
    while (m_root) {
        Vma* v = leftmost(m_root);
        VmaRegion region = v->region();
        remove(v);
        on_unmapped(region);
    }
}

// ---- Verification ----

bool VmaSet::verify_subtree(const Vma* v, const Vma* parent, u64& max_gap, i32& h) const {
    if (!v) {
        max_gap = 0;
        h = 0;
        return true;
    }
    if (v->m_parent != parent) return false;
    u64 left_gap, right_gap;
    i32 left_h, right_h;
    if (!verify_subtree(v->m_left, v, left_gap, left_h)) return false;
    if (!verify_subtree(v->m_right, v, right_gap, right_h)) return false;
    if (left_h - right_h > 1 || right_h - left_h > 1) return false;
    h = 1 + std::max(left_h, right_h);
    max_gap = std::max({usable_gap(v), left_gap, right_gap});
    return v->m_height == h && v->m_max_gap == max_gap;
}

bool VmaSet::verify() const {
    if (m_root && m_root->m_parent) return false;
    u64 max_gap;
    i32 h;
    if (!verify_subtree(m_root, nullptr, max_gap, h)) return false;
    usize count = 0;
    u64 bytes = 0;
    u64 previous_end = 0;
    const Vma* previous = nullptr;
    for (const Vma* v = first(); v; v = next(v)) {
        if (v->m_start >= v->m_end || v->m_end > m_user_end) return false;
        if (!is_aligned(v->m_start, kPageSize) || !is_aligned(v->m_end, kPageSize)) return false;
        if (v->m_start < previous_end) return false;
        if (v->m_gap != v->m_start - previous_end) return false;
        if (previous && mergeable(*previous, *v)) return false;
        if (prev(v) != previous) return false;
        previous_end = v->m_end;
        previous = v;
        count++;
        bytes += v->length();
    }
    return count == m_count && bytes == m_mapped_bytes;
}

}  // namespace mm
