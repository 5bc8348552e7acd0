// The kernel command line's `volume=SERIAL:GUEST_PATH` words (docs/cmdline.md): which disk
// is meant for which guest path. The host tool gives each volume's virtio-blk drive a
// serial number (QEMU's `serial=`) and names it here; the kernel reads the serial with
// GET_ID, so the mapping does not depend on the order in which devices are discovered.
#pragma once

#include <string_view>

#include "base/result.h"

namespace block {

constexpr std::string_view kVolumeCmdlineKey = "volume";

struct VolumeArg {
    std::string_view serial;
    std::string_view guest_path;
};

// EINVAL unless SERIAL is 1 to 20 printable characters without ':' and GUEST_PATH is
// absolute.
Result<VolumeArg> parse_volume_arg(std::string_view text);

}  // namespace block
