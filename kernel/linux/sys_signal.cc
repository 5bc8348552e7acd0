// Signal dispositions, masks, the alternate stack, and sending signals.
#include "linux/abi_types.h"
#include "proc/process.h"
#include "mm/user_memory.h"
#include "fs/fd_table.h"
#include "linux/signalfd.h"
#include "linux/signals.h"
#include "linux/syscalls.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"

namespace linux_abi {

using proc::Process;
using proc::UserContext;
using proc::current_user;

namespace {
bool valid_signal(u64 sig) { return sig >= 1 && sig <= static_cast<u64>(kSignalCount); }
}  // namespace

Result<u64> sys_rt_sigaction(SyscallArgs& args) {
    u64 sig = args[0];
    if (args[3] != sizeof(u64) || !valid_signal(sig)) return Error(EINVAL);
    KernelSigaction updated{};
    bool change = args[1] != 0;
    if (change) {
        if (sig == SIGKILL || sig == SIGSTOP) return Error(EINVAL);
        updated = TRY(args.ptr<KernelSigaction>(1).read());
    }
    Process& process = Process::current();
    KernelSigaction old;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        old = process.actions[sig];
        if (change) {
            updated.mask &= ~signals::kUnblockable;
            process.actions[sig] = updated;
        }
    }
    if (args[2]) TRY(args.ptr<KernelSigaction>(2).write(old));
    return 0;
}

Result<u64> sys_rt_sigprocmask(SyscallArgs& args) {
    if (args[3] != sizeof(u64)) return Error(EINVAL);
    int how = args.i32_arg(0);
    u64 set = 0;
    bool change = args[1] != 0;
    if (change) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) return Error(EINVAL);
        set = TRY(args.ptr<u64>(1).read());
    }
    Process& process = Process::current();
    UserContext& user = current_user();
    u64 old;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        old = user.blocked;
        if (change) {
            if (how == SIG_BLOCK) user.blocked |= set;
            if (how == SIG_UNBLOCK) user.blocked &= ~set;
            if (how == SIG_SETMASK) user.blocked = set;
            user.blocked &= ~signals::kUnblockable;
        }
    }
    if (args[2]) TRY(args.ptr<u64>(2).write(old));
    return 0;  // newly unblocked pending signals are delivered on the way out
}

Result<u64> sys_rt_sigreturn(SyscallArgs& args) { return signals::sigreturn(args.frame); }

Result<u64> sys_sigaltstack(SyscallArgs& args) {
    UserContext& user = current_user();
    StackT old = user.altstack;
    u64 sp = args.frame.rsp;
    bool on_stack = !(old.ss_flags & SS_DISABLE) && sp > old.ss_sp && sp <= old.ss_sp + old.ss_size;
    if (on_stack) old.ss_flags = SS_ONSTACK;
    if (args[0]) {
        StackT updated = TRY(args.ptr<StackT>(0).read());
        if (on_stack) return Error(EPERM);
        if (updated.ss_flags & ~(SS_DISABLE | static_cast<i32>(1u << 31))) return Error(EINVAL);  // SS_AUTODISARM tolerated
        if (updated.ss_flags & SS_DISABLE) {
            user.altstack = {0, SS_DISABLE, 0, 0};
        } else {
            if (updated.ss_size < MINSIGSTKSZ) return Error(ENOMEM);
            user.altstack = {updated.ss_sp, 0, 0, updated.ss_size};
        }
    }
    if (args[1]) TRY(args.ptr<StackT>(1).write(old));
    return 0;
}

namespace {

// kill(2)'s permission rule: root may signal anyone; others a process whose real or saved
// user id is the sender's real or effective one.
bool may_signal(const Process& sender, const Process& target) {
    if (sender.cred.euid == 0) return true;
    return sender.cred.ruid == target.cred.ruid || sender.cred.ruid == target.cred.suid ||
           sender.cred.euid == target.cred.ruid || sender.cred.euid == target.cred.suid;
}

}  // namespace

