// The orphan list in the kernel (libs/ext4/writer.h has the format): a file unlinked while
// still open is on it from its unlink's transaction until freed at its last reference, a
// file cut in steps from the first step until the last. What a crash leaves on it is
// finished at the next read-write mount, as Linux's ext4_orphan_cleanup does, and what
// is still there at unmount or power-off is finished by stop(), so the list has no limit
// and needs nothing in memory.
#include "fs/ext4/ext4_filesystem.h"
#include "lib/log.h"

namespace fs::ext4fs {

namespace {

// Extents freed per transaction when a file is emptied in steps: a few leaves and
// bitmaps, well inside a transaction of the smallest journal accepted.
constexpr u32 kStepExtents = 16;

const char* plural(u32 count) { return count == 1 ? "" : "s"; }

}  // namespace

Result<void> Ext4Filesystem::free_kept(u32 number) {
    u32 steps = 0;
    for (;;) {
        bool done = TRY(in_transaction([&](::ext4::Writer& w) -> Result<bool> {
            auto node = TRY(w.inode(number));
            if (!node.is_regular()) return true;
            return w.truncate_some(number, 0, kStepExtents, disk_time(now()));
        }));
        steps++;
        if (done) break;
    }
    if (steps > 1) klog::info("ext4: {}: inode {} freed in {} steps", m_device.name(), number, steps);
    return in_transaction([&](::ext4::Writer& w) { return w.free_unlinked(number, disk_time(now())); });
}

void Ext4Filesystem::release(Ext4Inode& inode) {
    MutexLocker lock(m_volume_lock);
    if (inode.m_in_table) forget(inode);
    // Not unlinked, or already freed by stop() with the rest of the orphan list.
    if (!inode.m_kept_unlinked || m_stopped) return;
    inode.m_kept_unlinked = false;
    if (!m_writable) {
        klog::warn("ext4: {}: inode {} unlinked while open stays on the orphan list (read-only now): the next "
                   "read-write mount frees it",
                   m_device.name(), inode.ino());
        return;
    }
    if (auto freed = free_kept(static_cast<u32>(inode.ino())); freed.is_error())
        klog::error("ext4: {}: inode {} unlinked while open could not be freed ({}): it stays on the orphan list",
                    m_device.name(), inode.ino(), err::name(freed.error()));
}

void Ext4Filesystem::drop_orphans(const char* why) {
    u32 head = m_volume->superblock().last_orphan;
    auto cleared = in_transaction([](::ext4::Writer& w) { return w.orphan_clear(); });
    klog::warn("ext4: {}: the orphan list (from inode {}) is dropped: {}{}", m_device.name(), head, why,
               cleared.is_ok() ? "; e2fsck will find what it held" : " (and could not be cleared)");
}

void Ext4Filesystem::clean_orphans() {
    const auto& sb = m_volume->superblock();  // m_volume is read again after each commit
    if (sb.last_orphan == 0) return;
    // As Linux and e2fsck: a volume marked with errors may have a list that points anywhere.
    if (sb.state & ::ext4::kStateErrors) {
        drop_orphans("the volume is marked with errors");
        return;
    }
    u32 freed = 0, truncated = 0;
    // Each step frees an inode or at least one extent: more steps than both can only be a
    // list that never ends (clean_orphan refuses the loops it can see).
    u64 limit = u64(sb.inodes_count) + sb.blocks_count;
    for (u64 step = 0;; step++) {
        u32 head = sb.last_orphan;
        if (head == 0) break;
        if (step > limit) {
            drop_orphans("it does not end");
            break;
        }
        auto cleaned = in_transaction(
            [&](::ext4::Writer& w) { return w.clean_orphan(kStepExtents, disk_time(now())); });
        if (cleaned.is_error()) {
            // A disk that fails, or a step too large for the journal, says nothing about
            // the list: it stays for the next mount. Anything else is the list's fault.
            auto error = cleaned.error();
            if (!m_writable || error == EIO || error == ENOMEM) {
                klog::error("ext4: {}: orphan inode {} could not be finished ({}): left on the list",
                            m_device.name(), head, err::name(error));
            } else {
                klog::warn("ext4: {}: orphan inode {} is not one a list may hold ({})", m_device.name(), head,
                           err::name(error));
                drop_orphans("a bad inode on it");
            }
            break;
        }
        if (cleaned.value().step == ::ext4::OrphanStep::Freed) freed++;
        if (cleaned.value().step == ::ext4::OrphanStep::Truncated) truncated++;
        if (cleaned.value().step == ::ext4::OrphanStep::Empty) break;
    }
    if (truncated)
        klog::info("ext4: {}: {} orphan inode{} freed, {} truncate{} finished", m_device.name(), freed, plural(freed),
                   truncated, plural(truncated));
    else if (freed)
        klog::info("ext4: {}: {} orphan inode{} freed", m_device.name(), freed, plural(freed));
}

}  // namespace fs::ext4fs
