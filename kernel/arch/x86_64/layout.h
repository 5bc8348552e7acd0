// The kernel's virtual address layout. One address space for kernel and application:
// the application lives in the lower half, the kernel in the upper half.
//
//   0x0000000000000000 - 0x00007fffffffffff  application (ring 3)
//   0xffff800000000000 - ...                  direct map of all physical memory (NX)
//   0xffffc00000000000 - ...                  kernel stacks, each below an unmapped guard
//   0xffffffff80000000 + phys                 the kernel image (-mcmodel=kernel)
#pragma once

#include "base/types.h"

namespace layout {

constexpr u64 kPageSize = 4096;
constexpr u64 kLargePageSize = 2 * MiB;
constexpr u64 kKernelVirtualBase = 0xffffffff80000000;
constexpr u64 kKernelPhysicalBase = 0x200000;
constexpr u64 kDirectMapBase = 0xffff800000000000;
constexpr u64 kDirectMapLimit = 64ull << 40;  // up to 64 TiB of RAM
constexpr u64 kKernelStacksBase = 0xffffc00000000000;
constexpr u64 kKernelStacksLimit = 0xffffc08000000000;  // 512 GiB of stack address space

inline void* phys_to_virt(u64 phys) { return reinterpret_cast<void*>(phys + kDirectMapBase); }
inline u64 virt_to_phys_direct(const void* virt) {
    return reinterpret_cast<u64>(virt) - kDirectMapBase;
}
inline u64 kernel_image_to_phys(const void* virt) {
    return reinterpret_cast<u64>(virt) - kKernelVirtualBase;
}
inline bool is_direct_mapped(u64 virt) {
    return virt >= kDirectMapBase && virt < kDirectMapBase + kDirectMapLimit;
}

}  // namespace layout

// Symbols from the linker script.
extern "C" char __kernel_start[], __text_end[], __rodata_start[], __rodata_end[];
extern "C" char __data_start[], __bss_start[], __bss_end[], __kernel_end[];
extern "C" char __ksyms_start[], __ksyms_end[];
