// ext4 on a disk (`osprey run --volume`, docs/storage.md): the on-disk format is libs/ext4's;
// this is the kernel's side, a file system of the VFS over a block cache (libs/block/cache.h)
// on a device. Read-only for now: every change answers EROFS.
#pragma once

#include <string_view>

#include "base/result.h"
#include "block/cache.h"
#include "fs/inode.h"

namespace fs::ext4fs {

// Mounts the ext4 volume that `disk` reads on `directory`. EINVAL (with the reason on the
// kernel log) for a volume libs/ext4 refuses; ENOMEM. `name` names the disk in messages.
Result<void> mount_on(block::Backend& disk, const char* name, RefPtr<Inode> directory);

}  // namespace fs::ext4fs
