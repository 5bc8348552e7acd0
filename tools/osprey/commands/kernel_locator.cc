#include "commands/kernel_locator.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace osprey {

namespace fs = std::filesystem;

KernelSearch locate_kernel(const std::optional<std::string>& explicit_path) {
    KernelSearch search;
    auto consider = [&](const fs::path& path) {
        search.tried.push_back(path.string());
        std::error_code ec;
        if (!search.found && fs::is_regular_file(path, ec)) search.found = path.string();
    };
    if (explicit_path) {
        consider(*explicit_path);
        return search;
    }
    if (const char* env = std::getenv("OSPREY_KERNEL"); env && *env) {
        consider(env);
        return search;
    }
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        consider(self.parent_path() / "osprey.elf");
        consider(self.parent_path() / ".." / "lib" / "osprey" / "osprey.elf");
    }
    return search;
}

}  // namespace osprey
