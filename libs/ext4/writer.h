// The operations a VFS needs on an ext4 volume, each leaving it consistent (what e2fsck
// -fn finds clean) once its transaction is committed: create, mkdir, symlink, mknod,
// link, unlink, rmdir, rename, write, truncate, set attributes. Every metadata block goes
// through the BlockStore (transaction.h): one call, one transaction. A call that fails
// may have changed copies in the store: the caller aborts the transaction then, and the
// volume is as it was (ENOSPC included).
//
//   ext4::Transaction tx(device, block_size, tx_memory);
//   ext4::Writer writer = TRY(ext4::Writer::open(tx, writer_memory));  // memory_size(bs)
//   u32 ino = TRY(writer.create(ext4::kRootInode, "notes", {0100644, uid, gid, now}));
//   // commit tx's dirty blocks (journal), write them home, tx.clear()
//
// Directories: entries are added to linear blocks (the first with room, or a new block
// at the end). Adding to an htree directory first turns it linear (EXT4_INDEX_FL cleared,
// the dx_root rewritten as an ordinary block holding "." and "..", dx_node blocks as empty
// ones): valid ext4 that e2fsck accepts, and `e2fsck -fD` indexes again. Removing from an
// htree directory leaves the index in place (an entry's removal does not move others).
//
// The store must hold every block an operation changes (ENOMEM otherwise, and the
// operation is dropped): a few tens for most, but removing or truncating a file touches
// each leaf of its extent tree and the bitmap of each group it had blocks in. For large
// files truncate_some() does it over several transactions, as Linux does, with the inode
// on the orphan list meanwhile (start_truncate).
//
// The orphan list (Linux's, fs/ext4/orphan.c): s_last_orphan names its first inode and
// each inode's i_dtime the next. An inode whose last link goes while it is still in use
// (unlink or rename with keep_unlinked) is put on it in the same transaction, and so is a
// file whose truncate runs in steps; free_unlinked(), or the last step, takes it off. A
// crash in between leaves the list for the next mount, which finishes the work one
// clean_orphan() step per transaction (Linux's ext4_orphan_cleanup), or for e2fsck.
// Walks of the list are bounded (inodes_count, and a loop is seen as soon as it closes):
// a hostile list is EUCLEAN, never a hang.
//
// Not handled: files without extents (ext2/3 block maps: EOPNOTSUPP on write, truncate
// and on freeing their blocks), unwritten extents inside a write (EOPNOTSUPP), extended
// attributes (an inode's xattr block is not freed), huge_file block counts, dir_nlink
// past 65000 links (EMLINK), setting large_file for a file past 2 GiB (mke2fs -t ext4
// sets it), the orphan file (the orphan_file feature: its inodes are neither read nor
// written; Linux and e2fsck use s_last_orphan too when it is on).
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "ext4/allocator.h"
#include "ext4/directory.h"
#include "ext4/extent_tree.h"
#include "ext4/inode.h"
#include "ext4/transaction.h"
#include "ext4/volume.h"

namespace ext4 {

// What a new inode starts as. `mode` holds the type bits (S_IFREG, S_IFCHR, ...) and the
// permissions; the device numbers matter for character and block devices only.
struct NewInode {
    u16 mode = 0;
    u32 uid = 0;
    u32 gid = 0;
    Timestamp now;
    u32 device_major = 0;
    u32 device_minor = 0;
};

// What set_attributes changes; fields left empty stay. `mode` changes the permission
// bits (07777) only. ctime is set to `now` when anything changes.
struct Attributes {
    std::optional<u16> mode;
    std::optional<u32> uid, gid;
    std::optional<Timestamp> atime, mtime;
    Timestamp now;
};

// What one clean_orphan() step did to the list's first inode.
enum class OrphanStep : u8 {
    Empty,      // the list is empty: nothing done
    Progress,   // part of its blocks freed; call again
    Freed,      // it had no links: emptied, freed and off the list
    Truncated,  // it has links: cut to its i_size and off the list
};
struct OrphanCleaned {
    u32 inode = 0;
    OrphanStep step = OrphanStep::Empty;
};

class Writer {
public:
    // Scratch the writer needs: the Volume's two blocks and one for file data.
    static usize memory_size(u32 block_size) { return 3 * usize(block_size); }
    // EROFS when a read-only-compatible feature this library does not know is on. The
    // journal must have been replayed before (needs_recovery is not checked here: a live
    // journal sets it too).
    static Result<Writer> open(BlockStore& store, std::span<u8> memory);

    const Superblock& superblock() const { return m_volume.superblock(); }
    // Reads through the same store: they see this transaction's changes.
    Volume& volume() { return m_volume; }
    Result<Inode> inode(u32 number) { return m_volume.read_inode(number, m_scratch); }

    // Regular files, device nodes, FIFOs and sockets (by the type in `mode`).
    Result<u32> create(u32 dir, std::string_view name, const NewInode& init);
    Result<u32> mkdir(u32 dir, std::string_view name, const NewInode& init);
    // Fast (under 60 bytes, inside the inode) or in a block of its own. The type bits of
    // init.mode are ignored (a symlink's mode is 0777).
    Result<u32> symlink(u32 dir, std::string_view name, std::string_view target, const NewInode& init);
    Result<void> link(u32 dir, std::string_view name, u32 inode, Timestamp now);
    // The entry goes; the inode and its blocks are freed when its last link went, unless
    // `keep_unlinked` (the file is still open: free_unlinked() at its last close).
    Result<void> unlink(u32 dir, std::string_view name, Timestamp now, bool keep_unlinked = false);
    // Frees an inode kept with no links (blocks, inode), taking it off the orphan list.
    // EINVAL if it still has links.
    Result<void> free_unlinked(u32 inode, Timestamp now);
    Result<void> rmdir(u32 dir, std::string_view name, Timestamp now);
    // Replaces an existing target (a file by a file, an empty directory by a directory);
    // a directory moved to another parent gets its ".." and both parents' link counts
    // changed. EINVAL when a directory would move below itself.
    // `keep_unlinked` as for unlink, for a replaced file that is still open.
    Result<void> rename(u32 from_dir, std::string_view from_name, u32 to_dir, std::string_view to_name,
                        Timestamp now, bool keep_unlinked = false);

