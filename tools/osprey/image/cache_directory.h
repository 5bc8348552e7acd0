// Where osprey keeps what outlives a run (the host's TSC rate, built images): the XDG base
// directory specification's cache directory.
#pragma once

#include <string>

namespace osprey {

// "$XDG_CACHE_HOME/osprey", else "$HOME/.cache/osprey"; "" when neither is an absolute path
// (a relative XDG_CACHE_HOME is ignored, as the specification says).
std::string osprey_cache_directory();

}  // namespace osprey
