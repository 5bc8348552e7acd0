// A process's file descriptors: small integers naming open files, each with its
// close-on-exec flag. The lowest free number is always handed out, as POSIX requires.
#pragma once

#include "fs/file.h"

namespace fs {

class FdTable {
public:
    // The table's size: the highest RLIMIT_NOFILE there can be (Linux's sysctl nr_open).
    static constexpr int kMaxDescriptors = 1024;

    // The owner's soft RLIMIT_NOFILE: new descriptors are below it (those above it that
    // were open before it was lowered stay usable, as on Linux). Set by the process.
    void set_limit(u64 limit);
    int limit() const { return __atomic_load_n(&m_limit, __ATOMIC_RELAXED); }

    Result<RefPtr<File>> get(int fd);
    // The lowest free descriptor >= min_fd below the limit; EMFILE when none.
    Result<int> allocate(RefPtr<File> file, bool cloexec, int min_fd = 0);
    // dup2/dup3: installs at exactly `fd`, closing what was there; EBADF past the limit.
    Result<void> install_at(int fd, RefPtr<File> file, bool cloexec);
    Result<void> close(int fd);
    Result<bool> cloexec(int fd);
    // The lowest open descriptor >= from; -1 when none (/proc/<pid>/fd's listing).
    int next_open(int from);
    Result<void> set_cloexec(int fd, bool cloexec);
    // Closes [first, last] (close_range).
    void close_range(int first, int last);
    // fork: a new table with the same descriptors (the same open files) and flags. ENOMEM.
    Result<FdTable*> copy();
    // execve: closes the close-on-exec descriptors.
    void close_on_exec();

private:
    struct Entry {
        RefPtr<File> file;
        bool cloexec = false;
    };
    int m_limit = kMaxDescriptors;  // atomic: read without m_lock
    IrqSpinLock m_lock{"fd table"};  // guards m_entries and m_end
    Entry m_entries[kMaxDescriptors];
    // One past the highest descriptor ever installed: fork's copy and a process's last
    // close_range stop there instead of walking all 1,024 entries (most programs use a few).
    int m_end = 0;
};

}  // namespace fs
