// The vDSO: a small ELF shared object built with the kernel (kernel/vdso/user/) that every
// process gets mapped, announced by AT_SYSINFO_EHDR. Its clock_gettime, gettimeofday, time,
// getcpu and clock_getres answer in user mode from the time page ("vvar"), which the kernel
// keeps current, so reading the clock costs no system call.
//
// In the address space, as Linux lays it out:
//   [vvar]  one read-only page: the time page (time/clock_page.h), the kernel's own frame
//   [vdso]  the image, read+execute, a private copy of the bytes embedded in the kernel
#pragma once

#include <span>

#include "base/result.h"
#include "base/types.h"

namespace mm {
class AddressSpace;
}

namespace vdso {

// The image as built (an ELF shared object whose first PT_LOAD starts at its first byte).
std::span<const u8> image();

// Maps [vvar][vdso] ending at `top` (page-aligned) into `memory`, backed now; returns the
// vDSO's base, the value of AT_SYSINFO_EHDR.
Result<u64> map(mm::AddressSpace& memory, u64 top);

// Copies the kernel's clock (ktime::clock_params) into the time page. Whatever changes the
// clock's numbers calls it again; readers retry across the update.
void publish_clock();

}  // namespace vdso
