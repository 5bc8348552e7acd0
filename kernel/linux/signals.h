// Signal generation and delivery with Linux semantics: dispositions per process, masks and
// pending sets per thread, handlers run on the thread's stack (or its alternate stack)
// with a siginfo and a ucontext, and rt_sigreturn restoring what was interrupted.
#pragma once

#include "arch/x86_64/trap_frame.h"
#include "base/result.h"
#include "linux/signal_types.h"

namespace proc {
class Process;
struct ExitStatus;
struct UserContext;
}

namespace signals {

using linux_abi::SigInfo;

// Queues a signal for a thread (or, with tid 0, the process: the first thread that does not
// block it). ESRCH for an unknown thread, EINVAL for a bad number.
Result<void> send(int tid, int sig, const SigInfo& info);
// The same to another process (kill(2) with a pid).
Result<void> send_to(proc::Process& process, int tid, int sig, const SigInfo& info);
// Process::SignalSender: SIGCHLD to a parent, SIGKILL to the threads of a process that
// exits, the parent-death signal (an error, as for any signal the target drops, is ignored).
void send_from_kernel(proc::Process& target, int tid, const SigInfo& info);
// A synchronous fault in the current thread (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP):
// delivered now even if blocked or ignored — then its default action (termination) applies.
void force_fault(int sig, int code, u64 address);

// On the way back to ring 3: runs the default action or sets up the handler frame for the
// first deliverable pending signal of the current thread.
void deliver_pending(TrapFrame& frame);
bool has_deliverable(const proc::UserContext& user);
// rt_sigtimedwait for the calling thread: takes the lowest pending signal of `set` (which
// should be blocked) and returns it with its siginfo. EAGAIN at `deadline_tsc` (0: none)
// or at once with `poll_only`; EINTR when another, unblocked signal arrives first.
Result<int> wait_for(u64 set, SigInfo& info, u64 deadline_tsc, bool poll_only);

// A write or send that failed with EPIPE (no reader left, or the peer is gone) also sends
// the calling thread SIGPIPE, unless the call said MSG_NOSIGNAL: Linux does it in the pipe
// and socket code; here the system-call layer does, so files need nothing of signals.
void raise_sigpipe();
template <typename T>
Result<T> sigpipe_on_epipe(Result<T> result, bool signal = true) {
    if (signal && result.is_error() && result.error() == EPIPE) raise_sigpipe();
    return result;
}

// rt_sigreturn: restores the frame the handler interrupted. Returns its rax.
Result<u64> sigreturn(TrapFrame& frame);

// For sigaltstack/rt_sigaction/rt_sigprocmask: signals that cannot be caught or blocked.
constexpr u64 kUnblockable = linux_abi::sigbit(linux_abi::SIGKILL) | linux_abi::sigbit(linux_abi::SIGSTOP);

}  // namespace signals
