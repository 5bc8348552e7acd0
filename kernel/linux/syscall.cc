#include "linux/syscall.h"

#include "lib/atomic.h"

#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_numbers.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

namespace linux_abi {

using proc::UserContext;
using proc::current_tid;

namespace {

bool g_tracing = false;
// Each unimplemented syscall is logged once, by name.
kstd::Atomic<u64> g_reported_enosys[(kSyscallCount + 63) / 64];

void report_unimplemented(u64 number) {
    u64 bit = 1ull << (number % 64);
    if (number < kSyscallCount && (g_reported_enosys[number / 64].fetch_or(bit) & bit)) return;
    const char* name = syscall_name(number);
    if (name)
        klog::warn("syscall {} ({}) is not implemented: ENOSYS", name, number);
    else
        klog::warn("syscall number {} does not exist: ENOSYS", number);
}

// The call is formatted before it runs (its arguments may change) and printed with its
// result in one line; calls that never return are printed at once, ending in "= ?".
struct TraceLine {
    char text[256];
    text::BufferSink sink{text, sizeof text};
};

void trace_entry(TraceLine& line, u64 number, const TrapFrame& frame, const SyscallEntry* entry) {
    const char* name = syscall_name(number);
    text::format_to(line.sink, "[{}] {}(", current_tid(), name ? name : "?");
    unsigned count = entry ? entry->argument_count : 6;
    for (unsigned i = 0; i < count; i++)
        text::format_to(line.sink, i ? ", {:#x}" : "{:#x}", syscall_argument(frame, i));
    text::format_to(line.sink, ")");
    if (number == SYS_exit || number == SYS_exit_group) klog::print("{} = ?\n", line.sink.view());
}

void trace_result(TraceLine& line, i64 result) {
    if (result < 0 && result >= -4095)
        klog::print("{} = -1 {} ({})\n", line.sink.view(), err::name(static_cast<int>(-result)), -result);
    else
        klog::print("{} = {:#x}\n", line.sink.view(), static_cast<u64>(result));
}

// Unimplemented calls and --trace: what the fast path leaves to here.
[[gnu::noinline, gnu::cold]] i64 dispatch_slowly(TrapFrame& frame, const SyscallEntry* entry) {
    u64 number = frame.vector;
    TraceLine line;
    if (g_tracing) trace_entry(line, number, frame, entry);
    i64 result;
    if (!entry) {
        report_unimplemented(number);
        result = -ENOSYS;
    } else {
        result = entry->invoke(frame);
    }
    if (g_tracing) trace_result(line, result);
    return result;
}

// The way out when the thread has work first: another thread to run, then a signal to
// deliver or a job-control stop (signals::deliver_pending). Interrupts off on entry and
// on return.
[[gnu::noinline, gnu::cold]] void return_slowly(TrapFrame& frame) {
    cpu::enable_interrupts();
    sched::preempt_point();
    UserContext& user = *current_thread()->m_user;
    user.in_syscall = true;
    signals::deliver_pending(frame);
    user.in_syscall = false;
    if (static_cast<i64>(frame.rax) == -ERESTARTSYS) frame.rax = static_cast<u64>(-EINTR);  // never leaks out
    cpu::disable_interrupts();
}

}  // namespace

void set_tracing(bool on) { g_tracing = on; }
bool tracing() { return g_tracing; }

}  // namespace linux_abi

using namespace linux_abi;

// Called from syscall_entry (arch/x86_64/syscall_entry.S) with interrupts on; returns with
// them off, ready for ring 3. Returns false when the frame is as the entry saved it but for
// rax, so the registers the C calling convention preserves already hold the caller's values
// and syscall_entry reloads only the others; true when the caller must get the frame back
// whole (return_to_user).
//
// The common call costs a table look-up, the handler, and one look at the thread's
// return_work flag (proc/process.h) and at the CPU's need_resched: the trace, ENOSYS,
// signals, job-control stops and rescheduling each wait behind one of those.
extern "C" bool syscall_dispatch(TrapFrame* frame) {
    const SyscallEntry* entry = syscall_entry(frame->vector);
    i64 result;
    bool whole;
    if (entry && !g_tracing) [[likely]] {
        result = entry->invoke(*frame);
        whole = entry->takes_frame;
    } else {
        result = dispatch_slowly(*frame, entry);
        whole = entry && entry->takes_frame;
    }
    // rt_sigreturn restores the whole frame, rax included; its result is that rax.
    frame->rax = static_cast<u64>(result);
    cpu::disable_interrupts();
    // An interrupted call (ERESTARTSYS) always has a signal or a stop waiting, so its flag
    // is set; the check stays because that code must never reach the caller.
    if (current_thread()->m_user->has_return_work() || sched::need_resched() || result == -ERESTARTSYS)
        [[unlikely]] {
        return_slowly(*frame);
        return true;
    }
    return whole;
}
