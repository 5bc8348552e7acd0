// What the host needs to know about a kernel image before booting it.
#pragma once

#include <string>

#include "base/types.h"

namespace osprey {

struct KernelImage {
    u64 physical_end = 0;  // the highest physical byte the loader fills, plus one
};

// Reads and checks the kernel ELF. Returns false with a message for the user in `error`.
bool inspect_kernel(const std::string& path, KernelImage& image, std::string& error);

// The smallest guest memory (MiB) this kernel boots in.
u64 minimum_memory_mib(const KernelImage& image);

}  // namespace osprey
