#include "image/cache_directory.h"

#include <cstdlib>

namespace osprey {

std::string osprey_cache_directory() {
    const char* xdg = std::getenv("XDG_CACHE_HOME");
    if (xdg && xdg[0] == '/') return std::string(xdg) + "/osprey";
    const char* home = std::getenv("HOME");
    if (home && home[0] == '/') return std::string(home) + "/.cache/osprey";
    return "";
}

}  // namespace osprey
