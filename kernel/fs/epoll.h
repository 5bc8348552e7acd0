// epoll(7): an interest list of (fd, file) pairs and a ready list filled by the files'
// readiness notifications; level-triggered, edge-triggered (EPOLLET) and EPOLLONESHOT.
#pragma once

#include "fs/file.h"

namespace fs {

constexpr u32 EPOLLIN = 0x001, EPOLLPRI = 0x002, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010,
              EPOLLRDNORM = 0x040, EPOLLWRNORM = 0x100, EPOLLRDHUP = 0x2000, EPOLLEXCLUSIVE = 1u << 28,
              EPOLLWAKEUP = 1u << 29, EPOLLONESHOT = 1u << 30, EPOLLET = 1u << 31;
constexpr int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2, EPOLL_CTL_MOD = 3;

struct [[gnu::packed]] EpollEvent {
    u32 events;
    u64 data;
};
static_assert(sizeof(EpollEvent) == 12);

Result<RefPtr<File>> create_epoll(u32 flags);
bool is_epoll(File& file);
Result<void> epoll_ctl(File& epoll, int op, int fd, RefPtr<File> target, const EpollEvent& event);
// Waits for events until the TSC deadline (0: forever; ~0: do not wait); returns how many
// were written to `out` (user memory, `max` entries). EINTR on a signal.
Result<usize> epoll_wait(File& epoll, u64 out, usize max, u64 deadline_tsc);

}  // namespace fs
