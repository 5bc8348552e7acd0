#include "linux/signalfd.h"

#include "lib/atomic.h"
#include <new>
#include <string_view>

#include "base/intrusive_list.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "sched/thread.h"
#include "sync/spinlock.h"

namespace signalfd {

namespace {

using linux_abi::SigInfo;

constexpr u32 SFD_NONBLOCK = 04000;

// struct signalfd_siginfo (128 bytes).
struct SignalfdSiginfo {
    u32 ssi_signo;
    i32 ssi_errno;
    i32 ssi_code;
    u32 ssi_pid;
    u32 ssi_uid;
    i32 ssi_fd;
    u32 ssi_tid;
    u32 ssi_band;
    u32 ssi_overrun;
    u32 ssi_trapno;
    i32 ssi_status;
    i32 ssi_int;
    u64 ssi_ptr;
    u64 ssi_utime;
    u64 ssi_stime;
    u64 ssi_addr;
    u16 ssi_addr_lsb;
    u8 pad[46];
};
static_assert(sizeof(SignalfdSiginfo) == 128);

// The union of a siginfo after its header, in the layouts signals are sent with.
struct SenderFields {  // kill, sigqueue (then value), child
    i32 pid;
    u32 uid;
    u64 value;
};
struct TimerFields {  // POSIX timers
    i32 timer_id;
    i32 overrun;
    u64 value;
};

SignalfdSiginfo convert(const SigInfo& info) {
    SignalfdSiginfo out{};
    out.ssi_signo = static_cast<u32>(info.si_signo);
    out.ssi_errno = info.si_errno;
    out.ssi_code = info.si_code;
    constexpr int SI_TIMER = -2;
    if (info.si_code == SI_TIMER) {
        auto* timer = reinterpret_cast<const TimerFields*>(info.bytes);
        out.ssi_tid = static_cast<u32>(timer->timer_id);
        out.ssi_overrun = static_cast<u32>(timer->overrun);
        out.ssi_int = static_cast<i32>(timer->value);
        out.ssi_ptr = timer->value;
    } else if (info.si_code <= 0) {  // sent by a process: kill, sigqueue, tgkill
        auto* sender = reinterpret_cast<const SenderFields*>(info.bytes);
        out.ssi_pid = static_cast<u32>(sender->pid);
        out.ssi_uid = sender->uid;
        out.ssi_int = static_cast<i32>(sender->value);
        out.ssi_ptr = sender->value;
    } else {  // from the kernel: a fault's address, or nothing
        out.ssi_addr = info.fault.addr;
    }
    return out;
}

IrqSpinLock g_lock{"signalfd files"};  // guards g_files

class SignalFd final : public fs::File {
public:
    SignalFd(u64 mask, u32 flags) : File(fs::O_RDWR | (flags & SFD_NONBLOCK ? fs::O_NONBLOCK : 0)), m_mask(mask) {}
    const char* kind() const override { return "signalfd"; }

    Result<usize> read(const fs::IoBuffer& buffer) override {
        if (buffer.length < sizeof(SignalfdSiginfo)) return Error(EINVAL);
        usize done = 0;
        while (done + sizeof(SignalfdSiginfo) <= buffer.length) {
            SigInfo info{};
            // The first waits (unless non-blocking); the rest only take what is there.
            auto taken = signals::wait_for(mask(), info, 0, nonblocking() || done > 0);
            if (taken.is_error()) {
                if (done) break;
                return Error(taken.error() == EINTR ? ERESTARTSYS : taken.error());
            }
            SignalfdSiginfo record = convert(info);
            TRY(buffer.copy_out(done, &record, sizeof record));
            done += sizeof record;
        }
        return done;
    }

    // Readable while a signal of the mask is pending for the thread that asks.
    u32 poll_events() override {
        proc::UserContext* user = current_thread()->m_user;
        if (!user) return 0;
        return (user->pending & mask()) ? fs::POLLIN | fs::POLLRDNORM : 0;
    }

    // The mask is read without a lock (poll may ask under other locks): an atomic.
    u64 mask() const { return m_mask.load(); }
    void set(u64 mask) { m_mask.store(mask); }
    void queued(int sig) {
        if (mask() & linux_abi::sigbit(sig)) wake_watchers(fs::POLLIN | fs::POLLRDNORM);
    }

    ListNode node;

    ~SignalFd() override;

private:
    kstd::Atomic<u64> m_mask;
};

IntrusiveList<SignalFd, &SignalFd::node> g_files;  // guarded by g_lock

SignalFd::~SignalFd() {
    IrqSpinLockGuard guard(g_lock);
    g_files.remove(*this);
}

}  // namespace

Result<RefPtr<fs::File>> create(u64 mask, u32 flags) {
    auto* file = new (std::nothrow) SignalFd(mask & ~signals::kUnblockable, flags);
    if (!file) return Error(ENOMEM);
    {
        IrqSpinLockGuard guard(g_lock);
        g_files.push_back(*file);
    }
    return RefPtr<fs::File>::adopt(file);
}

bool is_signalfd(fs::File& file) { return std::string_view(file.kind()) == "signalfd"; }

Result<void> set_mask(fs::File& file, u64 mask) {
    if (!is_signalfd(file)) return Error(EINVAL);
    static_cast<SignalFd&>(file).set(mask & ~signals::kUnblockable);
    return {};
}

void signal_queued(int sig) {
    // Watchers are told under the list lock, so no file goes away meanwhile; their
    // callbacks are made for interrupt context (timers call them from there too).
    IrqSpinLockGuard guard(g_lock);
    g_files.for_each([&](SignalFd& file) { file.queued(sig); });
}

}  // namespace signalfd
