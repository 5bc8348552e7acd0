// The file-system layout every application finds: the root from the initramfs, and tmpfs
// on /tmp and /dev/shm; devfs on /dev, procfs on /proc and sysfs on /sys.
#pragma once

#include "base/result.h"

namespace fs {

Result<void> mount_standard();

}  // namespace fs
