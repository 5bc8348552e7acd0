// Pipes: a 64 KiB ring shared by a read end and a write end (two Files); and FIFOs, named
// pipes made by mknod(2), whose opens share one such ring while any is open.
#pragma once

#include "fs/file.h"

namespace fs {

struct PipeEnds {
    RefPtr<File> read;
    RefPtr<File> write;
};
// flags: O_NONBLOCK (both ends), O_CLOEXEC is the caller's business.
Result<PipeEnds> create_pipe(u32 flags);

class Inode;
// open(2) of a FIFO inode: O_RDONLY waits for a writer and O_WRONLY for a reader (unless
// O_NONBLOCK: then a writer without a reader is ENXIO); O_RDWR opens both sides at once.
Result<RefPtr<File>> open_fifo(Inode& inode, u32 flags);

}  // namespace fs
