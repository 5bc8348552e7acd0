// The signal mask a call waits with (ppoll, pselect6, epoll_pwait): set for the wait, and
// when a signal interrupts it, kept until that signal's handler has run (the handler's
// frame saves the old mask, so sigreturn restores it), as Linux does.
#pragma once

#include "base/result.h"
#include "proc/process.h"

namespace linux_abi {

using proc::Process;
using proc::UserContext;
using proc::current_user;

template <typename Call>
Result<u64> with_temporary_mask(u64 mask, Call&& call) {
    Process& process = Process::current();
    UserContext& user = current_user();
    u64 saved;
    {
        IrqSpinLockGuard guard(process.signal_lock);
        saved = user.blocked;
        user.blocked = mask & ~(sigbit(SIGKILL) | sigbit(SIGSTOP));
        user.note_signal_change();
    }
    Result<u64> result = call();
    IrqSpinLockGuard guard(process.signal_lock);
    if (result.is_error() && result.error() == EINTR) {
        user.has_saved_mask = true;
        user.saved_mask = saved;
        user.note_return_work();
    } else {
        user.blocked = saved;
        user.note_signal_change();
    }
    return result;
}

}  // namespace linux_abi