    // Writes `data` at `offset` of a regular file, allocating what is not mapped (holes
    // before it stay holes). All or nothing: the caller splits large writes into
    // transactions of a size its store holds.
    Result<usize> write(u32 inode, u64 offset, std::span<const u8> data, Timestamp now);
    // Shrinks (freeing blocks past the end and zeroing the rest of the last block) or
    // grows (a hole) a regular file.
    Result<void> truncate(u32 inode, u64 size, Timestamp now);
    // A shrink in bounded transactions: removes or cuts at most `max_extents` extents
    // past `size` from the end, the size following what is still mapped, so each step
    // leaves a consistent (shorter) file. True once the file is `size` bytes long and
    // nothing is mapped past it; then a file with links is taken off the orphan list
    // (Linux's ext4_truncate). For large truncates, and to empty an unlinked file before
    // free_unlinked(). An inode on the orphan list keeps its place (i_dtime) throughout.
    Result<bool> truncate_some(u32 inode, u64 size, u32 max_extents, Timestamp now);
    // The first transaction of a shrink done in steps, as Linux does it: the inode goes
    // on the orphan list and its size becomes `size` at once (the rest of its last block
    // zeroed); truncate_some() with the same size then frees the blocks past it and takes
    // it off the list. After a crash in between, the next mount (clean_orphan) or e2fsck
    // frees what is left past the size. Nothing when `size` is not below the file's size.
    Result<void> start_truncate(u32 inode, u64 size, Timestamp now);
    Result<void> set_attributes(u32 inode, const Attributes& attributes);

    // writer_orphan.cc: the orphan list, read through the store (so within this
    // transaction). The first inode on it, 0 when empty.
    Result<u32> orphan_head();
    // The list in order, up to out.size() inodes into `out`; returns its length. EUCLEAN
    // for a number out of range or a loop.
    Result<usize> orphans(std::span<u32> out);
    // Puts an inode on the list (at its head, i_dtime naming the old head); nothing when
    // it is there already.
    Result<void> orphan_add(u32 inode);
    // Takes an inode off the list (a new head, or the i_dtime of the inode before it
    // rewritten) and zeroes its i_dtime; nothing when it is not on the list.
    Result<void> orphan_remove(u32 inode);
    // The list dropped whole (s_last_orphan 0), what Linux and e2fsck do with a list they
    // cannot trust; the inodes on it are left for e2fsck.
    Result<void> orphan_clear();
    // One bounded step of the mount-time cleanup on the list's first inode: with no links,
    // emptied by up to `max_extents` extents a step, then freed; with links (a truncate
    // cut short), the blocks past its i_size freed the same way, then taken off the list.
    // EUCLEAN when the first inode is not one a list may hold (out of range, not in use,
    // a next pointer out of range, a linked inode other than a regular file): the caller
    // drops the step and, as Linux does, the list (orphan_clear).
    Result<OrphanCleaned> clean_orphan(u32 max_extents, Timestamp now);

private:
    Writer(BlockStore& store, const Volume& volume, std::span<u8> memory);
    Allocator allocator() { return Allocator(m_store, m_volume.superblock()); }

    Result<Inode> load_directory(u32 number);
    Result<void> store_inode(const Inode& inode, bool fresh = false);
    Inode fresh_inode(u32 number, u16 mode, const NewInode& init);
    Result<u32> make_node(u32 dir, std::string_view name, const NewInode& init, std::string_view symlink_target);
    Result<void> release(Inode& inode, Timestamp now);
    Result<void> drop_link(Inode& inode, Timestamp now, bool keep_unlinked);
    Result<u64> goal_for(const Inode& inode, u64 logical);
    Result<void> zero_tail(const Inode& inode, u64 from);

    // writer_orphan.cc
    struct OrphanPlace {
        bool found = false;
        u32 previous = 0;  // the inode before it on the list; 0: it is the head
        usize length = 0;  // inodes walked
    };
    Result<OrphanPlace> walk_orphans(u32 target, std::span<u32> out);
    Result<void> set_orphan_head(u32 inode);
    // Puts `node` (not stored: the caller stores it) on the list.
    Result<void> orphan_add_node(Inode& node);

    // writer_directory.cc
    Result<void> add_entry(Inode& dir, std::string_view name, u32 inode, FileType type);
    Result<u32> remove_entry(Inode& dir, std::string_view name);
    Result<std::optional<u32>> find(Inode& dir, std::string_view name);
    Result<bool> is_empty(Inode& dir);
    Result<void> set_parent(Inode& dir, u32 parent);
    Result<void> make_linear(Inode& dir);
    Result<u64> directory_block(const Inode& dir, u64 logical);
    Result<std::optional<u64>> block_holding(const Inode& dir, std::string_view name);
    Result<std::optional<u64>> leaf_holding(const Inode& dir, const std::string_view* name);
    Result<bool> below(u32 directory, u32 ancestor);

    BlockStore& m_store;
    Volume m_volume;
    std::span<u8> m_scratch;  // the Volume's two blocks
    std::span<u8> m_buffer;   // one block: file data, directory blocks read
    u32 m_next_generation;
};

FileType file_type_of(u16 mode);
Result<void> check_name(std::string_view name);

}  // namespace ext4
