// QEMU's firmware configuration device (fw_cfg) on its x86 I/O ports (pc, q35 and microvm
// alike): the host hands the guest named files with `-fw_cfg name=NAME,file=PATH`. Only the
// boot paths that ask for a file touch the device; nothing probes it otherwise.
// The byte layouts are libs/fwcfg's.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "fwcfg/fwcfg.h"

namespace fw_cfg {

// The directory entry of the file named `name` ("opt/osprey/overlay"). ENODEV when no
// fw_cfg device answers, ENOENT when it has no such file, EINVAL when its directory is
// malformed, EIO when a DMA transfer fails, ENOMEM.
Result<fwcfg::File> find_file(std::string_view name);

// Reads the first into.size() bytes of item `key` into `into`, which must be kernel heap
// or frame memory (direct-mapped: the device writes it by physical address). Through DMA
// when the device has it, else byte by byte through the data port. EIO when the device
// reports an error, EFAULT for memory outside the direct map, EINVAL for 4 GiB or more,
// ENODEV without a device. Heap memory is physically contiguous (its pages come from
// frames::allocate_frames), so one transfer fills it.
Result<void> read(u16 key, std::span<u8> into);

}  // namespace fw_cfg
