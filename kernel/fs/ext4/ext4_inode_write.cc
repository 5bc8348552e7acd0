// The changing operations of an ext4 inode, each one libs/ext4 Writer call in one
// transaction (Ext4Filesystem::change): committed whole, or dropped whole on an error,
// ENOSPC included, so nothing already on the disk is lost.
#include "fs/ext4/ext4_filesystem.h"
#include "lib/log.h"

namespace fs::ext4fs {

namespace {

constexpr u32 kRenameNoReplace = 1;
// Data written per transaction: its data blocks go to the disk before the commit of the
// extents that point at them (data=ordered).
constexpr usize kWriteChunk = 64 * KiB;

::ext4::NewInode new_inode(u32 mode, u32 uid, u32 gid) {
    ::ext4::NewInode init;
    init.mode = static_cast<u16>(mode);
    init.uid = uid;
    init.gid = gid;
    init.now = disk_time(now());
    return init;
}

// What `name` in the directory `dir` names, read through the volume. Volume lock held.
Result<std::optional<u32>> entry_of(Ext4Filesystem& fs, const ::ext4::Inode& dir, std::string_view name) {
    return fs.volume().lookup(dir, name, fs.scratch());
}

}  // namespace

Result<RefPtr<Inode>> Ext4Inode::create(std::string_view name, InodeType type, u32 permissions, u32 uid, u32 gid) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    u32 mode = type_bits(type) | (permissions & 07777);
    u32 number = TRY(fs().change(touched, [&](::ext4::Writer& w) -> Result<u32> {
        if (m_dead) return Error(ENOENT);
        if (type == InodeType::Directory) return w.mkdir(static_cast<u32>(ino()), name, new_inode(mode, uid, gid));
        return w.create(static_cast<u32>(ino()), name, new_inode(mode, uid, gid));
    }));
    return fs().inode(number, RefPtr<Inode>(this));
}

Result<RefPtr<Inode>> Ext4Inode::symlink(std::string_view name, std::string_view target, u32 uid, u32 gid) {
    if (!is_directory()) return Error(ENOTDIR);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    u32 number = TRY(fs().change(touched, [&](::ext4::Writer& w) -> Result<u32> {
        if (m_dead) return Error(ENOENT);
        return w.symlink(static_cast<u32>(ino()), name, target, new_inode(S_IFLNK | 0777, uid, gid));
    }));
    return fs().inode(number, RefPtr<Inode>(this));
}

Result<void> Ext4Inode::link(std::string_view name, Inode& target) {
    if (&target.filesystem() != &filesystem()) return Error(EXDEV);
    if (name.size() > kNameMax) return Error(ENAMETOOLONG);
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    touched.add(static_cast<u32>(target.ino()));
    auto& file = static_cast<Ext4Inode&>(target);
    return fs().change(touched, [&](::ext4::Writer& w) -> Result<void> {
        if (m_dead) return Error(ENOENT);
        if (file.m_disk.links_count == 0) return Error(ENOENT);  // linkat of a deleted file
        return w.link(static_cast<u32>(ino()), name, static_cast<u32>(target.ino()), disk_time(now()));
    });
}

