// Signal dispositions, masks, the alternate stack, and sending signals.
#include "linux/abi_types.h"
#include "proc/process.h"
#include "mm/user_memory.h"
#include "fs/fd_table.h"
#include "linux/signalfd.h"
#include "linux/signals.h"
#include "linux/syscall_adapter.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"

namespace linux_abi {

using proc::Process;
using proc::UserContext;
using proc::current_user;

// Signal numbers are Linux's int, but are checked in all 64 bits (a number above 2^32 is
// EINVAL, where Linux would take its low half), as they were before handlers were typed.
namespace {
bool valid_signal(u64 sig) { return sig >= 1 && sig <= static_cast<u64>(kSignalCount); }
}  // namespace

Result<void> sys_rt_sigaction(u64 sig, UserPtr<KernelSigaction> action, UserPtr<KernelSigaction> old_action,
                              u64 mask_size) {
    if (mask_size != sizeof(u64) || !valid_signal(sig)) return Error(EINVAL);
    KernelSigaction updated{};
    bool change = !action.is_null();
    if (change) {
        if (sig == SIGKILL || sig == SIGSTOP) return Error(EINVAL);
        updated = TRY(action.read());
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
    if (!old_action.is_null()) TRY(old_action.write(old));
    return {};
}

Result<void> sys_rt_sigprocmask(int how, UserPtr<u64> user_set, UserPtr<u64> old_set, u64 mask_size) {
    if (mask_size != sizeof(u64)) return Error(EINVAL);
    u64 set = 0;
    bool change = !user_set.is_null();
    if (change) {
        if (how != SIG_BLOCK && how != SIG_UNBLOCK && how != SIG_SETMASK) return Error(EINVAL);
        set = TRY(user_set.read());
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
            user.note_signal_change();
        }
    }
    if (!old_set.is_null()) TRY(old_set.write(old));
    return {};  // newly unblocked pending signals are delivered on the way out
}

// The whole frame is restored, rax included: the result is that rax.
Result<u64> sys_rt_sigreturn(TrapFrame& frame) { return signals::sigreturn(frame); }

Result<void> sys_sigaltstack(TrapFrame& frame, UserPtr<StackT> new_stack, UserPtr<StackT> old_stack) {
    UserContext& user = current_user();
    StackT old = user.altstack;
    u64 sp = frame.rsp;
    bool on_stack = !(old.ss_flags & SS_DISABLE) && sp > old.ss_sp && sp <= old.ss_sp + old.ss_size;
    if (on_stack) old.ss_flags = SS_ONSTACK;
    if (!new_stack.is_null()) {
        StackT updated = TRY(new_stack.read());
        if (on_stack) return Error(EPERM);
        if (updated.ss_flags & ~(SS_DISABLE | static_cast<i32>(1u << 31))) return Error(EINVAL);  // SS_AUTODISARM tolerated
        if (updated.ss_flags & SS_DISABLE) {
            user.altstack = {0, SS_DISABLE, 0, 0};
        } else {
            if (updated.ss_size < MINSIGSTKSZ) return Error(ENOMEM);
            user.altstack = {updated.ss_sp, 0, 0, updated.ss_size};
        }
    }
    if (!old_stack.is_null()) TRY(old_stack.write(old));
    return {};
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
Result<void> sys_kill(int pid, u64 sig) {
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
        return sent;
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
    return {};
}

// The thread ids are checked as 64-bit numbers too (a tid above 2^31 is EINVAL).
Result<void> sys_tgkill(i32 tgid, u64 tid, u64 sig) {
    if (tgid != Process::current().pid()) return Error(ESRCH);
    if (static_cast<i64>(tid) <= 0) return Error(EINVAL);
    if (sig == 0) {
        IrqSpinLockGuard guard(Process::current().signal_lock);
        return Process::current().find_thread(static_cast<int>(tid)) ? Result<void>() : Result<void>(Error(ESRCH));
    }
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info{};
    info.si_signo = static_cast<i32>(sig);
    info.si_code = SI_TKILL;
    info.kill.pid = Process::current().pid();
    info.kill.uid = Process::current().cred.ruid;
    return signals::send(static_cast<int>(tid), static_cast<int>(sig), info);
}

Result<void> sys_tkill(u64 tid, u64 sig) {
    if (static_cast<i64>(tid) <= 0) return Error(EINVAL);
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info{};
    info.si_signo = static_cast<i32>(sig);
    info.si_code = SI_TKILL;
    info.kill.pid = Process::current().pid();
    return signals::send(static_cast<int>(tid), static_cast<int>(sig), info);
}

// sigqueue(3): a signal with a caller-chosen value. Only si_code < 0 (user-defined) may be
// sent this way, as on Linux, unless it is sent to oneself.
Result<void> sys_rt_sigqueueinfo(i32 tgid, u64 sig, UserPtr<SigInfo> user_info) {
    if (tgid != Process::current().pid()) return Error(ESRCH);
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info = TRY(user_info.read());
    if (info.si_code >= 0 || info.si_code == SI_TKILL) return Error(EPERM);
    info.si_signo = static_cast<i32>(sig);
    return signals::send(0, static_cast<int>(sig), info);
}

Result<void> sys_rt_tgsigqueueinfo(i32 tgid, int tid, u64 sig, UserPtr<SigInfo> user_info) {
    if (tgid != Process::current().pid()) return Error(ESRCH);
    if (!valid_signal(sig)) return Error(EINVAL);
    SigInfo info = TRY(user_info.read());
    if (info.si_code >= 0 || info.si_code == SI_TKILL) return Error(EPERM);
    info.si_signo = static_cast<i32>(sig);
    return signals::send(tid, static_cast<int>(sig), info);
}

Result<void> sys_rt_sigpending(UserPtr<u64> set, u64 mask_size) {
    if (mask_size > sizeof(u64)) return Error(EINVAL);
    Process& process = Process::current();
    u64 pending;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        pending = current_user().pending;
    }
    return user_memory::copy_to(set.address(), &pending, mask_size);
}

// Waits for a signal with a temporary mask; always "fails" with EINTR, as it must.
Result<void> sys_rt_sigsuspend(UserPtr<u64> user_mask, u64 mask_size) {
    if (mask_size != sizeof(u64)) return Error(EINVAL);
    u64 mask = TRY(user_mask.read());
    Process& process = Process::current();
    UserContext& user = current_user();
    u64 saved;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        saved = user.blocked;
        user.blocked = mask & ~signals::kUnblockable;
        user.note_signal_change();
    }
    WaitQueue queue;  // only a signal ends the wait
    (void)queue.wait_interruptible([] { return false; });
    // The handler runs with the temporary mask; the old one is what its frame saves, so
    // sigreturn brings it back (deliver_pending on the way out uses it).
    {
        IrqSpinLockGuard guard(process.signal_lock);
        user.has_saved_mask = true;
        user.saved_mask = saved;
        user.note_return_work();
    }
    return Error(EINTR);
}

