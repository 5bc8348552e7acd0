#include "linux/signals.h"

#include "sync/wait_queue.h"

#include <cstring>
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "lib/log.h"
#include "linux/posix_timers.h"
#include "linux/signalfd.h"
#include "proc/process.h"
#include "mm/user_memory.h"
#include "mm/heap.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

using namespace linux_abi;
using proc::Process;
using proc::QueuedSignal;
using proc::UserContext;
using proc::current_user;

namespace signals {

namespace {

constexpr u64 kUserFlagsMask = 0x254dd5;  // the RFLAGS bits a signal frame may change (CF..OF, TF, DF, AC, ID)
constexpr u64 kRedZone = 128;

bool default_is_ignore(int sig) { return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT; }
// Their default action stops the process (proc/job_control.cc).
bool default_is_stop(int sig) { return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU; }
// Whether a signal with its default action does nothing to this process: the ones whose
// default is to ignore, and the stop signals for pid 1 (Linux's init never stops that way).
bool default_does_nothing(const Process& process, int sig) {
    return default_is_ignore(sig) || (default_is_stop(sig) && process.pid() == 1);
}

int lowest_signal(u64 set) {
    // SIGKILL and SIGSTOP first, then by number, as Linux does for synchronous ones.
    if (set & sigbit(SIGKILL)) return SIGKILL;
    return set ? __builtin_ctzll(set) + 1 : 0;
}

bool on_altstack(const UserContext& user, u64 sp) {
    return !(user.altstack.ss_flags & SS_DISABLE) && sp > user.altstack.ss_sp &&
           sp <= user.altstack.ss_sp + user.altstack.ss_size;
}

// Writes the FPU state of the current thread to user memory at `address` in the layout
// of a signal frame (FXSAVE area with the XSAVE software bytes, then the magic trailer).
Result<void> save_fpu_to_user(Thread* self, u64 address) {
    usize size = fpu::state_size();
    if (this_cpu()->fpu_owner == self) fpu::save(self->m_fpu_state);
    TRY(user_memory::copy_to(address, self->m_fpu_state, size));
    if (fpu::uses_xsave()) {
        FpxSwBytes sw{};
        sw.magic1 = FP_XSTATE_MAGIC1;
        sw.extended_size = static_cast<u32>(size + 4);
        sw.xfeatures = fpu::enabled_features();
        sw.xstate_size = static_cast<u32>(size);
        TRY(user_memory::copy_to(address + 464, &sw, sizeof sw));
        u32 magic2 = FP_XSTATE_MAGIC2;
        TRY(user_memory::copy_to(address + size, &magic2, 4));
    }
    return {};
}

// Reads an FPU state back from a signal frame, making it safe to load: a malformed area
// would make XRSTOR/FXRSTOR fault in the kernel.
Result<void> restore_fpu_from_user(Thread* self, u64 address) {
    usize size = fpu::state_size();
    // Copied and cleaned in a buffer first: the copy may sleep, and a switch meanwhile
    // saves the live registers into the thread's area, which must not be half-written.
    auto buffer = heap::allocate(size, 64);
    if (buffer.is_error()) return Error(ENOMEM);
    auto* area = static_cast<u8*>(buffer.value());
    if (auto copied = user_memory::copy_from(area, address, size); copied.is_error()) {
        heap::free(area);
        return copied;
    }
    u32 mxcsr;
    memcpy(&mxcsr, area + 24, 4);
    mxcsr &= 0xffff;  // reserved MXCSR bits fault
    memcpy(area + 24, &mxcsr, 4);
    if (fpu::uses_xsave()) {
        u64 xstate_bv;
        memcpy(&xstate_bv, area + 512, 8);
        xstate_bv &= fpu::enabled_features();
        memcpy(area + 512, &xstate_bv, 8);
        memset(area + 520, 0, 56);  // XCOMP_BV and the reserved header bytes must be zero
    }
    cpu::disable_interrupts();
    memcpy(self->m_fpu_state, area, size);
    if (this_cpu()->fpu_owner == self) fpu::restore(self->m_fpu_state);
    cpu::enable_interrupts();
    heap::free(area);
    return {};
}

void fill_context(SigContext& mc, const TrapFrame& f, u64 fpstate) {
    mc = {};
    mc.r8 = f.r8, mc.r9 = f.r9, mc.r10 = f.r10, mc.r11 = f.r11, mc.r12 = f.r12, mc.r13 = f.r13;
    mc.r14 = f.r14, mc.r15 = f.r15, mc.rdi = f.rdi, mc.rsi = f.rsi, mc.rbp = f.rbp, mc.rbx = f.rbx;
    mc.rdx = f.rdx, mc.rax = f.rax, mc.rcx = f.rcx, mc.rsp = f.rsp, mc.rip = f.rip, mc.eflags = f.rflags;
    mc.cs = static_cast<u16>(f.cs);
    mc.ss = static_cast<u16>(f.ss);
    mc.err = f.vector < 32 ? f.error_code : 0;
    mc.trapno = f.vector < 32 ? f.vector : 0;
    mc.cr2 = f.vector == 14 ? cpu::read_cr2() : 0;
    mc.fpstate = fpstate;
}

// Builds the handler's frame and redirects the thread to the handler. False when the
// frame cannot be written (a bad stack): the caller then kills the thread with SIGSEGV.
bool setup_frame(TrapFrame& frame, UserContext& user, int sig, const KernelSigaction& action, const SigInfo& info,
                 u64 old_blocked) {
    Thread* self = current_thread();
    u64 sp = frame.rsp;
    if ((action.flags & SA_ONSTACK) && !(user.altstack.ss_flags & SS_DISABLE) && !on_altstack(user, sp))
        sp = user.altstack.ss_sp + user.altstack.ss_size;
    else
        sp -= kRedZone;
    u64 fp_size = fpu::state_size() + (fpu::uses_xsave() ? 4 : 0);
    sp = align_down(sp - fp_size, 64);
    u64 fpstate = sp;
    sp = align_down(sp - sizeof(RtSigFrame), 16) - 8;  // as after a call: rsp + 8 is 16-aligned

    RtSigFrame rt{};
    rt.pretcode = action.restorer;
    rt.uc.uc_flags = fpu::uses_xsave() ? 1 : 0;  // UC_FP_XSTATE
    rt.uc.uc_stack = user.altstack;
    if (on_altstack(user, frame.rsp)) rt.uc.uc_stack.ss_flags = SS_ONSTACK;
    fill_context(rt.uc.uc_mcontext, frame, fpstate);
    rt.uc.uc_mcontext.oldmask = old_blocked;
    rt.uc.uc_sigmask = old_blocked;
    rt.info = info;
    if (save_fpu_to_user(self, fpstate).is_error()) return false;
    if (user_memory::copy_to(sp, &rt, sizeof rt).is_error()) return false;

    if (action.handler >= user_memory::kUserLimit) return false;  // a non-canonical RIP would fault in ring 0
    frame.rip = action.handler;
    frame.rsp = sp;
    frame.rdi = static_cast<u64>(sig);
    frame.rsi = sp + offsetof(RtSigFrame, info);
    frame.rdx = sp + offsetof(RtSigFrame, uc);
    frame.rax = 0;
    frame.rflags &= ~(1ull << 8 | 1ull << 10 | 1ull << 18);  // TF, DF, AC clear in the handler
    frame.cs = gdt::kUserCode;
    frame.ss = gdt::kUserData;
    // The handler starts with a clean FPU, as on Linux.
    void* clean = fpu::allocate_initial_state().value_or(nullptr);
    if (clean) {
        memcpy(self->m_fpu_state, clean, fpu::state_size());
        if (this_cpu()->fpu_owner == self) fpu::restore(self->m_fpu_state);
        fpu::free_state(clean);
    }
    return true;
}

constexpr int kRealtimeFirst = 32;
constexpr usize kRealtimeQueueLimit = 1024;

// Removes one pending instance of `sig` and returns its siginfo; the pending bit stays while
// more real-time instances are queued. signal_lock held.
SigInfo take_pending_info(UserContext& user, int sig);

SigInfo take_pending(UserContext& user, int sig) {
    SigInfo info = take_pending_info(user, sig);
    posix_timers::signal_taken(info);  // a timer's signal carries its overrun count
    return info;
}

SigInfo take_pending_info(UserContext& user, int sig) {
    if (sig < kRealtimeFirst) {
        user.pending &= ~sigbit(sig);
        return user.pending_info[sig - 1];
    }
    SigInfo info{};
    QueuedSignal* found = nullptr;
    bool more = false;
    user.realtime_queue.for_each([&](QueuedSignal& q) {
        if (q.info.si_signo != sig) return;
        if (!found)
            found = &q;
        else
            more = true;
    });
    if (found) {
        info = found->info;
        user.realtime_queue.remove(*found);
        user.realtime_queued--;
        delete found;
    }
    if (!more) user.pending &= ~sigbit(sig);
    return info;
}

UserContext* find_target(Process& process, int tid, int sig) {
    return tid ? process.find_thread(tid) : process.find_thread_accepting(sigbit(sig));
}

}  // namespace

Result<void> send(int tid, int sig, const SigInfo& info) { return send_to(Process::current(), tid, sig, info); }

void send_from_kernel(Process& target, int tid, const SigInfo& info) {
    (void)send_to(target, tid, info.si_signo, info);
}

Result<void> send_to(Process& process, int tid, int sig, const SigInfo& info) {
    if (sig < 1 || sig > kSignalCount) return Error(EINVAL);
    {
        // The wake-up happens under the lock: a thread that exits takes the lock to leave
        // the process, so it cannot be freed while we wake it.
        IrqSpinLockGuard guard(process.signal_lock);
        UserContext* target = find_target(process, tid, sig);
        if (!target) return Error(ESRCH);
        // Job control acts when the signal is sent, whatever its disposition: SIGCONT lets a
        // stopped process go on (and drops its pending stops), a stop signal drops pending
        // SIGCONTs.
        if (sig == SIGCONT) process.continue_locked();
        if (default_is_stop(sig)) process.drop_pending_continue_locked();
        // A signal the process ignores (SIG_IGN, or SIG_DFL where the default is to ignore:
        // SIGCHLD, SIGWINCH...) is dropped when sent, as Linux drops it, so it interrupts
        // no wait; unless the thread blocks it (the disposition may change before it is
        // unblocked) or waits for it in sigtimedwait.
        const KernelSigaction& action = process.actions[sig];
        bool ignored = action.handler == SIG_IGN || (action.handler == SIG_DFL && default_does_nothing(process, sig));
        if (ignored && !(target->blocked & sigbit(sig)) && !(target->waiting_for & sigbit(sig))) return {};
        if (sig >= kRealtimeFirst) {
            // Each real-time signal sent is queued (RLIMIT_SIGPENDING caps the queue).
            if (target->realtime_queued >= kRealtimeQueueLimit) return Error(EAGAIN);
            auto* queued = new (std::nothrow) QueuedSignal;
            if (!queued) return Error(EAGAIN);
            queued->info = info;
            target->realtime_queue.push_back(*queued);
            target->realtime_queued++;
        } else if (target->pending & sigbit(sig)) {
            return {};  // a standard signal already pending: this one merges into it, as on Linux
        } else {
            target->pending_info[sig - 1] = info;
        }
        target->pending |= sigbit(sig);
        target->note_signal_change();
        // A thread waiting in an interruptible call re-checks and returns EINTR; one in
        // sigtimedwait for this signal takes it.
        bool wakes = !(target->blocked & sigbit(sig)) || (target->waiting_for & sigbit(sig));
        if (wakes && target->thread && target->thread != current_thread())
            sched::wake(target->thread);
        // A SIGKILL for the process reaches every thread at once, as Linux's does: the one
        // chosen may be waiting where no signal interrupts (for a lock another thread holds
        // while it waits interruptibly), and the process must end all the same. sysfuzz
        // found a process that SIGKILL could not end that way.
        if (sig == SIGKILL && tid == 0) {
            struct Kill {
                const SigInfo* info;
                UserContext* first;
            } kill{&info, target};
            process.for_each_thread(
                [](UserContext& user, void* context) {
                    auto& k = *static_cast<Kill*>(context);
                    if (&user == k.first || (user.pending & sigbit(SIGKILL))) return;
                    user.pending_info[SIGKILL - 1] = *k.info;
                    user.pending |= sigbit(SIGKILL);
                    user.note_signal_change();
                    if (user.thread && user.thread != current_thread()) sched::wake(user.thread);
                },
                &kill);
        }
    }
    signalfd::signal_queued(sig);  // readable now for a signalfd watching it
    return {};
}

bool has_deliverable(const UserContext& user) {
    // A stopping process's threads come out of their waits to stop.
    return (user.pending & ~user.blocked) != 0 || (user.process && user.process->stopping());
}

void raise_sigpipe() {
    SigInfo info{};
    info.si_signo = linux_abi::SIGPIPE;
    info.si_code = linux_abi::SI_KERNEL;
    (void)send(proc::current_tid(), linux_abi::SIGPIPE, info);
}

Result<int> wait_for(u64 set, SigInfo& info, u64 deadline_tsc, bool poll_only) {
    Process& process = Process::current();
    UserContext& user = current_user();
    set &= ~kUnblockable;
    for (;;) {
        {
            IrqSpinLockGuard guard(process.signal_lock);
            if (int sig = lowest_signal(user.pending & set)) {
                user.waiting_for = 0;
                info = take_pending(user, sig);
                return sig;
            }
            // Another signal with a handler (or a fatal one) ends the wait: EINTR, and it is
            // delivered on the way out.
            if (user.pending & ~user.blocked & ~set) {
                user.waiting_for = 0;
                return Error(EINTR);
            }
            if (poll_only) return Error(EAGAIN);
            user.waiting_for = set;
        }
        WaitQueue queue;
        auto waited = queue.wait_until([&] { return (user.pending & (set | ~user.blocked)) != 0; }, deadline_tsc);
        if (waited.is_error()) {
            IrqSpinLockGuard guard(process.signal_lock);
            if (lowest_signal(user.pending & set)) continue;  // it came just in time
            user.waiting_for = 0;
            return Error(EAGAIN);  // the timeout passed
        }
    }
}

void force_fault(int sig, int code, u64 address) {
    Process& process = Process::current();
    UserContext& user = current_user();
    bool fatal;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        const KernelSigaction& action = process.actions[sig];
        fatal = action.handler == SIG_DFL || action.handler == SIG_IGN || (user.blocked & sigbit(sig));
        if (!fatal) {
            SigInfo info{};
            info.si_signo = sig;
            info.si_code = code;
            info.fault.addr = address;
            user.pending |= sigbit(sig);
            user.pending_info[sig - 1] = info;
            user.note_signal_change();
        }
    }
    if (fatal) process.killed_by_signal(sig, address);
}

