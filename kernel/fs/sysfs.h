// /sys: the few files runtimes read. glibc's get_nprocs and sysconf(_SC_NPROCESSORS_*)
// read devices/system/cpu/{online,possible}; Go reads the transparent huge page size.
// One CPU: online, possible and present are "0". block/NAME/{size,ro,
// queue/logical_block_size} describe each disk, as lsblk and friends read them.
#pragma once

#include <string_view>

#include "base/result.h"

namespace sysfs {

// Creates the file system and mounts it on `path`, an existing directory ("/sys").
Result<void> mount_at(std::string_view path);

}  // namespace sysfs
