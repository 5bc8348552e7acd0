// Whole-file reads and writes for the interop program (the file it serves, what it
// fetches, what it is sent). Errors are the errno of the call that failed.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "base/result.h"
#include "base/types.h"

namespace interop {

Result<std::vector<u8>> read_file(const std::string& path);
// Replaces the file: written beside it and renamed, so a reader never sees half of it.
Result<void> write_file(const std::string& path, std::span<const u8> bytes);

}  // namespace interop
