#include "proc/user_thread.h"

#include <cstring>
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/percpu.h"
#include "mm/address_space.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

extern "C" [[noreturn]] void enter_user(TrapFrame* frame);

namespace proc {

namespace {

struct Launch {
    UserThreadStart start;
    UserContext* user;
};

TrapFrame* frame_slot(Thread* thread) {
    return reinterpret_cast<TrapFrame*>(thread->m_stack.top - align_up(sizeof(TrapFrame), 16));
}

// Runs on the new thread's kernel stack: fills in the frame slot at its top and drops to
// ring 3. Nothing of this function's frame is needed once it does.
[[noreturn]] void run_user(void* argument) {
    auto* launch = static_cast<Launch*>(argument);
    Thread* self = current_thread();
    self->m_user->thread = self;
    TrapFrame* frame = frame_slot(self);
    *frame = launch->start.frame;
    frame->cs = gdt::kUserCode;
    frame->ss = gdt::kUserData;
    frame->rflags = (frame->rflags & 0xcd5) | (1ull << 9) | 2;  // user flags, IF on
    frame->vector = ~0ull;
    self->m_user->frame = frame;
    u64 set_child_tid = launch->start.set_child_tid;
    delete launch;
    // fork's CLONE_CHILD_SETTID: the child's own memory, written from the child.
    if (set_child_tid) (void)user_memory::copy_to(set_child_tid, &self->m_user->tid, sizeof(int));
    cpu::disable_interrupts();
    // The scheduler loads FS/GS bases on switches; this thread is already running.
    cpu::wrmsr(cpu::msr::kFsBase, self->m_user->fs_base);
    this_cpu()->loaded_fs_base = self->m_user->fs_base;
    cpu::wrmsr(cpu::msr::kKernelGsBase, self->m_user->gs_base);
    this_cpu()->loaded_user_gs_base = self->m_user->gs_base;
    enter_user(frame);
}

}  // namespace

Result<int> spawn_user_thread(const UserThreadStart& start, const char* name) {
    Process& process = start.process ? *start.process : Process::current();
    auto* user = new (std::nothrow) UserContext;
    auto* launch = new (std::nothrow) Launch{start, user};
    if (!user || !launch) {
        delete user;
        delete launch;
        return Error(ENOMEM);
    }
    user->process = &process;
    user->tid = start.tid ? start.tid : process.allocate_tid();
    // Kept apart: once spawned, the thread may run, exit and free `user` before we return.
    int tid = user->tid;
    user->fs_base = start.fs_base;
    user->gs_base = start.gs_base;
    user->blocked = start.blocked;
    user->clear_child_tid = start.clear_child_tid;
    process.add_thread(*user);
    // Threads of the application are detached: the kernel reclaims them when they exit;
    // the application joins them through CLONE_CHILD_CLEARTID futexes.
    auto thread = Thread::spawn(name, run_user, launch,
                                {.uses_fpu = true,
                                  .detached = true,
                                  .user_frame = true,
                                  .user = user,
                                  .page_table = &process.memory().page_table(),
                                  // A new thread or process keeps its creator's CPUs, as on Linux.
                                  .affinity = current_thread() && current_thread()->m_user
                                                  ? sched::affinity(current_thread())
                                                  : ~0ull});
    if (thread.is_error()) {
        process.forget_thread(*user);
        delete user;
        delete launch;
        return Error(thread.error());
    }
    return tid;
}

TrapFrame& current_user_frame() { return *current_thread()->m_user->frame; }

// Interrupts stay off from the thread's record to the CPU's: a switch after the MSR write
// but before loaded_*_base leaves the CPU's record stale, and the next thread whose base
// equals the stale value (a forked parent, when its child execs) skips the write and runs
// on this one's base (glibc's parent then faulted at %fs:-128 after fork).
void set_current_fs_base(u64 base) {
    bool enabled = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    current_user().fs_base = base;
    cpu::wrmsr(cpu::msr::kFsBase, base);
    this_cpu()->loaded_fs_base = base;
    if (enabled) cpu::enable_interrupts();
}

void set_current_gs_base(u64 base) {
    bool enabled = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    current_user().gs_base = base;
    cpu::wrmsr(cpu::msr::kKernelGsBase, base);
    this_cpu()->loaded_user_gs_base = base;
    if (enabled) cpu::enable_interrupts();
}

namespace {
ThreadExitHook g_exit_hook = nullptr;
}  // namespace

void set_thread_exit_hook(ThreadExitHook hook) { g_exit_hook = hook; }

[[noreturn]] void exit_current_thread(int status) {
    Thread* self = current_thread();
    UserContext* user = self->m_user;
    Process& process = *user->process;
    if (g_exit_hook) g_exit_hook(*user);  // the last touch of user memory
    // Off the process's table before the process stops counting this thread: from then on
    // its last thread may free the table (exit, or exec replacing the image), and a switch
    // back to this thread must not load a freed table (the CPU reset on a CR3 of 0 when a
    // killed thread was preempted here and its siblings' exit ran in between).
    bool enabled = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    self->m_page_table = nullptr;
    if (!paging::kernel_space().active()) paging::kernel_space().activate();
    if (enabled) cpu::enable_interrupts();
    int tid = user->tid;
    bool last = process.remove_thread(*user);
    process.release_tid(tid);
    if (last) process.finish(status);  // pid 1 does not return; `process` may be gone after
    cpu::disable_interrupts();
    if (this_cpu()->fpu_owner == self) this_cpu()->fpu_owner = nullptr;
    self->m_user = nullptr;
    delete user;
    thread_exit(status);
}

}  // namespace proc
