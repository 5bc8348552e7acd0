// virtio over MMIO, version 2 (virtio 1.2, 4.2): microvm's devices, listed on the kernel
// command line (virtio_mmio.device=...). Legacy (version 1) devices are refused: QEMU
// gives version 2 when started with -global virtio-mmio.force-legacy=false, which the
// host tool passes.
#pragma once

#include "cmdline/cmdline.h"

namespace virtio {

// Probes every virtio_mmio.device on the command line and hands each to its driver.
void probe_mmio_devices(const cmdline::CommandLine& cmdline);

}  // namespace virtio
