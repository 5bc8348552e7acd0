// Job-control stops: SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU stop every thread of a process,
// SIGCONT lets them go on (proc/process.h says how it fits together).
#include "proc/process.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

namespace proc {

namespace {

constexpr u64 kStopSignals = linux_abi::sigbit(linux_abi::SIGSTOP) | linux_abi::sigbit(linux_abi::SIGTSTP) |
                             linux_abi::sigbit(linux_abi::SIGTTIN) | linux_abi::sigbit(linux_abi::SIGTTOU);
constexpr u64 kContinue = linux_abi::sigbit(linux_abi::SIGCONT);
constexpr u64 kKill = linux_abi::sigbit(linux_abi::SIGKILL);

}  // namespace

void Process::begin_stop_locked(int sig) {
    if (m_stop_signal) return;  // stopping already
    __atomic_store_n(&m_stop_signal, sig, __ATOMIC_RELAXED);
    m_stop_told = false;
    // The other threads stop on their way back to user mode: a running one at its next
    // interrupt, a sleeping one woken now (its interruptible wait sees the stop and ends).
    Thread* self = current_thread();
    for_each_thread(
        [](UserContext& user, void* caller) {
            user.note_return_work();
            if (user.thread && user.thread != caller) sched::wake(user.thread);
        },
        self);
}

void Process::drop_pending_continue_locked() {
    for_each_thread([](UserContext& user, void*) { user.pending &= ~kContinue; }, nullptr);
}

void Process::continue_locked() {
    // Stop signals not yet taken are dropped: the SIGCONT overrides them.
    for_each_thread([](UserContext& user, void*) { user.pending &= ~kStopSignals; }, nullptr);
    if (!m_stop_signal) return;
    // A stop the parent was told of (every thread had stopped) is followed by a continue it
    // is told of too; one still in progress is simply called off.
    if (m_stop_told) {
        m_continue_report = true;
        m_continue_untold = true;
        // Whichever thread returns to user mode first tells the parent.
        for_each_thread([](UserContext& user, void*) { user.note_return_work(); }, nullptr);
    }
    m_stop_report = 0;
    m_stop_told = false;
    __atomic_store_n(&m_stop_signal, 0, __ATOMIC_RELAXED);
    m_stop_waiters.wake_all();
}

void Process::wait_while_stopped(UserContext& user) {
    // Every full return to user mode passes here: nothing to do unless stopped or told to
    // go on.
    if (!job_control_due(user)) return;
    for (;;) {
        int code = 0, status = 0;
        bool stay = false;
        {
            IrqSpinLockGuard guard(signal_lock);
            if (m_continue_untold) {
                m_continue_untold = false;
                code = linux_abi::CLD_CONTINUED;
                status = linux_abi::SIGCONT;
            }
            if (m_stop_signal && !(user.pending & kKill)) {
                stay = true;
                if (!user.stopped) {
                    user.stopped = true;
                    m_stopped_threads++;
                }
                // FIXME: a thread that exits while the others stop is not counted out; the
                // stop is then told when one of them passes here again.
                if (!m_stop_told && m_stopped_threads >= thread_count()) {
                    m_stop_told = true;
                    m_stop_report = m_stop_signal;
                    m_continue_report = false;
                    code = linux_abi::CLD_STOPPED;
                    status = m_stop_signal;
                }
            } else if (user.stopped) {
                user.stopped = false;
                m_stopped_threads--;
            }
        }
        if (code) tell_parent_of_job_change(code, status);
        if (!stay) return;
        (void)m_stop_waiters.wait_until([&] {
            return !__atomic_load_n(&m_stop_signal, __ATOMIC_RELAXED) ||
                   (__atomic_load_n(&user.pending, __ATOMIC_RELAXED) & kKill);
        });
    }
}

}  // namespace proc