// kill: pid > 0 that process, 0 the caller's group, -1 every process but pid 1 and the
// caller, < -1 the group -pid. Signal 0 only checks that there is someone to signal.
Result<u64> sys_kill(SyscallArgs& args) {
    int pid = args.i32_arg(0);
    u64 sig = args[1];
    if (sig != 0 && !valid_signal(sig)) return Error(EINVAL);
    if (pid == INT32_MIN) return Error(ESRCH);
    Process& sender = Process::current();
    SigInfo info{};
    info.si_signo = static_cast<i32>(sig);
    info.si_code = SI_USER;
    info.kill.pid = sender.pid();
    info.kill.uid = sender.cred.ruid;
    if (pid > 0) {
        Result<void> sent{};
        TRY(Process::with_process(pid, [&](Process& target) {
            if (!may_signal(sender, target)) sent = Error(EPERM);
            else if (sig) sent = signals::send_to(target, 0, static_cast<int>(sig), info);
        }));
        TRY(sent);
        return 0;
    }
    int group = pid == 0 ? sender.pgid() : -pid;
    bool found = false, permitted = false;
    Process::for_each([&](Process& target) {
        bool chosen = pid == -1 ? (target.pid() > 1 && &target != &sender) : target.pgid_locked() == group;
        if (!chosen) return;
        found = true;
        if (!may_signal(sender, target)) return;
        permitted = true;
        if (sig) (void)signals::send_to(target, 0, static_cast<int>(sig), info);
    });
    if (!found) return Error(ESRCH);
    if (!permitted) return Error(EPERM);
    return 0;
}

Result<u64> sys_tgkill(SyscallArgs& args) {
    if (static_cast<i32>(args[0]) != Process::current().pid()) return Error(ESRCH);
    u64 tid = args[1], sig = args[2];
    if (static_cast<i64>(tid) <= 0) return Error(EINVAL);
    if (sig == 0) {
        IrqSpinLockGuard guard(Process::current().signal_lock);
        return Process::current().find_thread(static_cast<int>(tid)) ? Result<u64>(0) : Result<u64>(Error(ESRCH));
    }
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info{};
    info.si_signo = static_cast<i32>(sig);
    info.si_code = SI_TKILL;
    info.kill.pid = Process::current().pid();
    info.kill.uid = Process::current().cred.ruid;
    TRY(signals::send(static_cast<int>(tid), static_cast<int>(sig), info));
    return 0;
}

Result<u64> sys_tkill(SyscallArgs& args) {
    u64 tid = args[0], sig = args[1];
    if (static_cast<i64>(tid) <= 0) return Error(EINVAL);
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info{};
    info.si_signo = static_cast<i32>(sig);
    info.si_code = SI_TKILL;
    info.kill.pid = Process::current().pid();
    TRY(signals::send(static_cast<int>(tid), static_cast<int>(sig), info));
    return 0;
}

// sigqueue(3): a signal with a caller-chosen value. Only si_code < 0 (user-defined) may be
// sent this way, as on Linux, unless it is sent to oneself.
Result<u64> sys_rt_sigqueueinfo(SyscallArgs& args) {
    if (static_cast<i32>(args[0]) != Process::current().pid()) return Error(ESRCH);
    u64 sig = args[1];
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info = TRY(args.ptr<SigInfo>(2).read());
    if (info.si_code >= 0 || info.si_code == SI_TKILL) return Error(EPERM);
    info.si_signo = static_cast<i32>(sig);
    TRY(signals::send(0, static_cast<int>(sig), info));
    return 0;
}