// pause(2): sleeps until a signal is delivered (a handler runs, or the default action ends
// the process); then EINTR, never restarted.
Result<void> sys_pause() {
    WaitQueue queue;  // only a signal ends the wait
    (void)queue.wait_interruptible([] { return false; });
    return Error(EINTR);
}

// rt_sigtimedwait (sigwaitinfo, sigtimedwait, sigwait): takes a pending signal of the set
// instead of running its handler. EAGAIN when the timeout passes (a zero timeout polls),
// EINTR when a signal outside the set is delivered first; never restarted.
Result<int> sys_rt_sigtimedwait(UserPtr<u64> user_set, UserPtr<SigInfo> user_info, UserPtr<Timespec> timeout,
                                u64 mask_size) {
    if (mask_size != sizeof(u64)) return Error(EINVAL);
    u64 set = TRY(user_set.read());
    u64 deadline = TRY(relative_timeout_deadline(timeout.address()));
    bool poll_only = deadline == ~0ull;
    SigInfo info{};
    int sig = TRY(signals::wait_for(set, info, poll_only ? 0 : deadline, poll_only));
    // The signal is taken: a bad siginfo pointer still reports EFAULT, as Linux does.
    if (!user_info.is_null()) TRY(user_info.write(info));
    return sig;
}

namespace {

Result<int> make_signalfd(int fd, UserPtr<u64> user_mask, u64 size, u32 flags) {
    constexpr u32 SFD_NONBLOCK = 04000, SFD_CLOEXEC = 02000000;
    if (flags & ~(SFD_NONBLOCK | SFD_CLOEXEC)) return Error(EINVAL);
    if (size != sizeof(u64)) return Error(EINVAL);
    u64 mask = TRY(user_mask.read());
    auto& fds = Process::current().fds();
    if (fd != -1) {
        auto file = TRY(fds.get(fd));
        TRY(signalfd::set_mask(*file, mask));  // EINVAL unless it is a signalfd
        return fd;
    }
    auto file = TRY(signalfd::create(mask, flags));
    return fds.allocate(file, flags & SFD_CLOEXEC);
}

}  // namespace

Result<int> sys_signalfd(int fd, UserPtr<u64> mask, u64 mask_size) { return make_signalfd(fd, mask, mask_size, 0); }
Result<int> sys_signalfd4(int fd, UserPtr<u64> mask, u64 mask_size, u32 flags) {
    return make_signalfd(fd, mask, mask_size, flags);
}

OSPREY_CALLS(rt_sigaction, rt_sigprocmask, rt_sigreturn, sigaltstack, kill, tgkill, tkill, rt_sigqueueinfo,
             rt_tgsigqueueinfo, rt_sigpending, rt_sigsuspend, pause, rt_sigtimedwait, signalfd, signalfd4)

}  // namespace linux_abi
