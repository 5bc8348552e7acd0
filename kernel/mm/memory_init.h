// Bringing up memory management from the PVH memory map.
#pragma once

#include "base/result.h"
#include "boot/pvh.h"

namespace memory {

// Frees all usable RAM that the boot did not hand over (start_info, memory map, command
// line, modules) and that the kernel image does not occupy; builds the kernel's final page
// tables. Runs on the boot stack while only the first GiB is mapped.
Result<void> init(const boot::BootInfo& info);

// Usable RAM at boot (after reservations), in bytes.
u64 usable_bytes();

}  // namespace memory
