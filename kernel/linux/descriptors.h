// The calling process's descriptor table, and what an open file's mode lets the system
// calls that take descriptors do with it.
#pragma once

#include "fs/fd_table.h"
#include "proc/process.h"

namespace linux_abi {

inline fs::FdTable& fds() { return proc::Process::current().fds(); }

// An O_PATH descriptor neither reads nor writes (EBADF, as on Linux).
inline bool readable(const fs::File& file) {
    return (file.status_flags() & fs::O_ACCMODE) != fs::O_WRONLY && !(file.status_flags() & fs::O_PATH);
}
inline bool writable(const fs::File& file) {
    return (file.status_flags() & fs::O_ACCMODE) != fs::O_RDONLY && !(file.status_flags() & fs::O_PATH);
}

}  // namespace linux_abi
