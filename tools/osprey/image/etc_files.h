// The few /etc files programs expect, generated small and the same in every image
// (docs/cli.md, "What the program sees"). --add replaces any of them.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace osprey {

// (path, content) pairs, written with mode 0644.
const std::vector<std::pair<std::string, std::string>>& default_etc_files();

}  // namespace osprey
