#include "fs/file.h"

#include <cstring>

#include "fs/inode.h"
#include "mm/user_memory.h"

namespace fs {

Result<void> IoBuffer::copy_out(usize offset, const void* src, usize n) const {
    if (offset > length || n > length - offset) return Error(EFAULT);
    if (user) return user_memory::copy_to(address + offset, src, n);
    memcpy(reinterpret_cast<u8*>(address) + offset, src, n);
    return {};
}

Result<void> IoBuffer::copy_in(usize offset, void* dst, usize n) const {
    if (offset > length || n > length - offset) return Error(EFAULT);
    if (user) return user_memory::copy_from(dst, address + offset, n);
    memcpy(dst, reinterpret_cast<const u8*>(address) + offset, n);
    return {};
}

Result<void> IoBuffer::fault_in(usize offset, usize n, bool for_copy_out) const {
    if (offset > length || n > length - offset) return Error(EFAULT);
    if (!user) return {};
    return user_memory::fault_in(address + offset, n, for_copy_out);
}

Result<usize> File::read(const IoBuffer&) { return Error(EINVAL); }
Result<usize> File::write(const IoBuffer&) { return Error(EINVAL); }
Result<u64> File::ioctl(u32, u64) { return Error(ENOTTY); }

RefPtr<Inode> File::reopen_target() { return nullptr; }

Result<void> File::stat(Stat& out) {
    out = {};
    out.st_dev = 14;  // anon_inodefs
    out.st_ino = reinterpret_cast<u64>(this) >> 4;
    out.st_nlink = 1;
    out.st_mode = 0600;
    out.st_blksize = 4096;
    return {};
}

File::~File() {
    // Observers that outlive the file (epoll sets) drop it now, as Linux drops a closed
    // file from every epoll set.
    for (;;) {
        PollObserver* observer;
        {
            IrqSpinLockGuard guard(m_observers_lock);
            observer = m_observers.pop_front();
        }
        if (!observer) break;
        if (observer->closing) observer->closing(*observer);
    }
}

void File::add_observer(PollObserver& observer) {
    {
        IrqSpinLockGuard guard(m_observers_lock);
        m_observers.push_back(observer);
    }
    observers_changed(+1);
}

void File::remove_observer(PollObserver& observer) {
    {
        IrqSpinLockGuard guard(m_observers_lock);
        m_observers.remove(observer);
    }
    observers_changed(-1);
}

void File::notify_observers(u32 events) {
    IrqSpinLockGuard guard(m_observers_lock);
    m_observers.for_each([&](PollObserver& o) { o.notify(o, events); });
}

}  // namespace fs
