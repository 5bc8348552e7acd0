// Device discovery at boot: the I/O APICs, the PCI buses, and the virtio devices on PCI and
// on the command line (virtio-mmio), each handed to its driver. On a machine with none of
// them (microvm without devices) this costs a few port reads.
#pragma once

#include "cmdline/cmdline.h"

namespace devices {

// After ACPI (the MADT), the local APIC and the scheduler; before the application starts.
void init(const cmdline::CommandLine& cmdline);

}  // namespace devices
