// ACPI, as far as powering off and interrupt routing need it: at boot, find the FADT's PM1
// control blocks and the DSDT's \_S5_ sleep types (libs/acpi), and the MADT (I/O APICs
// and ISA interrupt overrides); at the end, enter S5. This is how pc and q35 power off
// without isa-debug-exit, and how clouds will.
#pragma once

#include "acpi/madt.h"
#include "base/types.h"

namespace acpi {

// Reads the tables once paging is up, through the direct map; table pages outside it
// (firmware often keeps them in reserved memory) are added to it read-only. rsdp_paddr 0
// means the loader gave none: the BIOS area is scanned for it. A machine without S5 (e.g. microvm, whose
// ACPI is hardware-reduced) is fine: power_off() then returns false.
void init(u64 rsdp_paddr);

// The MADT read by init(), or nullptr when the machine has none (microvm with acpi=off).
const Madt* madt();

// Enters S5 (soft off), first handing the hardware to the OS through SMI_CMD if it is
// not yet in ACPI mode. Returns false when there is no S5 or the machine still runs a
// moment later, so the caller can try its next method. Call with interrupts disabled.
bool power_off();

}  // namespace acpi