namespace {

// A syscall interrupted by a signal: run it again (the `syscall` instruction is 2 bytes
// before the return address, and rax gets the number back) or fail it with EINTR.
void restart_syscall(TrapFrame& frame) {
    frame.rax = frame.vector;
    frame.rip -= 2;
}

// The full return path is done: its flag stays set only for what is left for the next
// return (a signal still deliverable once this handler's mask is in place, a stop that
// began meanwhile). signal_lock held.
void settle_return_work(UserContext& user, const Process& process) {
    bool left = (user.pending & ~user.blocked) != 0 || user.has_saved_mask || process.job_control_due(user);
    __atomic_store_n(&user.return_work, left, __ATOMIC_RELAXED);
}

}  // namespace

void deliver_pending(TrapFrame& frame) {
    if (!frame.from_user()) return;
    Thread* self = current_thread();
    if (!self->m_user) return;
    UserContext& user = *self->m_user;
    Process& process = Process::current();
    bool interrupted_call = user.in_syscall && static_cast<i64>(frame.rax) == -ERESTARTSYS;
    for (;;) {
        process.wait_while_stopped(user);  // until SIGCONT or SIGKILL
        bool restore = process.signal_lock.lock();
        u64 deliverable = user.pending & ~user.blocked;
        int sig = lowest_signal(deliverable);
        if (!sig) {
            if (user.has_saved_mask) {  // rt_sigsuspend woke for a signal now ignored
                user.blocked = user.saved_mask;
                user.has_saved_mask = false;
            }
            settle_return_work(user, process);
            process.signal_lock.unlock(restore);
            if (interrupted_call) restart_syscall(frame);  // only ignored signals came: go on
            return;
        }
        SigInfo info = take_pending(user, sig);
        KernelSigaction action = process.actions[sig];
        if (action.handler == SIG_IGN || (action.handler == SIG_DFL && default_does_nothing(process, sig))) {
            process.signal_lock.unlock(restore);
            continue;
        }
        if (action.handler == SIG_DFL && default_is_stop(sig)) {
            process.begin_stop_locked(sig);
            process.signal_lock.unlock(restore);
            continue;  // this thread stops at the top of the loop
        }
        if (action.handler == SIG_DFL) {
            process.signal_lock.unlock(restore);
            process.killed_by_signal(sig, info.fault.addr);
        }
        u64 old_blocked = user.has_saved_mask ? user.saved_mask : user.blocked;
        user.has_saved_mask = false;
        user.blocked |= action.mask & ~kUnblockable;
        if (!(action.flags & SA_NODEFER)) user.blocked |= sigbit(sig);
        if (action.flags & SA_RESETHAND) process.actions[sig].handler = SIG_DFL;
        settle_return_work(user, process);
        process.signal_lock.unlock(restore);
        if (interrupted_call) {
            if (action.flags & SA_RESTART)
                restart_syscall(frame);
            else
                frame.rax = static_cast<u64>(-EINTR);
        }
        if (!setup_frame(frame, user, sig, action, info, old_blocked)) process.killed_by_signal(SIGSEGV, frame.rsp);
        return;  // one handler at a time; the next signal is delivered when it returns
    }
}