Result<void> Ext4Inode::unlink(std::string_view name, bool directory) {
    if (!is_directory()) return Error(ENOTDIR);
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    bool kept = false;
    u32 number = 0;
    auto removed = fs().change(touched, [&](::ext4::Writer& w) -> Result<void> {
        if (m_dead) return Error(ENOENT);
        auto found = TRY(entry_of(fs(), m_disk, name));
        if (!found) return Error(ENOENT);
        number = *found;
        touched.add(number);
        if (directory) return w.rmdir(static_cast<u32>(ino()), name, disk_time(now()));
        // A regular file someone still has (open, mapped, a cwd's name) keeps its inode
        // and blocks until the last reference goes (Ext4Filesystem::release), on the
        // orphan list meanwhile.
        RefPtr<Inode> live = fs().live(number);
        kept = live && live->type() == InodeType::Regular;
        touched.held[Touched::kMax] = static_cast<RefPtr<Inode>&&>(live);
        return w.unlink(static_cast<u32>(ino()), name, disk_time(now()), kept);
    });
    if (removed.is_error() && removed.error() == ENOMEM && !directory && number) {
        // Freeing every block at once needs more than one transaction holds (a large,
        // fragmented file): the name goes first, the inode onto the orphan list with it,
        // then the blocks in steps (a crash in between: the next mount finishes).
        Touched again;
        again.add(static_cast<u32>(ino()));
        again.add(number);
        TRY(fs().change(again, [&](::ext4::Writer& w) {
            return w.unlink(static_cast<u32>(ino()), name, disk_time(now()), true);
        }));
        MutexLocker lock(fs().volume_lock());
        auto on_disk = TRY(fs().volume().read_inode(number, fs().scratch()));
        if (on_disk.links_count != 0) return {};  // other names remain: nothing to free
        if (auto* live = static_cast<Ext4Inode*>(again.held[1].get())) {
            live->m_kept_unlinked = true;  // freed at its last reference
            return {};
        }
        return fs().free_kept(number);
    }
    TRY(removed);
    MutexLocker lock(fs().volume_lock());
    for (usize i = 0; i < touched.count; i++) {
        if (touched.numbers[i] != number || !touched.held[i]) continue;
        auto& gone = static_cast<Ext4Inode&>(*touched.held[i]);
        if (gone.m_disk.links_count != 0) continue;
        if (kept) {
            gone.m_kept_unlinked = true;
        } else {
            // Freed: its number may be given to a new file, so this inode leaves the
            // table; whoever still holds it (a removed directory as a cwd) finds nothing.
            gone.m_dead = true;
            if (gone.m_in_table) fs().forget(gone);
        }
    }
    return {};
}

Result<void> Ext4Inode::rename(std::string_view name, Inode& target_dir, std::string_view target_name, u32 flags) {
    if (&target_dir.filesystem() != &filesystem()) return Error(EXDEV);
    // FIXME: RENAME_EXCHANGE and RENAME_WHITEOUT are not offered by the writer.
    if (flags & ~kRenameNoReplace) return Error(EINVAL);
    if (target_name.size() > kNameMax) return Error(ENAMETOOLONG);
    auto& to = static_cast<Ext4Inode&>(target_dir);
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    touched.add(static_cast<u32>(to.ino()));
    u32 moved = 0, replaced = 0;
    bool kept = false;
    TRY(fs().change(touched, [&](::ext4::Writer& w) -> Result<void> {
        if (m_dead || to.m_dead) return Error(ENOENT);
        auto from = TRY(entry_of(fs(), m_disk, name));
        if (!from) return Error(ENOENT);
        moved = *from;
        auto existing = TRY(entry_of(fs(), to.m_disk, target_name));
        if (existing && (flags & kRenameNoReplace)) return Error(EEXIST);
        if (existing && *existing == moved) return {};  // two names of one file: nothing to do
        touched.add(moved);
        if (existing) {
            replaced = *existing;
            touched.add(replaced);
            RefPtr<Inode> live = fs().live(replaced);
            kept = live && live->type() == InodeType::Regular;
            touched.held[Touched::kMax] = static_cast<RefPtr<Inode>&&>(live);
        }
        return w.rename(static_cast<u32>(ino()), name, static_cast<u32>(to.ino()), target_name, disk_time(now()),
                        kept);
    }));
    RefPtr<Inode> old_parent;  // dropped last, after the lock
    MutexLocker lock(fs().volume_lock());
    for (usize i = 0; i < touched.count; i++) {
        if (!touched.held[i]) continue;
        auto& inode = static_cast<Ext4Inode&>(*touched.held[i]);
        if (touched.numbers[i] == moved && &to != this && inode.is_directory()) {
            // Its ".." is the new parent now.
            old_parent = static_cast<RefPtr<Inode>&&>(inode.m_parent_ref);
            inode.m_parent_ref = RefPtr<Inode>(&to);
            inode.m_parent = &to;
        }
        if (touched.numbers[i] == replaced && replaced && inode.m_disk.links_count == 0) {
            if (kept) {
                inode.m_kept_unlinked = true;
            } else {
                inode.m_dead = true;
                if (inode.m_in_table) fs().forget(inode);
            }
        }
    }
    return {};
}

