// Physical memory as the kernel reads firmware tables (ACPI, the MP table): through the
// direct map. Firmware keeps its tables in memory the map calls ACPI or RAM, which the
// direct map covers, but also in "reserved" memory (SeaBIOS on pc and q35 puts the RSDP at
// 0xf5xxx and the tables in its reserved zone below the top of RAM), which it leaves out:
// such pages are added to the direct map read-only as they are viewed, and stay there for
// later readers of the tables.
#pragma once

#include "boot/pvh.h"

namespace physical_view {

// Needs the kernel's page tables (memory::init).
const boot::PhysicalMemory& direct_map();

}  // namespace physical_view
