#include "proc/process.h"

#include <new>

#include "arch/x86_64/power.h"
#include "arch/x86_64/trap_frame.h"
#include "lib/log.h"
#include "drivers/console/console.h"
#include "mm/user_memory.h"
#include "sched/thread.h"

namespace proc {

namespace {
alignas(Process) u8 g_first_storage[sizeof(Process)];
Process* g_first = nullptr;  // pid 1
}  // namespace

Process& Process::current() {
    Thread* thread = current_thread();
    if (thread && thread->m_user && thread->m_user->process) return *thread->m_user->process;
    return *g_first;
}

bool Process::exists() { return g_first != nullptr; }

Process& Process::create(AddressSpace* memory, FdTable* fds) {
    g_first = new (g_first_storage) Process;
    g_first->m_pid = 1;
    g_first->m_memory = memory;
    g_first->m_fds = fds;
    return *g_first;
}

int Process::allocate_tid() {
    IrqSpinLockGuard guard(m_threads_lock);
    return m_next_tid++;
}

void Process::add_thread(UserContext& user) {
    IrqSpinLockGuard signal_guard(signal_lock);
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.push_back(user);
}

void Process::remove_thread(UserContext& user, int status) {
    bool last;
    {
        IrqSpinLockGuard signal_guard(signal_lock);
        IrqSpinLockGuard guard(m_threads_lock);
        m_threads.remove(user);
        last = m_threads.empty();
    }
    if (last) exit_group(status);
}

void Process::forget_thread(UserContext& user) {
    IrqSpinLockGuard signal_guard(signal_lock);
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.remove(user);
}

usize Process::thread_count() {
    IrqSpinLockGuard guard(m_threads_lock);
    return m_threads.size();
}

UserContext* Process::find_thread(int tid) {
    IrqSpinLockGuard guard(m_threads_lock);
    UserContext* found = nullptr;
    m_threads.for_each([&](UserContext& u) {
        if (u.tid == tid) found = &u;
    });
    return found;
}

UserContext* Process::find_thread_accepting(u64 mask) {
    IrqSpinLockGuard guard(m_threads_lock);
    // A thread waiting for the signal in sigtimedwait takes it first, as on Linux (where it
    // would find it in the shared pending set).
    UserContext* found = nullptr;
    m_threads.for_each([&](UserContext& u) {
        if (!found && (u.waiting_for & mask)) found = &u;
    });
    m_threads.for_each([&](UserContext& u) {
        if (!found && !(u.blocked & mask)) found = &u;
    });
    return found ? found : m_threads.front();
}

[[noreturn]] void Process::exit_group(int status) {
    klog::info("application exited with status {}", status & 0xff);
    power::shutdown({protocol::ExitReason::Exited, static_cast<u8>(status & 0xff)});
}

namespace {

// A few frames of the application's own stack, through its frame pointers when it keeps
// them; reading stops at the first address that is not mapped.
void print_user_frames(text::Sink& out, u64 rbp) {
    for (int depth = 0; depth < 8 && rbp; depth++) {
        u64 frame[2];
        if (user_memory::copy_from(frame, rbp, sizeof frame).is_error() || frame[1] == 0) return;
        text::format_to(out, "  #{} {:#018x}\n", depth + 1, frame[1]);
        if (frame[0] <= rbp) return;  // frames go up the stack
        rbp = frame[0];
    }
}

}  // namespace

[[noreturn]] void Process::killed_by_signal(int sig, u64 fault_address) {
    // Like the report a shell and the kernel log give on Linux, on the program's stderr.
    console::StderrSink err;
    UserContext* user = current_thread()->m_user;
    text::format_to(err, "osprey: {} (pid {}, tid {}) killed by signal {} ({})", exe_path, pid(), user ? user->tid : 0,
                    sig, linux_abi::signal_name(sig));
    if (sig == linux_abi::SIGSEGV || sig == linux_abi::SIGBUS) text::format_to(err, " at address {:#x}", fault_address);
    text::format_to(err, "\n");
    if (user && user->frame) {
        const TrapFrame& f = *user->frame;
        text::format_to(err, "  rip {:#018x} rsp {:#018x} rbp {:#018x} rflags {:#x}\n", f.rip, f.rsp, f.rbp, f.rflags);
        text::format_to(err, "  rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}\n", f.rax, f.rbx, f.rcx, f.rdx);
        text::format_to(err, "  rsi {:#018x} rdi {:#018x} r8  {:#018x} r9  {:#018x}\n", f.rsi, f.rdi, f.r8, f.r9);
        text::format_to(err, "  r10 {:#018x} r11 {:#018x} r12 {:#018x} r13 {:#018x}\n", f.r10, f.r11, f.r12, f.r13);
        text::format_to(err, "  r14 {:#018x} r15 {:#018x}\n", f.r14, f.r15);
        text::format_to(err, "  #0 {:#018x}\n", f.rip);
        print_user_frames(err, f.rbp);
    }
    klog::info("application killed by signal {}", linux_abi::signal_name(sig));
    power::shutdown({protocol::ExitReason::Signaled, static_cast<u8>(sig)});
}

UserContext& current_user() { return *current_thread()->m_user; }
int current_tid() {
    Thread* t = current_thread();
    return t && t->m_user ? t->m_user->tid : 0;
}


}  // namespace proc
