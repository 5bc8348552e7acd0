// Kernel threads. Each has its own kernel stack (with a guard page below it), its saved
// registers, and, if it uses the FPU (application threads), its own FPU/SSE/AVX state.
// Application threads (issue 4) are kernel threads that also have a user context.
#pragma once

#include <cstddef>

#include "arch/x86_64/percpu.h"
#include "base/intrusive_list.h"
#include "base/result.h"
#include "mm/kernel_stacks.h"
#include "sched/fair_queue.h"
#include "sync/wait_queue.h"

namespace proc {
struct UserContext;
}
namespace paging {
class PageTable;
}
namespace sched {
struct CpuScheduler;
}

enum class ThreadState : u8 {
    Runnable,  // in a run queue
    Running,   // on a CPU
    Blocked,   // waiting; a wake-up makes it Runnable
    Dead,      // exited; waiting to be joined (or reaped if detached)
};

struct ThreadOptions {
    int nice = 0;
    bool uses_fpu = false;  // gets an FPU save area and the state it needs
    bool detached = false;  // reclaimed by the kernel when it exits; cannot be joined
    // Keeps the top of the kernel stack for the saved user registers (TrapFrame), where
    // syscall and interrupt entries from ring 3 put them.
    bool user_frame = false;
    // The application side of the thread, attached before it can first run.
    proc::UserContext* user = nullptr;
    const paging::PageTable* page_table = nullptr;  // an application thread's (m_page_table)
    u64 affinity = ~0ull;  // the CPUs it may run on from the start (sched::set_affinity)
};

class Thread {
public:
    using Entry = void (*)(void* argument);

    // Creates a thread and makes it runnable. ENOMEM when its stack or state cannot be had.
    static Result<Thread*> spawn(const char* name, Entry entry, void* argument, ThreadOptions options = {});
    // Waits until the thread has exited, frees everything it held and returns its exit code.
    // Only for joinable threads, and at most once.
    static int join(Thread* thread);
    // Gives the flow that is already running (the boot flow, on `stack`) a Thread, so the
    // scheduler can switch away from it and back.
    static Thread* adopt_running(const char* name, const kernel_stacks::Stack& stack);

    u64 id() const { return m_id; }
    const char* name() const { return m_name; }
    ThreadState state() const { return m_state; }
    bool uses_fpu() const { return m_fpu_state != nullptr; }

    // The scheduler's view; fields below are guarded by the run queue lock
    // (sched/scheduler.cc) unless noted.
    sched::SchedEntity m_entity;
    ThreadState m_state = ThreadState::Runnable;
    bool m_on_cpu = false;       // running, or still switching away
    bool m_queued = false;       // in m_cpu's run queue
    // Bumped by every sched::wake() of the thread: a waiter notes it before it checks its
    // condition, and prepare_to_block() does not block if it moved since (a waker that
    // sets the condition without the waiter's lock, as a signal's sender does, would
    // otherwise be lost between the check and the block on another CPU).
    u32 m_wakeups = 0;
    // The CPU whose run queue holds the thread, or where it runs or last ran: its lock
    // guards the fields above. Changed only with that lock held (a migration).
    sched::CpuScheduler* m_cpu = nullptr;
    u64 m_affinity = ~0ull;      // the CPUs it may run on, a bit per CPU number
    // The CPU whose FPU registers hold this thread's state last loaded there (-1: none);
    // its registers are current for it only if it is still that CPU's fpu_owner.
    i32 m_fpu_cpu = -1;
    u64 m_exec_start_tsc = 0;    // when it last got the CPU
    u64 m_saved_rsp = 0;         // valid while not on a CPU
    void* m_fpu_state = nullptr; // nullptr for threads that never use the FPU
    kernel_stacks::Stack m_stack{};
    bool m_detached = false;
    int m_exit_code = 0;
    bool m_exited = false;       // guarded by m_exit_waiters' lock
    WaitQueue m_exit_waiters;
    proc::UserContext* m_user = nullptr;  // set for application threads
    // The page table an application thread runs on (its process's address space), loaded
    // when it is switched in; kernel threads run on whichever is loaded (the kernel half
    // is the same in all).
    const paging::PageTable* m_page_table = nullptr;
    // While non-zero, a user copy that faults fails at once instead of paging in
    // (user_memory::NoFaultCopies): for copies made under a lock the fault path may take.
    u32 m_no_fault_copies = 0;
    ListNode m_all_node;  // in the registry of every thread (visit_threads), under its lock

private:
    Thread() = default;
    ~Thread() = default;
    friend void destroy_thread(Thread*);

    u64 m_id = 0;
    char m_name[24] = {};

public:
#ifdef OSPREY_LOCKDEP
    lockdep::HeldLocks m_held_locks;  // this thread's only (sync/lockdep.h)
#endif
};

// The thread running on this CPU: one load through GS (every system call asks several
// times). Volatile, so no read is merged with one from before the scheduler set it.
inline Thread* current_thread() {
    Thread* thread;
    asm volatile("movq %%gs:%c1, %0" : "=r"(thread) : "i"(offsetof(PerCpu, current)));
    return thread;
}
// Ends the calling thread with an exit code; never returns.
[[noreturn]] void thread_exit(int code);
// Frees a dead thread's stack, FPU state and object (scheduler use only).
void destroy_thread(Thread* thread);
// How many threads exist (created and not yet destroyed), for leak checks.
usize live_thread_count();
// Calls visit(thread, context) for every thread that exists, with the registry locked
// (threads are neither created nor freed meanwhile) and interrupts off. For the state
// dump, which may run in an NMI that interrupted the registry's holder: it tries the lock
// for a bounded time and returns false, visiting nothing, if it stayed busy.
bool visit_threads(void (*visit)(Thread& thread, void* context), void* context);
