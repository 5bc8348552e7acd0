#include "fs/fd_table.h"

#include <new>

#include "fs/inode_file.h"
#include "fs/locks.h"

namespace fs {

namespace {
// POSIX record locks belong to the descriptor table: closing any descriptor of a file drops
// the ones it holds on that file, however many other descriptors still refer to it.
void release_posix_locks(FdTable& table, File* closed) {
    if (auto* inode_file = closed ? as_inode_file(*closed) : nullptr) release_on(inode_file->inode(), &table);
}
}  // namespace

Result<RefPtr<File>> FdTable::get(int fd) {
    if (fd < 0 || fd >= kMaxDescriptors) return Error(EBADF);
    IrqSpinLockGuard guard(m_lock);
    if (!m_entries[fd].file) return Error(EBADF);
    return m_entries[fd].file;
}

void FdTable::set_limit(u64 limit) {
    int bounded = limit < static_cast<u64>(kMaxDescriptors) ? static_cast<int>(limit) : kMaxDescriptors;
    __atomic_store_n(&m_limit, bounded, __ATOMIC_RELAXED);
}

Result<int> FdTable::allocate(RefPtr<File> file, bool cloexec, int min_fd) {
    int end = limit();
    if (min_fd < 0) return Error(EINVAL);
    IrqSpinLockGuard guard(m_lock);
    for (int fd = min_fd; fd < end; fd++) {
        if (m_entries[fd].file) continue;
        m_entries[fd].file = file;
        m_entries[fd].cloexec = cloexec;
        if (fd >= m_end) m_end = fd + 1;
        return fd;
    }
    return Error(EMFILE);
}

Result<void> FdTable::install_at(int fd, RefPtr<File> file, bool cloexec) {
    if (fd < 0 || fd >= limit()) return Error(EBADF);
    RefPtr<File> previous;  // released after the lock: closing may do work
    {
        IrqSpinLockGuard guard(m_lock);
        previous = m_entries[fd].file;
        m_entries[fd].file = file;
        m_entries[fd].cloexec = cloexec;
        if (fd >= m_end) m_end = fd + 1;
    }
    release_posix_locks(*this, previous.get());
    return {};
}

Result<void> FdTable::close(int fd) {
    if (fd < 0 || fd >= kMaxDescriptors) return Error(EBADF);
    RefPtr<File> previous;
    {
        IrqSpinLockGuard guard(m_lock);
        if (!m_entries[fd].file) return Error(EBADF);
        previous = m_entries[fd].file;
        m_entries[fd].file = nullptr;
    }
    release_posix_locks(*this, previous.get());
    return {};
}

Result<bool> FdTable::cloexec(int fd) {
    if (fd < 0 || fd >= kMaxDescriptors) return Error(EBADF);
    IrqSpinLockGuard guard(m_lock);
    if (!m_entries[fd].file) return Error(EBADF);
    return m_entries[fd].cloexec;
}

int FdTable::next_open(int from) {
    IrqSpinLockGuard guard(m_lock);
    for (int fd = from < 0 ? 0 : from; fd < m_end; fd++)
        if (m_entries[fd].file) return fd;
    return -1;
}

Result<void> FdTable::set_cloexec(int fd, bool cloexec) {
    if (fd < 0 || fd >= kMaxDescriptors) return Error(EBADF);
    IrqSpinLockGuard guard(m_lock);
    if (!m_entries[fd].file) return Error(EBADF);
    m_entries[fd].cloexec = cloexec;
    return {};
}

Result<FdTable*> FdTable::copy() {
    auto* table = new (std::nothrow) FdTable;
    if (!table) return Error(ENOMEM);
    table->m_limit = limit();
    IrqSpinLockGuard guard(m_lock);
    for (int fd = 0; fd < m_end; fd++) table->m_entries[fd] = m_entries[fd];
    table->m_end = m_end;
    return table;
}

void FdTable::close_on_exec() {
    int end;
    {
        IrqSpinLockGuard guard(m_lock);
        end = m_end;
    }
    for (int fd = 0; fd < end; fd++) {
        bool close_it;
        {
            IrqSpinLockGuard guard(m_lock);
            close_it = m_entries[fd].file && m_entries[fd].cloexec;
        }
        if (close_it) (void)close(fd);
    }
}

void FdTable::close_range(int first, int last) {
    if (first < 0) first = 0;
    {
        IrqSpinLockGuard guard(m_lock);
        if (last >= m_end) last = m_end - 1;  // nothing was ever open beyond
    }
    for (int fd = first; fd <= last; fd++) (void)close(fd);
}

}  // namespace fs
