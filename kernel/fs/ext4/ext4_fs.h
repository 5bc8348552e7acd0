// ext4 on a disk (`osprey run --volume`, mount(2); docs/storage.md): the on-disk format is
// libs/ext4's; this is the kernel's side, a file system of the VFS over a block cache
// (libs/block/cache.h) on a device. Mounted read-write when asked and when the superblock
// and the disk allow it: every change is one libs/ext4 transaction committed through the
// volume's journal (docs/ext4.md).
#pragma once

#include <string_view>

#include "base/result.h"
#include "drivers/block/block_device.h"
#include "fs/inode.h"
#include "fs/vfs.h"

namespace fs::ext4fs {

// Whether the disk starts like an ext4 volume (the superblock's magic). A disk that does
// not is no error at boot (it stays a device); mount(2) answers EINVAL for it.
bool holds_ext4(block::BlockDevice& disk);

// Mounts the ext4 volume on `disk` on `directory`, replaying its journal first if a crash
// left one (even for a read-only mount, as Linux does, when the disk is writable).
// flags.read_only mounts it read-only whatever the disk allows. The disk is held (claimed)
// until the unmount: EBUSY when a file system holds it already. EINVAL (with the reason on
// the kernel log) for a disk without ext4, a volume libs/ext4 refuses or a journal that
// cannot be replayed; ENOMEM.
Result<void> mount_disk(block::BlockDevice& disk, RefPtr<Inode> directory, MountFlags flags);

// The volume on `disk` as the root file system, read-write (osprey build --format ext4:
// QEMU keeps its writes in an overlay). Errors as mount_disk's.
Result<void> mount_root(block::BlockDevice& disk);

// sync(2): what shared mappings of files on every volume wrote, written to the files.
void write_back_all();

// Before power-off: every mounted volume's journal stopped (empty, needs_recovery
// cleared) and its disk flushed, so the image is clean for e2fsck and the next mount.
// Later changes fail with EROFS.
void stop_all();

}  // namespace fs::ext4fs
