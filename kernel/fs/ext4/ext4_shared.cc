// MAP_SHARED mappings of ext4 files (shared_pages.h): the pages, what read(2), write(2) and
// truncate do with them, and writing them back (fsync, msync, a mapping's end, stop()).
#include <new>

#include "arch/x86_64/layout.h"
#include "fs/ext4/ext4_filesystem.h"
#include "lib/log.h"
#include "mm/frames.h"

namespace fs::ext4fs {

namespace {

constexpr u64 kSharedPage = 4096;

// The bytes of page `index` that [offset, offset + length) covers: where in the page, where
// in the range, how many.
struct Overlap {
    u64 in_page;
    u64 in_range;
    u64 length;
};
Overlap overlap(u64 index, u64 offset, u64 length) {
    u64 page_start = index * kSharedPage;
    u64 start = page_start > offset ? page_start : offset;
    u64 end = page_start + kSharedPage < offset + length ? page_start + kSharedPage : offset + length;
    return {start - page_start, start - offset, end - start};
}

u8* page_bytes(u64 frame) { return static_cast<u8*>(layout::phys_to_virt(frame)); }

}  // namespace

Result<u64> Ext4Inode::page_frame(u64 offset, bool writable) {
    if (type() != InodeType::Regular) return Error(ENODEV);
    u64 index = offset / kSharedPage;
    MutexLocker lock(m_shared_lock);
    // Past the last page of the file: SIGBUS, as on Linux. Checked under the lock, which
    // a truncate holds.
    if (offset >= align_up(size(), kSharedPage)) return Error(ENXIO);
    if (writable && !m_shared_written) {
        m_shared_written = true;
        fs().list_shared(*this);
    }
    if (u64 frame = m_shared.find(index)) return frame;
    u64 frame = TRY(frames::allocate(0));
    u8* bytes = page_bytes(frame);
    // Straight from the disk: the page is not in the list yet, and writes to the file wait
    // for m_shared_lock before they copy into the list.
    auto got = fs().with_volume([&](::ext4::Volume& v, std::span<u8> scratch) {
        return v.read_file(m_disk, index * kSharedPage, {bytes, kSharedPage}, scratch);
    });
    if (got.is_error()) {
        frames::free(frame);
        return Error(got.error());
    }
    __builtin_memset(bytes + got.value(), 0, kSharedPage - got.value());
    if (auto inserted = m_shared.insert(index, frame); inserted.is_error()) {
        frames::free(frame);
        return Error(inserted.error());
    }
    return frame;
}

void Ext4Inode::read_shared(u64 offset, u8* bytes, usize length) {
    if (!length) return;
    MutexLocker lock(m_shared_lock);
    m_shared.for_range(offset / kSharedPage, (offset + length - 1) / kSharedPage, [&](u64 index, u64 frame) {
        Overlap o = overlap(index, offset, length);
        __builtin_memcpy(bytes + o.in_range, page_bytes(frame) + o.in_page, o.length);
    });
}

void Ext4Inode::write_shared_locked(u64 offset, const u8* bytes, usize length) {
    if (!length) return;
    m_shared.for_range(offset / kSharedPage, (offset + length - 1) / kSharedPage, [&](u64 index, u64 frame) {
        Overlap o = overlap(index, offset, length);
        __builtin_memcpy(page_bytes(frame) + o.in_page, bytes + o.in_range, o.length);
    });
}

void Ext4Inode::zero_shared_locked(u64 from) {
    m_shared.for_range(from / kSharedPage, ~u64{0} / kSharedPage, [&](u64 index, u64 frame) {
        u64 start = index * kSharedPage < from ? from - index * kSharedPage : 0;
        __builtin_memset(page_bytes(frame) + start, 0, kSharedPage - start);
    });
}

void Ext4Inode::shared_mapping_ended() {
    if (auto written = write_back_shared(); written.is_error())
        klog::error("ext4: inode {}: its shared pages were not written back ({})", ino(), err::name(written.error()));
}

Result<void> Ext4Inode::write_back_shared() {
    MutexLocker lock(m_shared_lock);
    if (!m_shared_written || m_shared.empty()) return {};
    u64 file_size = size();
    if (!file_size) return {};
    // Runs of consecutive pages go in one write of up to 64 KiB; each is one transaction.
    constexpr u64 kRun = 16;
    u8* run = new (std::nothrow) u8[kRun * kSharedPage];
    if (!run) return Error(ENOMEM);
    Result<void> result;
    u64 run_first = 0, run_pages = 0;
    auto flush_run = [&]() -> Result<void> {
        if (!run_pages) return {};
        u64 offset = run_first * kSharedPage;
        u64 length = run_pages * kSharedPage;
        if (offset + length > file_size) length = file_size - offset;
        run_pages = 0;
        Touched touched;
        touched.add(static_cast<u32>(ino()));
        TRY(fs().change(touched, [&](::ext4::Writer& w) -> Result<usize> {
            // Never past the end: the file's size is what write(2) and truncate made it.
            if (offset >= m_disk.size) return usize(0);
            u64 within = offset + length > m_disk.size ? m_disk.size - offset : length;
            return w.write(static_cast<u32>(ino()), offset, {run, within}, disk_time(now()));
        }));
        return {};
    };
    m_shared.for_range(0, (file_size - 1) / kSharedPage, [&](u64 index, u64 frame) {
        if (result.is_error()) return;
        if (run_pages && (index != run_first + run_pages || run_pages == kRun)) result = flush_run();
        if (!run_pages) run_first = index;
        __builtin_memcpy(run + run_pages++ * kSharedPage, page_bytes(frame), kSharedPage);
    });
    if (result.is_ok()) result = flush_run();
    delete[] run;
    return result;
}

void Ext4Filesystem::list_shared(Ext4Inode& inode) {
    MutexLocker lock(m_shared_list_lock);
    if (inode.m_shared_listed) return;
    inode.m_shared_listed = true;
    m_shared_inodes.push_back(inode);
}

void Ext4Filesystem::unlist_shared(Ext4Inode& inode) {
    MutexLocker lock(m_shared_list_lock);
    if (!inode.m_shared_listed) return;
    inode.m_shared_listed = false;
    m_shared_inodes.remove(inode);
}

void Ext4Filesystem::write_back_all_shared() {
    // In batches: references are taken under the list lock and dropped after it (a last
    // reference runs the destructor, which takes the lock). Each inode is marked with this
    // pass's number so that the next batch goes on where this one stopped.
    constexpr usize kBatch = 32;
    u64 pass;
    {
        MutexLocker lock(m_shared_list_lock);
        pass = ++m_shared_pass;
    }
    for (;;) {
        RefPtr<Inode> held[kBatch];
        usize count = 0;
        {
            MutexLocker lock(m_shared_list_lock);
            m_shared_inodes.for_each([&](Ext4Inode& inode) {
                if (count == kBatch || inode.m_shared_pass == pass) return;
                inode.m_shared_pass = pass;
                if (inode.try_ref()) held[count++] = RefPtr<Inode>::adopt(&inode);
            });
        }
        if (!count) return;
        for (usize i = 0; i < count; i++)
            if (auto written = static_cast<Ext4Inode&>(*held[i]).write_back_shared(); written.is_error())
                klog::error("ext4: {}: the shared pages of inode {} were not written back ({})", m_device.name(),
                            held[i]->ino(), err::name(written.error()));
    }
}

}  // namespace fs::ext4fs
