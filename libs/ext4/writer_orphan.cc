// The Writer's orphan list (writer.h): Linux's singly linked list of inodes still to be
// finished after a crash, s_last_orphan in the superblock naming the first and each
// inode's i_dtime the next (fs/ext4/orphan.c). Nothing is kept in memory: the superblock
// is read through the store each time, so several changes in one transaction see each
// other.
#include "ext4/bitmap.h"
#include "ext4/writer.h"

namespace ext4 {

namespace {

u32 next_of(const Inode& node) { return u32(node.dtime.seconds); }
void set_next(Inode& node, u32 next) { node.dtime = Timestamp{i64(next), 0}; }

bool in_range(const Superblock& sb, u32 number) { return number >= sb.first_ino && number <= sb.inodes_count; }

}  // namespace

Result<u32> Writer::orphan_head() {
    u8 bytes[kSuperblockSize];
    TRY(m_store.read(kSuperblockOffset, bytes));
    Superblock now = TRY(parse_superblock(bytes));
    return now.last_orphan;
}

Result<void> Writer::set_orphan_head(u32 number) {
    const Superblock& sb = superblock();
    auto block = TRY(m_store.get(sb.superblock_block()));
    auto bytes = block.subspan(sb.superblock_offset_in_block(), kSuperblockSize);
    Superblock now = TRY(parse_superblock(bytes));
    set_superblock_last_orphan(now, bytes, number);
    return {};
}

// From the head to `target` (0: to the end), the numbers into `out` as far as it holds.
// A loop is caught by Brent's method: a mark left at each power of two of steps is met
// again within one more such span once the walk is inside the loop, so a loop costs about
// twice its length, never inodes_count steps; inodes_count still bounds the whole walk.
Result<Writer::OrphanPlace> Writer::walk_orphans(u32 target, std::span<u32> out) {
    const Superblock& sb = superblock();
    OrphanPlace place;
    u32 number = TRY(orphan_head());
    u32 mark = 0;
    u64 span = 1, since_mark = 0;
    while (number != 0) {
        if (!in_range(sb, number) || place.length >= sb.inodes_count || number == mark) return Error(EUCLEAN);
        if (number == target) {
            place.found = true;
            return place;
        }
        if (place.length < out.size()) out[place.length] = number;
        place.length++;
        Inode node = TRY(inode(number));
        if (++since_mark == span) {
            mark = number;
            span *= 2;
            since_mark = 0;
        }
        place.previous = number;
        number = next_of(node);
    }
    place.previous = 0;
    return place;
}

Result<usize> Writer::orphans(std::span<u32> out) {
    OrphanPlace place = TRY(walk_orphans(0, out));
    return place.length;
}

Result<void> Writer::orphan_add_node(Inode& node) {
    if (!in_range(superblock(), node.number)) return Error(EINVAL);
    OrphanPlace place = TRY(walk_orphans(node.number, {}));
    if (place.found) return {};
    set_next(node, TRY(orphan_head()));
    return set_orphan_head(node.number);
}

Result<void> Writer::orphan_add(u32 number) {
    Inode node = TRY(inode(number));
    TRY(orphan_add_node(node));
    return store_inode(node);
}

Result<void> Writer::orphan_remove(u32 number) {
    OrphanPlace place = TRY(walk_orphans(number, {}));
    if (!place.found) return {};
    Inode node = TRY(inode(number));
    u32 next = next_of(node);
    if (next == number) next = 0;  // a loop onto itself: ends here
    if (place.previous == 0) {
        TRY(set_orphan_head(next));
    } else {
        Inode previous = TRY(inode(place.previous));
        set_next(previous, next);
        TRY(store_inode(previous));
    }
    set_next(node, 0);
    return store_inode(node);
}

Result<void> Writer::orphan_clear() { return set_orphan_head(0); }

Result<OrphanCleaned> Writer::clean_orphan(u32 max_extents, Timestamp now) {
    const Superblock& sb = superblock();
    u32 number = TRY(orphan_head());
    if (number == 0) return OrphanCleaned{};
    // What Linux's ext4_orphan_get refuses: a number out of range, an inode the bitmap
    // says is free (a list through an inode already freed: a loop), a next pointer out of
    // range, and a linked inode it could not truncate.
    if (!in_range(sb, number)) return Error(EUCLEAN);
    u32 group = (number - 1) / sb.inodes_per_group, bit = (number - 1) % sb.inodes_per_group;
    TRY(m_volume.read_inode_bitmap(group, m_buffer, m_scratch));
    if (!test_bit(m_buffer, bit)) return Error(EUCLEAN);
    Inode node = TRY(inode(number));
    u32 next = next_of(node);
    if (next != 0 && !in_range(sb, next)) return Error(EUCLEAN);
    if (node.links_count == 0) {
        if (node.is_regular() && node.uses_extents() && !TRY(truncate_some(number, 0, max_extents, now)))
            return OrphanCleaned{number, OrphanStep::Progress};
        TRY(free_unlinked(number, now));
        return OrphanCleaned{number, OrphanStep::Freed};
    }
    // Linux would cut a linked directory or slow symlink to its size too; this writer
    // never puts one on the list, so one there is not to be trusted.
    if (!node.is_regular()) return Error(EUCLEAN);
    if (!TRY(truncate_some(number, node.size, max_extents, now))) return OrphanCleaned{number, OrphanStep::Progress};
    return OrphanCleaned{number, OrphanStep::Truncated};
}

}  // namespace ext4
