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
#include "sched/watchdog.h"
#include "proc/process.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/ipi.h"
#include "arch/x86_64/smp.h"
#include "lib/atomic.h"
#include "lib/backtrace.h"
#include "lib/log.h"

extern "C" void switch_context(u64* save_rsp, u64 load_rsp);

namespace sched {

// One per CPU. `lock` guards the queue, the states of the threads in it or running here
// (Thread::m_cpu names this), and the fields below it. Two run-queue locks are never held
// at once: a thread moves between CPUs with one released before the other is taken, and
// in between it is Runnable in no queue, which wake() leaves alone.
struct CpuScheduler {
    IrqSpinLock lock{"run queue"};
    FairQueue queue;
    PerCpu* cpu = nullptr;
    u32 id = 0;
    Thread* idle = nullptr;
    Thread* switching_from = nullptr;  // the previous thread, for finish_switch()
    Timer slice_timer;
    u32 interrupt_depth = 0;
    u64 context_switches = 0;
    u64 preemptions = 0;
    u64 steals = 0;                  // threads this CPU took from another's queue
    u64 pushes = 0;                  // threads this CPU handed to a less loaded one
    // A reschedule IPI sent here and not yet answered (on_reschedule_interrupt or a
    // schedule() here clears it), and the timer, armed by the sender, that sends it again
    // if it stays so (on_kick_overdue).
    bool kick_pending = false;
    Timer kick_check;
    u64 kicks_resent = 0;            // IPIs sent again because the first went unanswered
    bool preempt_requested = false;  // by the slice timer or a wake-up, for the statistic
    // How many threads wait in the queue: read without the lock by CPUs choosing where a
    // thread goes (a stale figure only makes a worse choice).
    u32 queued = 0;
};

namespace {

CpuScheduler g_boot_cpu_scheduler;
// Every CPU's, by number; filled as CPUs come online (online_count() publishes them).
CpuScheduler* g_schedulers[smp::kMaxCpus] = {&g_boot_cpu_scheduler};
kstd::Atomic<u32> g_scheduler_count{1};

CpuScheduler& local() { return *this_cpu()->scheduler; }

u32 scheduler_count() { return g_scheduler_count.load(kstd::acquire); }

void push_work();

void on_slice_end(Timer&) {
    this_cpu()->need_resched = true;
    local().preempt_requested = true;
    push_work();
}

// Charges the running thread for the time since it got the CPU.
void account(CpuScheduler& s, Thread* thread, u64 now) {
    if (thread == s.idle) return;
    u64 ran = ktime::tsc_to_ns(now - thread->m_exec_start_tsc);
    s.queue.charge(thread->m_entity, ran);
    thread->m_exec_start_tsc = now;
}

// Whether FPU state must be saved when its thread leaves a CPU: once threads can run on
// more than one CPU, the registers of the CPU it left cannot be reached from the next.
bool fpu_saved_eagerly() { return scheduler_count() > 1; }

void switch_fpu(PerCpu* cpu, Thread* previous, Thread* next) {
    // Lazy on one CPU: the registers keep the last FPU user's state through any number of
    // kernel threads; they are saved only when another FPU user takes the CPU. With
    // several, a thread's state is saved as it leaves, and the registers are reused only
    // if nothing else was loaded here and it ran nowhere else meanwhile.
    if (fpu_saved_eagerly() && previous->uses_fpu() && cpu->fpu_owner == previous)
        fpu::save(previous->m_fpu_state);
    if (!next->uses_fpu()) return;
    if (cpu->fpu_owner == next && next->m_fpu_cpu == static_cast<i32>(cpu->id)) return;
    if (cpu->fpu_owner && !fpu_saved_eagerly()) fpu::save(cpu->fpu_owner->m_fpu_state);
    fpu::restore(next->m_fpu_state);
    cpu->fpu_owner = next;
    next->m_fpu_cpu = static_cast<i32>(cpu->id);
}

// Takes the run-queue lock of the CPU that holds `thread` (m_cpu may change until it is
// held). Returns with interrupts off; `restore` says how to hand them back.
CpuScheduler& lock_cpu_of(Thread* thread, bool& restore) {
    for (;;) {
        CpuScheduler* s = __atomic_load_n(&thread->m_cpu, __ATOMIC_ACQUIRE);
        restore = s->lock.lock();
        if (__atomic_load_n(&thread->m_cpu, __ATOMIC_ACQUIRE) == s) return *s;
        s->lock.unlock(restore);
    }
}

bool allowed(const Thread* thread, const CpuScheduler& s) { return thread->m_affinity & (1ull << s.id); }

// Read without the lock, as `queued` is.
bool busy(const CpuScheduler& s) { return __atomic_load_n(&s.cpu->current, __ATOMIC_RELAXED) != s.idle; }
u32 load(const CpuScheduler& s) { return __atomic_load_n(&s.queued, __ATOMIC_RELAXED) + busy(s); }

// After the queue changed, under the lock.
void publish_queued(CpuScheduler& s) { __atomic_store_n(&s.queued, static_cast<u32>(s.queue.size()), __ATOMIC_RELAXED); }

// Sends the reschedule IPI to another CPU: it then switches if need_resched says so, or
// arms its slice timer for the thread now waiting there, or looks for work to take.
// Never with a run-queue lock held: the target's handler takes its lock at once, and under
// QEMU's TCG a CPU spinning there competes for the emulator's global lock with the sender,
// whose APIC write needs it.
void kick(CpuScheduler& s) {
    if (&s != &local()) (void)ipi::send_reschedule(s.id);
}

// How long a reschedule IPI may go unanswered before it is sent again. Under QEMU 7.2's
// multi-threaded TCG a halted vCPU now and then stays asleep with the IPI pending in its
// APIC (IRR set, nothing in service, PPR 0, interrupts on: state dumps of hung runs show
// it), until something else wakes it; the second IPI does. Checked from the sender's
// side, so an idle CPU keeps no tick of its own.
constexpr u64 kKickAnswerNs = 5'000'000;

// Notes a kick about to be sent to `s` and arms the check that it is answered; `s.lock`
// held (it serializes every arming of s.kick_check).
void expect_answer(CpuScheduler& s) {
    s.kick_pending = true;
    if (!timers::armed(s.kick_check)) timers::arm(s.kick_check, cpu::rdtsc() + ktime::ns_to_tsc(kKickAnswerNs));
}

// Releases `s.lock`, sends the reschedule IPI if `kick_it`, then hands interrupts back.
void unlock_and_kick(CpuScheduler& s, bool kick_it, bool restore) {
    if (kick_it && &s != &local()) expect_answer(s);
    s.lock.unlock(false);
    if (kick_it) kick(s);
    if (restore) cpu::enable_interrupts();
}

void on_kick_overdue(Timer& timer) {
    auto& s = *static_cast<CpuScheduler*>(timer.context);
    s.lock.lock();
    bool again = s.kick_pending;
    if (again) {
        if (s.kicks_resent++ == 0)
            klog::info("cpu {} left a reschedule IPI unanswered for {} ms: sent again", s.id, kKickAnswerNs / 1'000'000);
        timers::arm(s.kick_check, cpu::rdtsc() + ktime::ns_to_tsc(kKickAnswerNs));
    }
    s.lock.unlock(false);
    if (again) kick(s);
}

// A CPU with nothing to run that `thread` may run on, other than `except`, this one first
// (a wake-up from an idle CPU's interrupt handler runs the thread there); else nullptr.
CpuScheduler* idle_cpu_for(const Thread* thread, const CpuScheduler* except) {
    u32 count = scheduler_count(), first = local().id;
    for (u32 i = 0; i < count; i++) {
        CpuScheduler* s = g_schedulers[(first + i) % count];
        if (s != except && allowed(thread, *s) && load(*s) == 0) return s;
    }
    return nullptr;
}

// The allowed CPU with the least to do: this one when it ties.
CpuScheduler& least_loaded_for(const Thread* thread) {
    CpuScheduler* best = &local();
    u32 best_load = allowed(thread, *best) ? load(*best) : ~0u;
    u32 count = scheduler_count();
    for (u32 i = 0; i < count; i++) {
        CpuScheduler* s = g_schedulers[i];
        if (!allowed(thread, *s)) continue;
        if (u32 l = load(*s); l < best_load) {
            best = s;
            best_load = l;
        }
    }
    return *best;
}

// Queues a thread that became runnable on `s` and decides whether it takes that CPU now.
// The running thread is charged first, so the comparison uses its true virtual runtime;
// if it keeps the CPU, it gets a slice timer, since it now has competition (another CPU
// arms its own, when the kick arrives). `s.lock` held. Returns whether `s` is another CPU,
// which the caller kicks once it has released the lock (unlock_and_kick).
[[nodiscard]] bool enqueue_and_check_preemption(CpuScheduler& s, Thread* thread, bool waking = true) {
    PerCpu* cpu = s.cpu;
    Thread* current = cpu->current;
    u64 now = cpu::rdtsc();
    if (current != s.idle) {
        account(s, current, now);
        s.queue.update_min_vruntime(&current->m_entity);
    }
    s.queue.enqueue(thread->m_entity, waking);
    thread->m_queued = true;
    publish_queued(s);
    bool remote = &s != &local();
    if (current == s.idle || s.queue.should_preempt(current->m_entity, thread->m_entity)) {
        __atomic_store_n(&cpu->need_resched, true, __ATOMIC_RELEASE);
        s.preempt_requested = true;
    } else if (!remote && !timers::armed(s.slice_timer)) {
        timers::arm(s.slice_timer, now + ktime::ns_to_tsc(s.queue.slice_ns(current->m_entity)));
    }
    return remote;
}

void dequeue_locked(CpuScheduler& s, Thread* thread) {
    s.queue.dequeue(thread->m_entity);
    thread->m_queued = false;
    publish_queued(s);
}

// Moves a Runnable thread that is in no queue and on no CPU from `from` (whose lock is
// held, and released here) to `to`'s queue. Its virtual runtime keeps its distance from
// the queue's minimum, so the move neither favours nor starves it.
void migrate(CpuScheduler& from, Thread* thread, CpuScheduler& to, bool restore) {
    u64 lag = thread->m_entity.vruntime - from.queue.min_vruntime();
    __atomic_store_n(&thread->m_cpu, &to, __ATOMIC_RELEASE);
    from.lock.unlock(false);
    to.lock.lock();
    thread->m_entity.vruntime = to.queue.min_vruntime() + lag;
    bool kick_it = false;
    if (thread->m_state == ThreadState::Runnable && !thread->m_queued && !thread->m_on_cpu)
        kick_it = enqueue_and_check_preemption(to, thread, false);
    unlock_and_kick(to, kick_it, restore);
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

// On the next thread, once the switch is done: the previous one is off its stack. A
// wake-up that came while it was still switching away (another CPU saw it on this one)
// left it Runnable in no queue: it is queued now. One no longer allowed here moves.
// Interrupts off.
void finish_switch(CpuScheduler& s) {
    s.lock.lock();
    Thread* previous = s.switching_from;
    s.switching_from = nullptr;
    if (!previous) {
        s.lock.unlock(false);
        return;
    }
    __atomic_store_n(&previous->m_on_cpu, false, __ATOMIC_RELEASE);
    bool dead = previous->m_state == ThreadState::Dead && previous->m_detached;
    if (previous->m_state == ThreadState::Runnable && previous != s.idle) {
        if (!allowed(previous, s)) {
            if (previous->m_queued) dequeue_locked(s, previous);
            migrate(s, previous, least_loaded_for(previous), false);
            return;
        }
        if (!previous->m_queued) (void)enqueue_and_check_preemption(s, previous);  // this CPU's: no kick
    }
    s.lock.unlock(false);
    // A dead detached thread is off its stack now: free it at once (waiting for the idle
    // thread would let a busy system pile them up).
    if (dead) destroy_thread(previous);
}

// Picks the next thread and switches to it. Interrupts off; `s.lock` not held.
void schedule() {
    PerCpu* cpu = this_cpu();
    CpuScheduler& s = local();
    cpu->progress++;  // the watchdog's sign of life (percpu.h)
    s.lock.lock();
    Thread* previous = cpu->current;
    u64 now = cpu::rdtsc();
    account(s, previous, now);
    if (previous != s.idle && (previous->m_state == ThreadState::Running || previous->m_state == ThreadState::Runnable)) {
        previous->m_state = ThreadState::Runnable;
        // One no longer allowed here stays out of the queue: finish_switch() moves it.
        if (allowed(previous, s)) {
            s.queue.enqueue(previous->m_entity, false);
            previous->m_queued = true;
        }
    }
    Thread* next = s.idle;
    if (auto* entity = s.queue.pop()) {
        next = static_cast<Thread*>(entity->owner);
        next->m_queued = false;
    }
    publish_queued(s);
    s.kick_pending = false;  // whatever a kick asked for is decided here
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
    lockdep::hand_over(&s.lock, *previous, *next);  // unlocked below, with `next` current
    cpu->current = next;
    cpu->kernel_stack_top = next->m_stack.top;
    gdt::set_kernel_stack(next->m_stack.top);
    switch_fpu(cpu, previous, next);
    switch_user_segments(next);
    if (next->m_page_table && !next->m_page_table->active()) next->m_page_table->activate();
    s.lock.unlock(false);
    switch_context(&previous->m_saved_rsp, next->m_saved_rsp);
    // Back on `previous`, switched in again by some later schedule() (on any CPU).
    finish_switch(local());
}

// Takes a thread that waits in a busy CPU's queue and may run here: the idle CPU's side of
// load balancing. Interrupts off, no run-queue lock held.
bool steal_work() {
    CpuScheduler& here = local();
    u32 count = scheduler_count();
    for (u32 i = 1; i < count; i++) {
        CpuScheduler& victim = *g_schedulers[(here.id + i) % count];
        if (__atomic_load_n(&victim.queued, __ATOMIC_RELAXED) == 0) continue;
        victim.lock.lock();
        SchedEntity* top = victim.queue.peek();
        Thread* thread = top ? static_cast<Thread*>(top->owner) : nullptr;
        // A thread still switching away from the victim is on its stack there; and a queue
        // whose CPU is idle is about to be run by it.
        if (!thread || thread->m_on_cpu || !allowed(thread, here) || !busy(victim)) {
            victim.lock.unlock(false);
            continue;
        }
        dequeue_locked(victim, thread);
        here.steals++;
        migrate(victim, thread, here, false);
        return true;
    }
    return false;
}

// The busy CPU's side of load balancing (idle CPUs steal, but busy ones never go idle to
// do it): when a slice ends with threads waiting here, the next of them moves to the
// allowed CPU with the least to do, if that has at least two fewer, so three threads on
// two CPUs stay put while four end up two and two. Interrupts off, no run-queue lock held.
void push_work() {
    CpuScheduler& here = local();
    if (__atomic_load_n(&here.queued, __ATOMIC_RELAXED) == 0) return;
    here.lock.lock();
    SchedEntity* top = here.queue.peek();
    Thread* thread = top ? static_cast<Thread*>(top->owner) : nullptr;
    CpuScheduler* target = nullptr;
    if (thread && !thread->m_on_cpu) {
        u32 mine = load(here), best = mine;
        u32 count = scheduler_count();
        for (u32 i = 0; i < count; i++) {
            CpuScheduler* s = g_schedulers[i];
            if (s == &here || !allowed(thread, *s)) continue;
            if (u32 l = load(*s); l + 1 < mine && l < best) {
                target = s;
                best = l;
            }
        }
    }
    if (!target) {
        here.lock.unlock(false);
        return;
    }
    dequeue_locked(here, thread);
    here.pushes++;
    migrate(here, thread, *target, false);
}

void idle_loop(void*) {
    for (;;) {
        cpu::disable_interrupts();
        if (this_cpu()->need_resched || !local().queue.empty() || steal_work()) {
            schedule();
        } else {
            smp::count_halt();
            cpu::enable_interrupts_and_halt();
            smp::count_wakeup();
        }
    }
}

}  // namespace

void init(const kernel_stacks::Stack& boot_stack) {
    PerCpu* cpu = this_cpu();
    cpu->scheduler = &g_boot_cpu_scheduler;
    g_boot_cpu_scheduler.cpu = cpu;
    g_boot_cpu_scheduler.id = cpu->id;
    g_boot_cpu_scheduler.slice_timer.callback = on_slice_end;
    g_boot_cpu_scheduler.kick_check.callback = on_kick_overdue;
    g_boot_cpu_scheduler.kick_check.context = &g_boot_cpu_scheduler;
    Thread* main = Thread::adopt_running("main", boot_stack);
    main->m_cpu = &g_boot_cpu_scheduler;
    main->m_exec_start_tsc = cpu::rdtsc();
    cpu->current = main;
    cpu->kernel_stack_top = boot_stack.top;
    gdt::set_kernel_stack(boot_stack.top);
    auto idle = Thread::spawn("idle", idle_loop, nullptr, {.nice = 19, .uses_fpu = false, .detached = true});
    if (idle.is_error()) panic("cannot create the idle thread");
    // spawn() queued it; the idle thread lives outside the queue.
    {
        IrqSpinLockGuard guard(g_boot_cpu_scheduler.lock);
        dequeue_locked(g_boot_cpu_scheduler, idle.value());
        idle.value()->m_state = ThreadState::Runnable;
        idle.value()->m_affinity = 1ull << cpu->id;
    }
    g_boot_cpu_scheduler.idle = idle.value();
    cpu->need_resched = false;
}

[[noreturn]] void run_secondary_cpu(const kernel_stacks::Stack& stack) {
    PerCpu* cpu = this_cpu();
    auto* s = new CpuScheduler;  // lives as long as its CPU: for ever
    s->cpu = cpu;
    s->id = cpu->id;
    s->slice_timer.callback = on_slice_end;
    s->kick_check.callback = on_kick_overdue;
    s->kick_check.context = s;
    Thread* idle = Thread::adopt_running("idle", stack);
    idle->m_cpu = s;
    idle->m_affinity = 1ull << cpu->id;
    idle->m_state = ThreadState::Runnable;
    s->idle = idle;
    cpu->current = idle;
    cpu->kernel_stack_top = stack.top;
    cpu->scheduler = s;
    apic::start_secondary_timer();
    timers::init_secondary();
    // Published in order: CPU n's scheduler is there before the count says n + 1.
    g_schedulers[cpu->id] = s;
    g_scheduler_count.store(cpu->id + 1, kstd::release);
    watchdog::start_this_cpu();
    idle_loop(nullptr);
    panic("cpu {}: its idle loop returned", cpu->id);
}

void start(Thread* thread) {
    thread->m_state = ThreadState::Runnable;
    CpuScheduler& s = least_loaded_for(thread);
    thread->m_cpu = &s;  // nobody else knows the thread yet
    bool restore = s.lock.lock();
    unlock_and_kick(s, enqueue_and_check_preemption(s, thread), restore);
}

void yield() {
    bool restore = cpu::interrupts_enabled();
    cpu::disable_interrupts();
    schedule();
    if (restore) cpu::enable_interrupts();
}

u32 wake_count() { return __atomic_load_n(&current_thread()->m_wakeups, __ATOMIC_ACQUIRE); }

void prepare_to_block(u32 seen_wakeups) {
    CpuScheduler& s = local();
    bool restore = s.lock.lock();
    Thread* self = this_cpu()->current;
    if (self->m_wakeups == seen_wakeups) self->m_state = ThreadState::Blocked;
    s.lock.unlock(restore);
}

void block() {
    ASSERT(!cpu::interrupts_enabled());
    schedule();
}

void wake(Thread* thread) {
    bool restore;
    CpuScheduler& s = lock_cpu_of(thread, restore);
    __atomic_add_fetch(&thread->m_wakeups, 1, __ATOMIC_RELEASE);
    if (thread->m_state != ThreadState::Blocked) {
        // Running on another CPU: a signal or a stop for it must not wait for that CPU's
        // next interrupt (with nothing else to run there, none may come): the reschedule
        // IPI makes it pass through an interrupt's way out, which delivers them.
        bool elsewhere = thread->m_on_cpu && &s != &local();
        unlock_and_kick(s, elsewhere, restore);
        return;
    }
    thread->m_state = ThreadState::Runnable;
    // Still on its CPU (between prepare_to_block and the switch away): that CPU queues it
    // once it is off (schedule() or finish_switch()), so it must not be queued here.
    if (thread->m_on_cpu) {
        s.lock.unlock(restore);
        return;
    }
    // Where it last ran, unless its affinity no longer allows that CPU, or that CPU is
    // busy and another it may use is idle.
    CpuScheduler* target = &s;
    if (!allowed(thread, s))
        target = &least_loaded_for(thread);
    else if (busy(s))
        if (CpuScheduler* idle = idle_cpu_for(thread, &s)) target = idle;
    if (target != &s) {
        migrate(s, thread, *target, restore);
        return;
    }
    unlock_and_kick(s, enqueue_and_check_preemption(s, thread), restore);
}

Result<void> set_affinity(Thread* thread, u64 mask) {
    if (!(mask & cpu_mask())) return Error(EINVAL);
    bool restore;
    CpuScheduler& s = lock_cpu_of(thread, restore);
    thread->m_affinity = mask;
    if (allowed(thread, s)) {
        s.lock.unlock(restore);
        return {};
    }
    if (thread->m_on_cpu) {
        // Running there: it moves when it next leaves the CPU (finish_switch), which the
        // kick makes soon.
        __atomic_store_n(&s.cpu->need_resched, true, __ATOMIC_RELEASE);
        unlock_and_kick(s, true, restore);
        return {};
    }
    if (thread->m_queued) {
        dequeue_locked(s, thread);
        migrate(s, thread, least_loaded_for(thread), restore);
        return {};
    }
    // Blocked: its next wake-up puts it on an allowed CPU.
    s.lock.unlock(restore);
    return {};
}

u64 affinity(const Thread* thread) { return __atomic_load_n(&thread->m_affinity, __ATOMIC_RELAXED); }

u32 cpu_count() { return scheduler_count(); }

u64 cpu_mask() { return scheduler_count() >= 64 ? ~0ull : (1ull << scheduler_count()) - 1; }

void on_reschedule_interrupt() {
    // A thread was queued here from another CPU: the slice timer it needs, if it did not
    // take the CPU at once (preempt_on_interrupt_exit switches when it does).
    CpuScheduler& s = local();
    s.lock.lock();
    s.kick_pending = false;
    if (this_cpu()->current != s.idle && !s.queue.empty() && !timers::armed(s.slice_timer))
        timers::arm(s.slice_timer, cpu::rdtsc() + ktime::ns_to_tsc(s.queue.slice_ns(this_cpu()->current->m_entity)));
    s.lock.unlock(false);
}

bool idle_running() {
    PerCpu* cpu = this_cpu();
    return !cpu->scheduler || cpu->current == cpu->scheduler->idle;
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
        prepare_to_block(wake_count());  // the loop re-checks the clock anyway
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

namespace {
const char* state_name(ThreadState state) {
    switch (state) {
        case ThreadState::Runnable: return "runnable";
        case ThreadState::Running: return "running";
        case ThreadState::Blocked: return "blocked";
        case ThreadState::Dead: return "dead";
    }
    return "?";
}
}  // namespace

void print_cpu_state() {
    if (!this_cpu()->scheduler) {
        klog::print("cpu {}: before the scheduler started\n", this_cpu()->id);
        return;
    }
    CpuScheduler& s = local();
    Thread* current = this_cpu()->current;
    klog::print("cpu {}: running {} '{}'{}, {} queued, need_resched {}, switching from {}, slice timer {}, "
                "interrupt depth {}, reschedule IPI {}{}; APIC: highest requested {:#x}, in service {:#x}, PPR {:#x}; "
                "{} IPIs sent again\n",
                s.id, current->id(), current->name(), current == s.idle ? " (idle)" : "", s.queue.size(),
                this_cpu()->need_resched, s.switching_from ? s.switching_from->id() : 0,
                timers::armed(s.slice_timer) ? "armed" : "off", s.interrupt_depth,
                apic::requested(ipi::kRescheduleVector) ? "requested" : "not requested",
                apic::in_service(ipi::kRescheduleVector) ? ", in service" : "", apic::highest_requested(),
                apic::highest_in_service(), apic::processor_priority(), s.kicks_resent);
    lockdep::print_held(*current);
}

void print_thread_state(Thread& thread) {
    bool on_cpu = __atomic_load_n(&thread.m_on_cpu, __ATOMIC_ACQUIRE);
    const CpuScheduler* s = thread.m_cpu;
    klog::print("thread {} '{}': {}{}{}, cpu {}\n", thread.id(), thread.name(), state_name(thread.m_state),
                on_cpu ? ", on a CPU" : "", thread.m_queued ? ", queued" : "", s ? static_cast<i64>(s->id) : -1);
    lockdep::print_held(thread);
    // One on a CPU: that CPU's line shows where it is. A dead one is nowhere.
    if (on_cpu || thread.m_state == ThreadState::Dead) return;
    // switch_context() saved r15, r14, r13, r12, rbx, rbp and rflags below its return
    // address into schedule().
    const u64* saved = reinterpret_cast<const u64*>(thread.m_saved_rsp);
    if (!saved) return;
    backtrace::print_address(saved[7]);
    backtrace::print_from(saved[5]);
}

Stats stats() {
    CpuScheduler& s = local();
    IrqSpinLockGuard guard(s.lock);
    return {s.context_switches, s.preemptions, s.queue.size()};
}

CpuStats cpu_stats(u32 cpu) {
    if (cpu >= scheduler_count()) return {};
    CpuScheduler& s = *g_schedulers[cpu];
    IrqSpinLockGuard guard(s.lock);
    return {s.context_switches, s.preemptions, s.steals, s.pushes, s.kicks_resent, static_cast<u32>(s.queue.size()),
            busy(s)};
}

CpuStats total_cpu_stats() {
    CpuStats total{};
    for (u32 cpu = 0; cpu < scheduler_count(); cpu++) {
        CpuStats one = cpu_stats(cpu);
        total.context_switches += one.context_switches;
        total.preemptions += one.preemptions;
        total.steals += one.steals;
        total.pushes += one.pushes;
        total.kicks_resent += one.kicks_resent;
        total.queued += one.queued;
        total.busy = total.busy || one.busy;
    }
    return total;
}

}  // namespace sched
