// The file-system layout every application finds: the root from the initramfs (or from an
// ext4 disk), and tmpfs on /tmp and /dev/shm; devfs on /dev, procfs on /proc and sysfs on
// /sys.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.h"

namespace fs {

// root_disk: the serial number of the disk to mount as "/" (the kernel command line's
// root=, osprey build --format ext4), the initramfs's entries copied onto it; /tmp then
// stays a directory of that disk. Without it, the root is the initramfs.
// overlay: the fw_cfg file holding the run's own files (the command line's overlay=),
// copied onto the root before anything else is mounted (fs/overlay.h); nullopt touches no
// fw_cfg.
Result<void> mount_standard(std::optional<std::string_view> root_disk, std::optional<std::string_view> overlay);

// Mounts the host folders `osprey run -v` shares: `list` is the kernel command line's
// `9p=` value, TAG:PATH:ro|rw separated by commas (fs/ninep/). Each PATH is made with its
// parents when missing. EINVAL for a malformed entry; the first mount's error otherwise.
Result<void> mount_shared_folders(std::string_view list);

// Mounts each disk given a guest path (`osprey run --volume`, drivers/block/volumes.h) that
// holds an ext4 file system there: read-write when the volume and the disk allow it,
// else read-only with the reason on the kernel log; a disk without one, or with one
// libs/ext4 refuses, stays a device (/dev/vda...), said on the kernel log. A disk without
// a guest path is left alone, for the program to mount(2). ENOMEM.
Result<void> mount_volumes();

// Before the machine powers off: the journals of the mounted volumes stopped and their
// disks flushed, so that the images are clean (fs/ext4/ext4_fs.h).
void stop_volumes();

}  // namespace fs
