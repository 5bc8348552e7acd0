// /dev: the character devices every program expects (null, zero, full, random, urandom,
// tty, console), the console's serial lines (ttyS1..3, pts/0) that /proc/self/fd names for
// fds 0..2, the stdin/stdout/stderr and fd links into /proc/self/fd, and empty pts/ and
// shm/ directories (a tmpfs goes on /dev/shm); and the disks, vda, vdb... (devfs_block.h).
//
// Devices read and write as Linux's do: null reads EOF and swallows writes; zero reads
// zeros; full reads zeros and fails writes with ENOSPC; random and urandom read the kernel
// generator (never blocking) and mix what is written into it. /dev/tty is the console when
// the host's stdin or stdout is a terminal, else ENXIO (no controlling terminal).
#pragma once

#include <string_view>

#include "base/result.h"

namespace devfs {

// Creates the device file system and mounts it on `path`, an existing directory ("/dev").
// Mount it before the tmpfs on /dev/shm, whose mount point it provides.
Result<void> mount_at(std::string_view path);

}  // namespace devfs
