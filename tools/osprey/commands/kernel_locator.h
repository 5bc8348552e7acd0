// Finding the Osprey kernel image a command boots.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace osprey {

struct KernelSearch {
    std::optional<std::string> found;
    std::vector<std::string> tried;
};

// --kernel if given, else $OSPREY_KERNEL, else osprey.elf beside the osprey executable
// (the build tree), else ../lib/osprey/osprey.elf relative to it (an installed tree).
KernelSearch locate_kernel(const std::optional<std::string>& explicit_path);

}  // namespace osprey
