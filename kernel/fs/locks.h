// Advisory file locks: flock(2) and open-file-description (OFD) record locks, both owned by
// an open file (not a process), so they conflict between descriptions even in one process.
// Classic POSIX record locks (F_SETLK) belong to the process: with one process they never
// conflict and are answered in linux/sys_io.cc without this table.
#pragma once

#include "fs/file.h"

namespace fs {

class Inode;

enum class LockSpace : u8 { Flock, Ofd };

struct LockRequest {
    LockSpace space;
    bool write;
    u64 start;
    u64 end;  // exclusive; ~0 = to the end of the file
};

// Takes a lock for `owner` (replacing what it held on the overlapping range); EAGAIN when
// it conflicts and wait is false, else sleeps (EINTR-restartable) until it can.
Result<void> lock(Inode& inode, File& owner, const LockRequest& request, bool wait);
void unlock(Inode& inode, File& owner, LockSpace space, u64 start, u64 end);
// The first lock of another owner that conflicts with the request, if any.
bool find_conflict(Inode& inode, File& owner, const LockRequest& request, LockRequest& conflict);
// Drops every lock of an open file (on its last close).
void release_all(File& owner);

}  // namespace fs
