// ext4 on a disk (`osprey run --volume`, docs/storage.md): the on-disk format is libs/ext4's;
// this is the kernel's side, a file system of the VFS over a block cache (libs/block/cache.h)
// on a device. Mounted read-write when the superblock and the disk allow it: every change
// is one libs/ext4 transaction committed through the volume's journal (docs/ext4.md).
#pragma once

#include <string_view>

#include "base/result.h"
#include "block/cache.h"
#include "drivers/block/block_device.h"
#include "fs/inode.h"

namespace fs::ext4fs {

// Mounts the ext4 volume on `device` (read through `disk`, the cache's view of it) on
// `directory`, replaying its journal first if a crash left one. EINVAL (with the reason
// on the kernel log) for a volume libs/ext4 refuses or a journal that cannot be replayed;
// ENOMEM.
Result<void> mount_on(block::Backend& disk, block::BlockDevice& device, RefPtr<Inode> directory);

// Before power-off: every mounted volume's journal stopped (empty, needs_recovery
// cleared) and its disk flushed, so the image is clean for e2fsck and the next mount.
// Later changes fail with EROFS.
void stop_all();

}  // namespace fs::ext4fs
