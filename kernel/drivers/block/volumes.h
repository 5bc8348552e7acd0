// Which disk is meant for which guest path: the `volume=SERIAL:GUEST_PATH` words the host
// tool puts on the command line (libs/block/volume_arg.h, docs/storage.md). For now each
// match is recorded on the device and logged; mounting a file system there comes with
// ext4.
#pragma once

#include "cmdline/cmdline.h"

namespace block {

// After the drivers have found their devices.
void assign_volumes(const cmdline::CommandLine& cmdline);

}  // namespace block