Result<usize> Ext4Inode::write(u64 offset, const IoBuffer& buffer) {
    if (is_directory()) return Error(EISDIR);
    if (type() != InodeType::Regular) return Error(EINVAL);
    if (!buffer.length) return usize(0);
    usize chunk = buffer.length < kWriteChunk ? buffer.length : kWriteChunk;
    u8* bounce = new (std::nothrow) u8[chunk];
    if (!bounce) return Error(ENOMEM);
    usize done = 0;
    Result<usize> result = usize(0);
    while (done < buffer.length) {
        usize n = buffer.length - done < chunk ? buffer.length - done : chunk;
        // Copied in before the locks: a copy from user memory may fault.
        if (auto copied = buffer.copy_in(done, bounce, n); copied.is_error()) {
            if (!done) result = Error(copied.error());
            break;
        }
        // Shared mappings see the write (and, past the old end, zeros before it).
        MutexLocker shared(m_shared_lock);
        u64 old_size = size();
        Touched touched;
        touched.add(static_cast<u32>(ino()));
        auto wrote = fs().change(touched, [&](::ext4::Writer& w) {
            return w.write(static_cast<u32>(ino()), offset + done, {bounce, n}, disk_time(now()));
        });
        if (wrote.is_ok()) {
            if (offset + done > old_size) zero_shared_locked(old_size);
            write_shared_locked(offset + done, bounce, n);
        }
        if (wrote.is_error()) {
            // Out of room (or of transaction space) for the whole piece: what still fits
            // goes in a block at a time, and the write is short, as on Linux.
            bool smaller = (wrote.error() == ENOSPC || wrote.error() == ENOMEM) && chunk > fs().block_size();
            if (smaller) {
                chunk = fs().block_size();
                continue;
            }
            if (!done) result = Error(wrote.error());
            break;
        }
        done += n;
    }
    delete[] bounce;
    if (result.is_error()) return result;
    return done;
}

Result<void> Ext4Inode::truncate(u64 size) {
    if (is_directory()) return Error(EISDIR);
    if (type() != InodeType::Regular) return Error(EINVAL);
    // Shared pages past the new end (shrinking) or the old one (growing) read as zeros;
    // the lock held throughout keeps a write-back from growing the file again.
    MutexLocker shared(m_shared_lock);
    u64 old_size = this->size();
    u64 zero_from = size < old_size ? size : old_size;
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    auto cut = fs().change(touched, [&](::ext4::Writer& w) {
        return w.truncate(static_cast<u32>(ino()), size, disk_time(now()));
    });
    if (cut.is_ok()) zero_shared_locked(zero_from);
    if (cut.is_ok() || cut.error() != ENOMEM) return cut;
    // More extents to free than a transaction holds: in steps, as Linux does. The first
    // puts the inode on the orphan list and gives it its new size; each step then frees
    // blocks past it, the last takes it off the list. A crash in between leaves the rest
    // to the next mount (or to stop() at power-off).
    klog::info("ext4: inode {} is cut in steps (too large for one transaction)", ino());
    for (bool first = true;; first = false) {
        Touched step;
        step.add(static_cast<u32>(ino()));
        bool finished = TRY(fs().change(step, [&](::ext4::Writer& w) -> Result<bool> {
            if (first) TRY(w.start_truncate(static_cast<u32>(ino()), size, disk_time(now())));
            return w.truncate_some(static_cast<u32>(ino()), size, 16, disk_time(now()));
        }));
        if (finished) {
            zero_shared_locked(zero_from);
            return {};
        }
    }
}

Result<void> Ext4Inode::change_attributes(const AttributeChange& change) {
    ::ext4::Attributes attributes;
    if (change.permissions) attributes.mode = static_cast<u16>(*change.permissions & 07777);
    attributes.uid = change.uid;
    attributes.gid = change.gid;
    if (change.atime) attributes.atime = disk_time(*change.atime);
    if (change.mtime) attributes.mtime = disk_time(*change.mtime);
    attributes.now = disk_time(now());
    Touched touched;
    touched.add(static_cast<u32>(ino()));
    return fs().change(touched, [&](::ext4::Writer& w) -> Result<void> {
        if (m_dead) return Error(ENOENT);
        return w.set_attributes(static_cast<u32>(ino()), attributes);
    });
}

Result<void> Ext4Inode::sync(bool) {
    // Every change was committed (journal: flushed) when its call returned; what is left
    // is what shared mappings wrote, and the disk's own write cache for a volume without
    // a journal.
    TRY(write_back_shared());
    return fs().flush();
}

}  // namespace fs::ext4fs
