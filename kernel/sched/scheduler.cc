#include "sched/scheduler.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/percpu.h"
#include "lib/panic.h"
#include "sched/clock.h"
#include "sched/thread.h"
#include "sched/timer.h"
#include "proc/process.h"

extern "C" void switch_context(u64* save_rsp, u64 load_rsp);

namespace sched {

// One per CPU. `lock` guards the queue, the states of the threads in it or running here,
// and the fields below it.
struct CpuScheduler {
    IrqSpinLock lock;
    FairQueue queue;
    Thread* idle = nullptr;
    Thread* switching_from = nullptr;  // the previous thread, for finish_switch()
    Timer slice_timer;
    u32 interrupt_depth = 0;
    u64 context_switches = 0;
    u64 preemptions = 0;
    bool preempt_requested = false;  // by the slice timer or a wake-up, for the statistic
};

namespace {

CpuScheduler g_boot_cpu_scheduler;

CpuScheduler& local() { return *this_cpu()->scheduler; }

void on_slice_end(Timer&) {
    this_cpu()->need_resched = true;
    local().preempt_requested = true;
}

// Charges the running thread for the time since it got the CPU.
void account(CpuScheduler& s, Thread* thread, u64 now) {
    if (thread == s.idle) return;
    u64 ran = ktime::tsc_to_ns(now - thread->m_exec_start_tsc);
    s.queue.charge(thread->m_entity, ran);
    thread->m_exec_start_tsc = now;
}

void switch_fpu(PerCpu* cpu, Thread* next) {
    // Lazy: the registers keep the last FPU user's state through any number of kernel
    // threads; they are saved only when another FPU user takes the CPU.
    if (!next->uses_fpu() || cpu->fpu_owner == next) return;
    if (cpu->fpu_owner) fpu::save(cpu->fpu_owner->m_fpu_state);
    fpu::restore(next->m_fpu_state);
    cpu->fpu_owner = next;
}

// Queues a thread that became runnable and decides whether it takes the CPU now. The
// running thread is charged first, so the comparison uses its true virtual runtime; if it
// keeps the CPU, it gets a slice timer, since it now has competition. `s.lock` held.
void enqueue_and_check_preemption(CpuScheduler& s, Thread* thread) {
    PerCpu* cpu = this_cpu();
    Thread* current = cpu->current;
    u64 now = cpu::rdtsc();
    if (current != s.idle) {
        account(s, current, now);
        s.queue.update_min_vruntime(&current->m_entity);
    }
    s.queue.enqueue(thread->m_entity, true);
    if (current == s.idle || s.queue.should_preempt(current->m_entity, thread->m_entity)) {
        cpu->need_resched = true;
        s.preempt_requested = true;
    } else if (!timers::armed(s.slice_timer)) {
        timers::arm(s.slice_timer, now + ktime::ns_to_tsc(s.queue.slice_ns(current->m_entity)));
    }
}

// An application thread's FS base (its TLS) and user GS base. Writing the MSR is slow
// under emulation, so it is skipped when the value is already there.
void switch_user_segments(Thread* next) {
    if (!next->m_user) return;
    u64 fs = proc::user_fs_base(*next->m_user);
    u64 gs = proc::user_gs_base(*next->m_user);
    if (this_cpu()->loaded_fs_base != fs) {
        cpu::wrmsr(cpu::msr::kFsBase, fs);
        this_cpu()->loaded_fs_base = fs;
    }
    if (this_cpu()->loaded_user_gs_base != gs) {
        cpu::wrmsr(cpu::msr::kKernelGsBase, gs);  // swapgs makes it GS in ring 3
        this_cpu()->loaded_user_gs_base = gs;
    }
}

void finish_switch(CpuScheduler& s) {
    Thread* previous = s.switching_from;
    s.switching_from = nullptr;
    if (!previous) return;
    previous->m_on_cpu = false;
    // A dead detached thread is off its stack now: free it at once (waiting for the idle
    // thread would let a busy system pile them up).
    if (previous->m_state == ThreadState::Dead && previous->m_detached) destroy_thread(previous);
    (void)s;
}

// Picks the next thread and switches to it. Interrupts off; `s.lock` not held.
void schedule() {
    PerCpu* cpu = this_cpu();
    CpuScheduler& s = local();
    s.lock.lock();
    Thread* previous = cpu->current;
    u64 now = cpu::rdtsc();
    account(s, previous, now);
    if (previous != s.idle && (previous->m_state == ThreadState::Running || previous->m_state == ThreadState::Runnable)) {
        previous->m_state = ThreadState::Runnable;
        s.queue.enqueue(previous->m_entity, false);
    }
    Thread* next = s.idle;
    if (auto* entity = s.queue.pop()) next = static_cast<Thread*>(entity->owner);
    next->m_state = ThreadState::Running;
    next->m_exec_start_tsc = now;
    s.queue.update_min_vruntime(next == s.idle ? nullptr : &next->m_entity);
    cpu->need_resched = false;
    if (s.preempt_requested && next != previous) s.preemptions++;
    s.preempt_requested = false;

    // Tickless: a slice timer only when someone else is waiting for the CPU.
    if (next != s.idle && !s.queue.empty())
        timers::arm(s.slice_timer, now + ktime::ns_to_tsc(s.queue.slice_ns(next->m_entity)));
    else
        timers::cancel(s.slice_timer);

    if (next == previous) {
        s.lock.unlock(false);
        return;
    }
    s.context_switches++;
    next->m_on_cpu = true;
    s.switching_from = previous;
    cpu->current = next;
    cpu->kernel_stack_top = next->m_stack.top;
    gdt::set_kernel_stack(next->m_stack.top);
    switch_fpu(cpu, next);
    switch_user_segments(next);
    if (next->m_page_table && !next->m_page_table->active()) next->m_page_table->activate();
    s.lock.unlock(false);
    switch_context(&previous->m_saved_rsp, next->m_saved_rsp);
    // Back on `previous`, switched in again by some later schedule().
    finish_switch(local());
}

void idle_loop(void*) {
    for (;;) {
        cpu::disable_interrupts();
        if (this_cpu()->need_resched || !local().queue.empty())
            schedule();
        else
            cpu::enable_interrupts_and_halt();
    }
}

}  // namespace

void init(const kernel_stacks::Stack& boot_stack) {
    PerCpu* cpu = this_cpu();
    cpu->scheduler = &g_boot_cpu_scheduler;
    g_boot_cpu_scheduler.slice_timer.callback = on_slice_end;
    Thread* main = Thread::adopt_running("main", boot_stack);
    main->m_exec_start_tsc = cpu::rdtsc();
    cpu->current = main;
    cpu->kernel_stack_top = boot_stack.top;
    gdt::set_kernel_stack(boot_stack.top);
    auto idle = Thread::spawn("idle", idle_loop, nullptr, {.nice = 19, .uses_fpu = false, .detached = true});
    if (idle.is_error()) panic("cannot create the idle thread");
    // spawn() queued it; the idle thread lives outside the queue.
    {
        IrqSpinLockGuard guard(g_boot_cpu_scheduler.lock);
        g_boot_cpu_scheduler.queue.dequeue(idle.value()->m_entity);
        idle.value()->m_state = ThreadState::Runnable;
    }
    g_boot_cpu_scheduler.idle = idle.value();
    cpu->need_resched = false;
}

void start(Thread* thread) {
    CpuScheduler& s = local();
    bool restore = s.lock.lock();
    thread->m_state = ThreadState::Runnable;
    enqueue_and_check_preemption(s, thread);
    s.lock.unlock(restore);
}

void yield() {
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    schedule();
    if (restore) cpu::enable_interrupts();
}

void prepare_to_block() {
    CpuScheduler& s = local();
    bool restore = s.lock.lock();
    this_cpu()->current->m_state = ThreadState::Blocked;
    s.lock.unlock(restore);
}

void block() {
    ASSERT(!cpu::interrupts_enabled());
    schedule();
}

void wake(Thread* thread) {
    CpuScheduler& s = local();
    bool restore = s.lock.lock();
    if (thread->m_state == ThreadState::Blocked) {
        thread->m_state = ThreadState::Runnable;
        // Still on the CPU (between prepare_to_block and block): it will see it is
        // runnable when it schedules, so it must not be queued twice.
        if (!thread->m_on_cpu) enqueue_and_check_preemption(s, thread);
    }
    s.lock.unlock(restore);
}

void preempt_point() {
    if (!this_cpu()->need_resched || !cpu::interrupts_enabled() || local().interrupt_depth) return;
    cpu::disable_interrupts();
    schedule();
    cpu::enable_interrupts();
}

void enter_interrupt() {
    if (auto* s = this_cpu()->scheduler) s->interrupt_depth++;
}
void leave_interrupt() {
    if (auto* s = this_cpu()->scheduler) s->interrupt_depth--;
}

void preempt_on_interrupt_exit() {
    // Only once the scheduler exists (early interrupts have no threads to switch).
    if (!this_cpu()->need_resched || !this_cpu()->scheduler || local().interrupt_depth) return;
    schedule();
}

namespace {
void wake_sleeper(Timer& timer) { wake(static_cast<Thread*>(timer.context)); }
}  // namespace

void sleep_until_tsc(u64 deadline_tsc) {
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    Timer timer;
    timer.callback = wake_sleeper;
    timer.context = this_cpu()->current;
    // A wake-up for another reason (none today) would return early: loop on the clock.
    while (static_cast<i64>(cpu::rdtsc() - deadline_tsc) < 0) {
        prepare_to_block();
        timers::arm(timer, deadline_tsc);
        schedule();
    }
    timers::cancel(timer);
    if (restore) cpu::enable_interrupts();
}

void sleep_ns(u64 ns) { sleep_until_tsc(cpu::rdtsc() + ktime::ns_to_tsc(ns)); }

[[noreturn]] void exit_current() {
    cpu::disable_interrupts();
    PerCpu* cpu = this_cpu();
    CpuScheduler& s = local();
    {
        s.lock.lock();
        cpu->current->m_state = ThreadState::Dead;
        if (cpu->fpu_owner == cpu->current) cpu->fpu_owner = nullptr;
        s.lock.unlock(false);
    }
    schedule();
    panic("a dead thread was scheduled again");
}

void finish_switch_to_new_thread() { finish_switch(local()); }

Stats stats() {
    CpuScheduler& s = local();
    IrqSpinLockGuard guard(s.lock);
    return {s.context_switches, s.preemptions, s.queue.size()};
}

}  // namespace sched
