// signalfd: a descriptor that reads pending signals of its mask as signalfd_siginfo
// records instead of running handlers, and is readable (poll, epoll) while one waits.
#pragma once

#include "fs/file.h"

namespace signalfd {

// The file, or (when `existing` is one) the same file with a new mask.
Result<RefPtr<fs::File>> create(u64 mask, u32 flags);
Result<void> set_mask(fs::File& file, u64 mask);
bool is_signalfd(fs::File& file);

// A signal was queued: wakes the watchers of every signalfd whose mask holds it. Called
// without the signal lock.
void signal_queued(int sig);

}  // namespace signalfd
