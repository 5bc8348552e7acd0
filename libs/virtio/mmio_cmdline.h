// The virtio-mmio devices a boot loader lists on the kernel command line, in Linux's form
// (Documentation/admin-guide/kernel-parameters.txt, virtio_mmio.device):
//
//   virtio_mmio.device=<size>@<baseaddr>:<irq>[:<id>]     e.g. 512@0xfeb00e00:12
//
// QEMU's microvm appends one such word per device when started with acpi=off.
#pragma once

#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace virtio {

constexpr std::string_view kMmioCmdlineKey = "virtio_mmio.device";

struct MmioDeviceSpec {
    u64 base;
    u64 size;
    u32 irq;
};

// EINVAL for anything that is not SIZE@BASE:IRQ[:ID] with a non-zero size, a base that
// does not wrap with it, and an IRQ below 256.
Result<MmioDeviceSpec> parse_mmio_device(std::string_view text);

}  // namespace virtio
