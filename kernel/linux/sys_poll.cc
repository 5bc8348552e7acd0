// poll, ppoll, select and pselect6: readiness of several descriptors at once. Each polled
// file gets an observer that wakes this thread when its readiness may have changed; the
// events are then read again from the files themselves.
#include <new>

#include "arch/x86_64/cpu.h"
#include "fs/fd_table.h"
#include "linux/abi_types.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "linux/temporary_mask.h"
#include "sched/clock.h"
#include "sync/wait_queue.h"

namespace linux_abi {

using proc::Process;

namespace {

constexpr u32 kAlwaysReported = fs::POLLERR | fs::POLLHUP | fs::POLLNVAL;
constexpr usize kMaxPoll = 4096;

struct PollFd {
    i32 fd;
    i16 events;
    i16 revents;
};

struct Waiting {
    WaitQueue queue{"poll waiter"};
    u64 generation = 0;  // guarded by queue's lock; bumped by every notification
};

struct Entry {
    fs::PollObserver observer;
    RefPtr<fs::File> file;
};

void on_change(fs::PollObserver& observer, u32) {
    auto* waiting = static_cast<Waiting*>(observer.context);
    waiting->queue.locked([&] { waiting->generation++; });
    waiting->queue.wake_all();
}

// The shared engine: `check` fills in results and returns how many are ready. deadline:
// TSC, 0 forever, ~0 do not wait.
template <typename Check>
Result<u64> wait_for(Entry* entries, usize count, u64 deadline_tsc, Check&& check) {
    Waiting waiting;
    for (usize i = 0; i < count; i++) {
        if (!entries[i].file) continue;
        entries[i].observer.notify = on_change;
        entries[i].observer.context = &waiting;
        entries[i].file->add_observer(entries[i].observer);
    }
    Result<u64> result(0);
    for (;;) {
        u64 seen = waiting.queue.locked([&] { return waiting.generation; });
        u64 ready = check();
        if (ready || deadline_tsc == ~0ull) {
            result = Result<u64>(ready);
            break;
        }
        auto waited = waiting.queue.wait_interruptible([&] { return waiting.generation != seen; }, deadline_tsc);
        if (waited.is_error()) {
            // Timed out: one last look. Interrupted: EINTR (poll and select are not
            // restarted after a handler, as on Linux).
            result = waited.error() == ETIMEDOUT ? Result<u64>(check()) : Result<u64>(Error(EINTR));
            break;
        }
    }
    for (usize i = 0; i < count; i++)
        if (entries[i].file) entries[i].file->remove_observer(entries[i].observer);
    return result;
}

Result<u64> timeout_deadline(i64 ms) {
    if (ms < 0) return 0;
    if (ms == 0) return ~0ull;
    return ktime::deadline_after_ns(static_cast<u64>(ms) * 1000000);
}

Result<u64> do_poll(UserPtr<PollFd> user_fds, u64 count, u64 deadline) {
    if (count > kMaxPoll) return Error(EINVAL);
    auto* fds = new (std::nothrow) PollFd[count ? count : 1];
    auto* entries = new (std::nothrow) Entry[count ? count : 1];
    if (!fds || !entries) {
        delete[] fds;
        delete[] entries;
        return Error(ENOMEM);
    }
    struct Free {
        PollFd* f;
        Entry* e;
        ~Free() {
            delete[] f;
            delete[] e;
        }
    } free_all{fds, entries};
    TRY(user_fds.read_array(fds, count));
    auto& table = Process::current().fds();
    for (u64 i = 0; i < count; i++) {
        if (fds[i].fd < 0) continue;
        auto file = table.get(fds[i].fd);
        if (file.is_ok()) entries[i].file = file.value();
    }
    u64 ready = TRY(wait_for(entries, count, deadline, [&] {
        u64 n = 0;
        for (u64 i = 0; i < count; i++) {
            fds[i].revents = 0;
            if (fds[i].fd < 0) continue;
            u32 events = entries[i].file ? entries[i].file->poll_events() : fs::POLLNVAL;
            fds[i].revents = static_cast<i16>(events & (static_cast<u16>(fds[i].events) | kAlwaysReported));
            if (fds[i].revents) n++;
        }
        return n;
    }));
    TRY(user_fds.write_array(fds, count));
    return ready;
}

// select: three bit sets over descriptors [0, nfds).
Result<u64> do_select(int nfds, UserPtr<u64> read_set, UserPtr<u64> write_set, UserPtr<u64> except_set, u64 deadline) {
    if (nfds < 0 || nfds > fs::FdTable::kMaxDescriptors) return Error(EINVAL);
    constexpr usize kWords = fs::FdTable::kMaxDescriptors / 64;
    u64 in[3][kWords] = {}, out[3][kWords] = {};
    UserPtr<u64> sets[3] = {read_set, write_set, except_set};
    usize words = (static_cast<usize>(nfds) + 63) / 64;
    for (int s = 0; s < 3; s++)
        if (!sets[s].is_null()) TRY(sets[s].read_array(in[s], words));
    auto* entries = new (std::nothrow) Entry[nfds ? nfds : 1];
    if (!entries) return Error(ENOMEM);
    struct Free {
        Entry* e;
        ~Free() { delete[] e; }
    } free_entries{entries};
    auto& table = Process::current().fds();
    for (int fd = 0; fd < nfds; fd++) {
        bool wanted = false;
        for (int s = 0; s < 3; s++) wanted |= (in[s][fd / 64] >> (fd % 64)) & 1;
        if (!wanted) continue;
        entries[fd].file = TRY(table.get(fd));  // EBADF for a closed descriptor in a set
    }
    u64 ready = TRY(wait_for(entries, static_cast<usize>(nfds), deadline, [&] {
        u64 n = 0;
        for (int s = 0; s < 3; s++)
            for (usize w = 0; w < words; w++) out[s][w] = 0;
        for (int fd = 0; fd < nfds; fd++) {
            if (!entries[fd].file) continue;
            u32 events = entries[fd].file->poll_events();
            bool hits[3] = {(events & (fs::POLLIN | fs::POLLHUP | fs::POLLERR)) != 0,
                            (events & (fs::POLLOUT | fs::POLLERR)) != 0, (events & fs::POLLPRI) != 0};
            for (int s = 0; s < 3; s++) {
                if (((in[s][fd / 64] >> (fd % 64)) & 1) && hits[s]) {
                    out[s][fd / 64] |= 1ull << (fd % 64);
                    n++;
                }
            }
        }
        return n;
    }));
    for (int s = 0; s < 3; s++)
        if (!sets[s].is_null()) TRY(sets[s].write_array(out[s], words));
    return ready;
}

// ppoll/pselect6: a temporary signal mask for the wait (linux/temporary_mask.h).
template <typename Call>
Result<u64> with_mask(UserPtr<u64> user_mask, Call&& call) {
    if (user_mask.is_null()) return call();
    u64 mask = TRY(user_mask.read());
    return with_temporary_mask(mask, call);
}

}  // namespace

// Linux takes nfds as an unsigned int; Osprey checks all 64 bits against its limit.
Result<u64> sys_poll(UserPtr<PollFd> fds, u64 count, int timeout_ms) {
    return do_poll(fds, count, TRY(timeout_deadline(timeout_ms)));
}

Result<u64> sys_ppoll(UserPtr<PollFd> fds, u64 count, UserPtr<Timespec> timeout, UserPtr<u64> mask, u64 mask_size) {
    u64 deadline = TRY(relative_timeout_deadline(timeout.address()));
    if (!mask.is_null() && mask_size != sizeof(u64)) return Error(EINVAL);
    return with_mask(mask, [&] { return do_poll(fds, count, deadline); });
}

namespace {
struct SelectTimeval {
    i64 tv_sec, tv_usec;
};
// pselect6's sixth argument: the mask and its size, in one structure.
struct SigsetArgument {
    u64 mask;
    u64 size;
};
}  // namespace

Result<u64> sys_select(int nfds, UserPtr<u64> read_set, UserPtr<u64> write_set, UserPtr<u64> except_set,
                       UserPtr<SelectTimeval> timeout) {
    u64 deadline = 0;
    if (!timeout.is_null()) {
        SelectTimeval tv = TRY(timeout.read());
        if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000) return Error(EINVAL);
        u64 ns = static_cast<u64>(tv.tv_sec) * 1000000000 + static_cast<u64>(tv.tv_usec) * 1000;
        deadline = ns ? cpu::rdtsc() + ktime::ns_to_tsc(ns) : ~0ull;
    }
    return do_select(nfds, read_set, write_set, except_set, deadline);
}

Result<u64> sys_pselect6(int nfds, UserPtr<u64> read_set, UserPtr<u64> write_set, UserPtr<u64> except_set,
                         UserPtr<Timespec> timeout, UserPtr<SigsetArgument> sigset) {
    u64 deadline = TRY(relative_timeout_deadline(timeout.address()));
    UserPtr<u64> mask;
    if (!sigset.is_null()) {
        SigsetArgument sigset_arg = TRY(sigset.read());
        if (sigset_arg.mask && sigset_arg.size != sizeof(u64)) return Error(EINVAL);
        mask = UserPtr<u64>(sigset_arg.mask);
    }
    return with_mask(mask, [&] { return do_select(nfds, read_set, write_set, except_set, deadline); });
}

OSPREY_CALLS(poll, ppoll, select, pselect6)

}  // namespace linux_abi