Result<u64> sigreturn(TrapFrame& frame) {
    Thread* self = current_thread();
    UserContext& user = *self->m_user;
    UContext uc;
    // The restorer's `syscall` runs after the handler's `ret` popped pretcode.
    u64 uc_address = frame.rsp;
    if (user_memory::copy_from(&uc, uc_address, sizeof uc).is_error()) Process::current().killed_by_signal(SIGSEGV, uc_address);
    const SigContext& mc = uc.uc_mcontext;
    // iretq to a non-canonical address faults in ring 0 (after swapgs): refuse it here.
    if (mc.rip >= user_memory::kUserLimit) Process::current().killed_by_signal(SIGSEGV, mc.rip);
    frame.r8 = mc.r8, frame.r9 = mc.r9, frame.r10 = mc.r10, frame.r11 = mc.r11, frame.r12 = mc.r12;
    frame.r13 = mc.r13, frame.r14 = mc.r14, frame.r15 = mc.r15, frame.rdi = mc.rdi, frame.rsi = mc.rsi;
    frame.rbp = mc.rbp, frame.rbx = mc.rbx, frame.rdx = mc.rdx, frame.rax = mc.rax, frame.rcx = mc.rcx;
    frame.rsp = mc.rsp, frame.rip = mc.rip;
    frame.rflags = (frame.rflags & ~kUserFlagsMask) | (mc.eflags & kUserFlagsMask) | (1ull << 9);
    frame.cs = gdt::kUserCode;
    frame.ss = gdt::kUserData;
    frame.vector = ~0ull;  // no longer inside a syscall: nothing to restart
    {
        Process& process = Process::current();
        IrqSpinLockGuard guard(process.signal_lock);
        user.blocked = uc.uc_sigmask & ~kUnblockable;
        user.note_signal_change();
    }
    if (mc.fpstate && restore_fpu_from_user(self, mc.fpstate).is_error())
        Process::current().killed_by_signal(SIGSEGV, mc.fpstate);
    // sigaltstack settings travel in uc_stack, as on Linux.
    if (!on_altstack(user, frame.rsp) && !(uc.uc_stack.ss_flags & ~SS_DISABLE)) {
        user.altstack.ss_sp = uc.uc_stack.ss_sp;
        user.altstack.ss_size = uc.uc_stack.ss_size;
        user.altstack.ss_flags = uc.uc_stack.ss_flags & SS_DISABLE;
    }
    return frame.rax;
}

}  // namespace signals
