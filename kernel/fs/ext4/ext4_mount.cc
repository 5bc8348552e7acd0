// Mounting and unmounting ext4 volumes: at boot for `--volume` (fs/standard_mounts.cc) and
// by mount(2) (linux/sys_mount.cc). Which disks are held, and which volumes are mounted
// (for stop_all() at power-off), is kept here.
#include <new>

#include "fs/ext4/disk_backend.h"
#include "fs/ext4/ext4_filesystem.h"
#include "fs/ext4/ext4_fs.h"
#include "lib/atomic.h"
#include "lib/log.h"
#include "sync/mutex.h"

namespace fs::ext4fs {

namespace {

constexpr u64 kFirstDevice = 0x60;  // st_dev of the first ext4 mount (9p from 0x40)
kstd::Atomic<u64> g_next_device{kFirstDevice};

// The volumes mounted now, for stop_all() at power-off; an unmount takes its own out.
// Order: g_volumes_lock, then a volume's lock (stop_all stops them while holding it).
constexpr usize kMaxVolumes = 32;
Mutex g_volumes_lock{"ext4 volumes"};
Ext4Filesystem* g_volumes[kMaxVolumes];  // guarded by g_volumes_lock
usize g_volume_count = 0;                // guarded by g_volumes_lock

bool add_mounted(Ext4Filesystem& filesystem) {
    MutexLocker lock(g_volumes_lock);
    if (g_volume_count == kMaxVolumes) return false;
    g_volumes[g_volume_count++] = &filesystem;
    return true;
}

void remove_mounted(Ext4Filesystem& filesystem) {
    MutexLocker lock(g_volumes_lock);
    for (usize i = 0; i < g_volume_count; i++) {
        if (g_volumes[i] != &filesystem) continue;
        g_volumes[i] = g_volumes[--g_volume_count];
        return;
    }
}

}  // namespace

bool holds_ext4(block::BlockDevice& disk) {
    // The superblock's magic, 0xEF53 at byte 56 of the superblock at byte 1024.
    auto* sector = new (std::nothrow) u8[4096];
    if (!sector) return false;
    bool found = disk.size() >= 4096 && disk.read(0, {sector, 4096}).is_ok() && sector[1024 + 56] == 0x53 &&
                 sector[1024 + 57] == 0xef;
    delete[] sector;
    return found;
}

namespace {

// The file system on a claimed disk, started (its journal replayed) and on the list
// stop_all() goes through. The caller puts it in the tree.
Result<Ext4Filesystem*> open_volume(block::BlockDevice& disk, bool read_only) {
    if (!holds_ext4(disk)) {
        klog::warn("ext4: {}: no ext4 file system (no superblock magic)", disk.name());
        return Error(EINVAL);
    }
    // FIXME: the backend, the file system and its 2 MiB block cache stay allocated for
    // the life of the machine, unmounted or not (files may stay open after an unmount,
    // and inodes refer to the file system): a program that mounts and unmounts in a
    // loop runs out of memory after some hundreds of rounds.
    auto* backend = new (std::nothrow) DiskBackend(disk);
    auto* filesystem =
        backend ? new (std::nothrow) Ext4Filesystem(*backend, disk, g_next_device.fetch_add(1), read_only) : nullptr;
    if (!filesystem) return Error(ENOMEM);
    TRY(filesystem->start());
    if (!add_mounted(*filesystem)) {
        filesystem->stop();
        return Error(ENOMEM);
    }
    return filesystem;
}

}  // namespace

Result<void> mount_disk(block::BlockDevice& disk, RefPtr<Inode> directory, MountFlags flags) {
    // Claimed first: two mounts racing for one disk cannot both read its journal.
    if (!disk.claim()) return Error(EBUSY);
    auto mounted = [&]() -> Result<void> {
        Ext4Filesystem* filesystem = TRY(open_volume(disk, flags.read_only));
        if (auto on = fs::mount_on(directory, *filesystem, flags); on.is_error()) {
            remove_mounted(*filesystem);
            filesystem->stop();  // its journal started: stopped again, the disk left clean
            return on;
        }
        return {};
    }();
    if (mounted.is_error()) disk.release();
    return mounted;
}

Result<void> mount_root(block::BlockDevice& disk) {
    if (!disk.claim()) return Error(EBUSY);
    auto opened = open_volume(disk, false);
    if (opened.is_error()) {
        disk.release();
        return Error(opened.error());
    }
    return fs::init_root(opened.value()->root());
}

void Ext4Filesystem::unmounted() {
    remove_mounted(*this);
    stop();
    // The journal is stopped and the disk flushed: the next mount finds it clean. Files
    // still open here (MNT_DETACH) read through this mount's cache and cannot write.
    m_device.release();
    klog::info("ext4: {}: unmounted", m_device.name());
}

void write_back_all() {
    // The volumes are only ever added to or taken off the list; one mounted now stays
    // alive (the FIXME above), so it may be used after the lock.
    Ext4Filesystem* volumes[kMaxVolumes];
    usize count = 0;
    {
        MutexLocker lock(g_volumes_lock);
        for (usize i = 0; i < g_volume_count; i++) volumes[count++] = g_volumes[i];
    }
    for (usize i = 0; i < count; i++) volumes[i]->write_back_all_shared();
}

void stop_all() {
    MutexLocker lock(g_volumes_lock);
    for (usize i = 0; i < g_volume_count; i++) g_volumes[i]->stop();
}

}  // namespace fs::ext4fs
