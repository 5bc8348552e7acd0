// Room for code that starts in real mode: a CPU woken by a start-up IPI (SIPI) begins at
// page << 12 with only that 8-bit page number to go on, so its first instructions must
// sit in a page below 1 MiB. Which low pages are free is the memory map's to say.
#pragma once

#include <optional>

#include "boot/pvh.h"

namespace boot {

// Where real-mode code may go: above the real-mode interrupt table and BIOS data area
// (page 0), below the legacy video and ROM area at 640 KiB (SIPI vectors 0xA0-0xBF are
// reserved as well).
constexpr u64 kRealModeAreaStart = 0x1000;
constexpr u64 kRealModeAreaEnd = 0xa0000;

// The highest `pages` consecutive 4 KiB pages in that area that the memory map calls RAM,
// that no other map entry overlaps and that the boot handed nothing in (start_info, the
// command line...). nullopt when there is no such run, or the map is too fragmented to
// tell.
std::optional<u64> find_real_mode_pages(const BootInfo& info, usize pages);

}  // namespace boot
