#include "sched/thread.h"

#include "lib/atomic.h"
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap_frame.h"
#include "lib/panic.h"
#include "mm/heap.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sync/spinlock.h"

extern "C" void thread_trampoline();

namespace {
kstd::Atomic<u64> g_next_id{1};
kstd::Atomic<usize> g_live_threads{0};

IrqSpinLock g_registry_lock{"thread registry"};
IntrusiveList<Thread, &Thread::m_all_node> g_registry;  // guarded by g_registry_lock

void register_thread(Thread* thread) {
    IrqSpinLockGuard guard(g_registry_lock);
    g_registry.push_back(*thread);
}

void copy_name(char* dest, usize capacity, const char* name) {
    usize i = 0;
    for (; name && name[i] && i + 1 < capacity; i++) dest[i] = name[i];
    dest[i] = '\0';
}
}  // namespace

Result<Thread*> Thread::spawn(const char* name, Entry entry, void* argument, ThreadOptions options) {
    auto* thread = new (std::nothrow) Thread;
    if (!thread) return Error(ENOMEM);
    g_live_threads++;
    register_thread(thread);
    thread->m_id = g_next_id++;
    copy_name(thread->m_name, sizeof thread->m_name, name);
    thread->m_detached = options.detached;
    thread->m_user = options.user;
    thread->m_page_table = options.page_table;
    thread->m_affinity = options.affinity;
    thread->m_entity.owner = thread;
    thread->m_entity.weight = sched::weight_for_nice(options.nice);

    auto stack = kernel_stacks::allocate();
    if (stack.is_error()) {
        destroy_thread(thread);
        return Error(ENOMEM);
    }
    thread->m_stack = stack.value();
    if (options.uses_fpu) {
        auto state = fpu::allocate_initial_state();
        if (state.is_error()) {
            destroy_thread(thread);
            return Error(ENOMEM);
        }
        thread->m_fpu_state = state.value();
    }

    // The first switch_context() to this thread pops six callee-saved registers (rbx =
    // entry, r12 = argument) and returns into thread_trampoline with a 16-byte aligned
    // stack, as after a call's return.
    u64 top = thread->m_stack.top - (options.user_frame ? align_up(sizeof(TrapFrame), 16) : 0);
    u64* sp = reinterpret_cast<u64*>(top);
    *--sp = reinterpret_cast<u64>(thread_trampoline);
    *--sp = 0x2;                                 // rflags: interrupts off until started
    *--sp = 0;                                   // rbp
    *--sp = reinterpret_cast<u64>(entry);        // rbx
    *--sp = reinterpret_cast<u64>(argument);     // r12
    *--sp = 0;                                   // r13
    *--sp = 0;                                   // r14
    *--sp = 0;                                   // r15
    thread->m_saved_rsp = reinterpret_cast<u64>(sp);

    sched::start(thread);
    sched::preempt_point();
    return thread;
}

Thread* Thread::adopt_running(const char* name, const kernel_stacks::Stack& stack) {
    auto* thread = new Thread;
    g_live_threads++;
    register_thread(thread);
    thread->m_id = g_next_id++;
    copy_name(thread->m_name, sizeof thread->m_name, name);
    thread->m_entity.owner = thread;
    thread->m_stack = stack;
    thread->m_state = ThreadState::Running;
    thread->m_on_cpu = true;
    return thread;
}

// The first thing every new thread runs (from thread_trampoline).
extern "C" [[noreturn]] void thread_start(Thread::Entry entry, void* argument) {
    sched::finish_switch_to_new_thread();
    cpu::enable_interrupts();
    entry(argument);
    thread_exit(0);
}

[[noreturn]] void thread_exit(int code) {
    Thread* self = current_thread();
    self->m_exit_waiters.locked([&] {
        self->m_exit_code = code;
        self->m_exited = true;
    });
    // Wake the joiner without letting it run before this thread is off the CPU: the
    // scheduler switch below is the next thing that happens.
    cpu::disable_interrupts();
    self->m_exit_waiters.wake_all();
    sched::exit_current();
}

int Thread::join(Thread* thread) {
    ASSERT(!thread->m_detached);
    ASSERT(thread != current_thread());
    (void)thread->m_exit_waiters.wait_until([&] { return thread->m_exited; });
    // It has exited, but may still be switching away on another CPU: wait until it is
    // off its stack before freeing that stack.
    cpu::SpinWait spin;
    while (__atomic_load_n(&thread->m_on_cpu, __ATOMIC_ACQUIRE)) spin.once();
    int code = thread->m_exit_code;
    destroy_thread(thread);
    return code;
}

void destroy_thread(Thread* thread) {
    if (thread->m_stack.top) kernel_stacks::free(thread->m_stack);
    if (thread->m_fpu_state) fpu::free_state(thread->m_fpu_state);
    {
        IrqSpinLockGuard guard(g_registry_lock);
        g_registry.remove(*thread);
    }
    delete thread;
    g_live_threads--;
}

usize live_thread_count() { return g_live_threads; }

bool visit_threads(void (*visit)(Thread& thread, void* context), void* context) {
    u64 give_up = cpu::rdtsc() + ktime::ns_to_tsc(200'000'000);
    bool restore;
    cpu::SpinWait spin;
    while (!g_registry_lock.try_lock(restore)) {
        if (static_cast<i64>(cpu::rdtsc() - give_up) > 0) return false;
        spin.once();
    }
    g_registry.for_each([&](Thread& thread) { visit(thread, context); });
    g_registry_lock.unlock(restore);
    return true;
}