Result<u64> sys_rt_tgsigqueueinfo(SyscallArgs& args) {
    if (static_cast<i32>(args[0]) != Process::current().pid()) return Error(ESRCH);
    u64 sig = args[2];
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info = TRY(args.ptr<SigInfo>(3).read());
    if (info.si_code >= 0 || info.si_code == SI_TKILL) return Error(EPERM);
    info.si_signo = static_cast<i32>(sig);
    TRY(signals::send(static_cast<int>(args[1]), static_cast<int>(sig), info));
    return 0;
}

Result<u64> sys_rt_sigpending(SyscallArgs& args) {
    if (args[1] > sizeof(u64)) return Error(EINVAL);
    Process& process = Process::current();
    u64 pending;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        pending = current_user().pending;
    }
    TRY(user_memory::copy_to(args[0], &pending, args[1]));
    return 0;
}

// Waits for a signal with a temporary mask; always "fails" with EINTR, as it must.
Result<u64> sys_rt_sigsuspend(SyscallArgs& args) {
    if (args[1] != sizeof(u64)) return Error(EINVAL);
    u64 mask = TRY(args.ptr<u64>(0).read());
    Process& process = Process::current();
    UserContext& user = current_user();
    u64 saved;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        saved = user.blocked;
        user.blocked = mask & ~signals::kUnblockable;
    }
    WaitQueue queue;  // only a signal ends the wait
    (void)queue.wait_interruptible([] { return false; });
    // The handler runs with the temporary mask; the old one is what its frame saves, so
    // sigreturn brings it back (deliver_pending on the way out uses it).
    {
        IrqSpinLockGuard guard(process.signal_lock);
        user.has_saved_mask = true;
        user.saved_mask = saved;
    }
    return Error(EINTR);
}

// pause(2): sleeps until a signal is delivered (a handler runs, or the default action ends
// the process); then EINTR, never restarted.
Result<u64> sys_pause(SyscallArgs&) {
    WaitQueue queue;  // only a signal ends the wait
    (void)queue.wait_interruptible([] { return false; });
    return Error(EINTR);
}

// rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): takes a pending signal of the set
// instead of running its handler. EAGAIN when the timeout passes (a zero timeout polls),
// EINTR when a signal outside the set is delivered first; never restarted.
Result<u64> sys_rt_sigtimedwait(SyscallArgs& args) {
    if (args[3] != sizeof(u64)) return Error(EINVAL);
    u64 set = TRY(args.ptr<u64>(0).read());
    u64 deadline = TRY(relative_timeout_deadline(args[2]));
    bool poll_only = deadline == ~0ull;
    SigInfo info{};
    int sig = TRY(signals::wait_for(set, info, poll_only ? 0 : deadline, poll_only));
    // The signal is taken: a bad siginfo pointer still reports EFAULT, as Linux does.
    if (args[1]) TRY(args.ptr<SigInfo>(1).write(info));
    return static_cast<u64>(sig);
}

namespace {

Result<u64> make_signalfd(int fd, u64 user_mask, u64 size, u32 flags) {
    constexpr u32 SFD_NONBLOCK = 04000, SFD_CLOEXEC = 02000000;
    if (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC)) return Error(EINVAL);
    if (size != sizeof(u64)) return Error(EINVAL);
    u64 mask = TRY(UserPtr<u64>(user_mask).read());
    auto& fds = Process::current().fds();
    if (fd != -1) {
        auto file = TRY(fds.get(fd));
        TRY(signalfd::set_mask(*file, mask));  // EINVAL unless it is a signalfd
        return static_cast<u64>(fd);
    }
    auto file = TRY(signalfd::create(mask, flags));
    return static_cast<u64>(TRY(fds.allocate(file, flags & SFD_CLOEXEC)));
}

}  // namespace

Result<u64> sys_signalfd(SyscallArgs& args) { return make_signalfd(args.fd(0), args[1], args[2], 0); }
Result<u64> sys_signalfd4(SyscallArgs& args) {
    return make_signalfd(args.fd(0), args[1], args[2], static_cast<u32>(args[3]));
}

}  // namespace linux_abi
