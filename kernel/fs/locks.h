// Advisory file locks: flock(2), and fcntl record locks of both kinds.
//
// Each lock has an owner. flock and open-file-description (OFD) locks belong to an open
// file, so they conflict between descriptions even within one process. Classic POSIX
// record locks (F_SETLK) belong to the process, which Linux identifies by its descriptor
// table: the fs::FdTable is their owner here, and closing any of the process's descriptors
// of a file drops its POSIX locks on that file (fs/fd_table.cc). POSIX and OFD locks live
// in one space (LockSpace::Record) and conflict with each other whenever their owners
// differ; flock locks are apart and never meet them. The range logic is libs/fs/lock_range.
#pragma once

#include "fs/file.h"

namespace fs {

class Inode;

enum class LockSpace : u8 { Flock, Record };

struct LockRequest {
    LockSpace space;
    bool write;
    u64 start;
    u64 end;       // exclusive; ~0 = to the end of the file
    i32 pid = -1;  // the holder as F_GETLK reports it: the process of a POSIX lock, -1 for OFD
};

// Takes a lock for `owner` (an open file or an FdTable), replacing what the owner held on
// the range and joining its adjacent locks of the same kind; EAGAIN when it conflicts and
// wait is false, else sleeps (EINTR-restartable) until it can. ENOLCK without memory.
Result<void> lock(Inode& inode, const void* owner, const LockRequest& request, bool wait);
// Clears [start, end) of the owner's locks, splitting a lock it cuts through.
Result<void> unlock(Inode& inode, const void* owner, LockSpace space, u64 start, u64 end);
// The first lock of another owner that conflicts with the request, if any.
bool find_conflict(Inode& inode, const void* owner, const LockRequest& request, LockRequest& conflict);
// The owner's own first lock overlapping [start, end), if any (F_OFD_GETLK with F_UNLCK).
bool find_own(Inode& inode, const void* owner, LockSpace space, u64 start, u64 end, LockRequest& found);
// Drops every lock of an owner (an open file's on its last close).
void release_all(const void* owner);
// Drops the owner's locks on one inode (POSIX locks when the process closes a descriptor).
void release_on(Inode& inode, const void* owner);

}  // namespace fs
