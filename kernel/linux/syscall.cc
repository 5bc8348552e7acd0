#include "linux/syscall.h"

#include "lib/atomic.h"

#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "proc/process.h"
#include "linux/signals.h"
#include "linux/syscall_numbers.h"
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

}  // namespace

void set_tracing(bool on) { g_tracing = on; }
bool tracing() { return g_tracing; }

}  // namespace linux_abi

using namespace linux_abi;

// Called from syscall_entry (arch/x86_64/syscall_entry.S) with interrupts on; returns with
// them off, ready for return_to_user.
extern "C" void syscall_dispatch(TrapFrame* frame) {
    u64 number = frame->vector;  // the syscall number, as it came in rax
    current_thread()->m_user->frame = frame;
    const SyscallEntry* entry = syscall_entry(number);
    TraceLine line;
    if (g_tracing) trace_entry(line, number, *frame, entry);
    i64 result;
    if (!entry) {
        report_unimplemented(number);
        result = -ENOSYS;
    } else {
        result = entry->invoke(*frame);
    }
    if (g_tracing) trace_result(line, result);
    // rt_sigreturn restores the whole frame, rax included; its result is that rax.
    frame->rax = static_cast<u64>(result);
    UserContext& user = *current_thread()->m_user;
    user.in_syscall = true;
    signals::deliver_pending(*frame);
    user.in_syscall = false;
    if (static_cast<i64>(frame->rax) == -ERESTARTSYS) frame->rax = static_cast<u64>(-EINTR);  // never leaks out
    cpu::disable_interrupts();
}
