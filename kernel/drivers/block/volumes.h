// Which disk is meant for which guest path: the `volume=SERIAL:GUEST_PATH` words the host
// tool puts on the command line (libs/block/volume_arg.h, docs/storage.md). Each match is
// recorded on the device and logged; fs/standard_mounts.cc mounts the ext4 there. A disk
// named by no word (`--volume IMAGE` without a path) is left for mount(2).
#pragma once

#include "cmdline/cmdline.h"

namespace block {

// After the drivers have found their devices.
void assign_volumes(const cmdline::CommandLine& cmdline);

}  // namespace block
