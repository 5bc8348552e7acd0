// eventfd(2): a 64-bit counter readable as a file; with EFD_SEMAPHORE reads take 1.
#pragma once

#include "fs/file.h"

namespace fs {

constexpr u32 EFD_SEMAPHORE = 1, EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = O_NONBLOCK;
Result<RefPtr<File>> create_eventfd(u64 initial, u32 flags);

}  // namespace fs
