// /dev/vda, /dev/vdb...: the disks (block::BlockDevice) as block special files, for
// programs that read or write a disk itself (dd, mkfs, a database on a raw device).
//
// Reads and writes take any offset and length, as Linux's do: the bytes go through a
// kernel bounce buffer (the device reaches only the direct map, never user memory), and a
// write that covers part of a block reads the block first. A read at or past the end is
// end-of-file, a write there ENOSPC; fsync flushes the device's write cache. One transfer
// at a time per disk (a mutex), so two writes into one block cannot undo each other.
#pragma once

#include "base/result.h"
#include "drivers/block/block_device.h"
#include "fs/synthetic.h"

namespace devfs {

// Adds a node for every disk found at boot to `directory`. Major 254 as Linux gives
// virtio-blk dynamically; minor 16 per disk (vda 0, vdb 16...).
Result<void> add_block_devices(fs::synthetic::Directory& directory);

// The disk a block special file's device number names (its st_rdev, wherever the node
// is: /dev, or a node on a volume), or null when no disk has that number: mount(2)
// answers ENXIO then, as Linux does. A minor within a disk's 16 (a partition) is none.
block::BlockDevice* disk_of_device_number(u64 rdev);

}  // namespace devfs
