#include "fs/eventfd.h"

#include <new>

#include "sync/wait_queue.h"

namespace fs {

namespace {

constexpr u64 kMax = 0xfffffffffffffffeull;

class EventFd final : public File {
public:
    EventFd(u64 initial, u32 flags) : File(O_RDWR | (flags & O_NONBLOCK)), m_count(initial), m_semaphore(flags & EFD_SEMAPHORE) {}
    const char* kind() const override { return "eventfd"; }

    Result<usize> read(const IoBuffer& buffer) override {
        if (buffer.length < 8) return Error(EINVAL);
        u64 value = 0;
        // Runs under the queue's lock: takes the count (or one) when there is any.
        auto take = [&] {
            if (m_count == 0) return false;
            value = m_semaphore ? 1 : m_count;
            m_count -= value;
            return true;
        };
        if (nonblocking()) {
            if (!m_changed.locked(take)) return Error(EAGAIN);
        } else {
            TRY(m_changed.wait_interruptible(take));
        }
        m_changed.wake_all();
        notify_observers(poll_events() & (POLLOUT | POLLWRNORM));  // a read frees room: writers' edge only
        // The value is gone from the counter even if the copy faults, as on Linux.
        TRY(buffer.copy_out(0, &value, 8));
        return 8;
    }

    Result<usize> write(const IoBuffer& buffer) override {
        if (buffer.length < 8) return Error(EINVAL);
        u64 value;
        TRY(buffer.copy_in(0, &value, 8));
        if (value == ~0ull) return Error(EINVAL);
        auto add = [&] {
            if (kMax - m_count < value) return false;
            m_count += value;
            return true;
        };
        if (nonblocking()) {
            if (!m_changed.locked(add)) return Error(EAGAIN);
        } else {
            TRY(m_changed.wait_interruptible(add));
        }
        m_changed.wake_all();
        notify_observers(poll_events() & (POLLIN | POLLRDNORM));
        return 8;
    }

    u32 poll_events() override {
        return m_changed.locked([&] {
            u32 events = 0;
            if (m_count > 0) events |= POLLIN | POLLRDNORM;
            if (m_count < kMax) events |= POLLOUT | POLLWRNORM;
            return events;
        });
    }

private:
    WaitQueue m_changed;
    u64 m_count;  // guarded by m_changed's lock
    bool m_semaphore;
};

}  // namespace

Result<RefPtr<File>> create_eventfd(u64 initial, u32 flags) {
    if (flags & ~(EFD_SEMAPHORE | EFD_CLOEXEC | EFD_NONBLOCK)) return Error(EINVAL);
    auto* file = new (std::nothrow) EventFd(initial, flags);
    if (!file) return Error(ENOMEM);
    return RefPtr<File>::adopt(file);
}

}  // namespace fs
