// Pipes: a 64 KiB ring shared by a read end and a write end (two Files).
#pragma once

#include "fs/file.h"

namespace fs {

struct PipeEnds {
    RefPtr<File> read;
    RefPtr<File> write;
};
// flags: O_NONBLOCK (both ends), O_CLOEXEC is the caller's business.
Result<PipeEnds> create_pipe(u32 flags);

}  // namespace fs
