// Deliberate hangs for the watchdog (sched/watchdog.h). Like the fault tests they never
// pass by returning: the watchdog's report and the `hang` exit record are what the guest
// tests check (tests/guest/CMakeLists.txt, with a short `watchdog=` threshold).
#include "arch/x86_64/cpu.h"
#include "lib/log.h"
#include "sched/scheduler.h"
#include "sched/thread.h"
#include "selftest/selftest.h"
#include "sync/mutex.h"
#include "sync/spinlock.h"

namespace selftest {

namespace {

Mutex g_held_while_looping{"selftest looping"};
IrqSpinLock g_held_while_spinning{"selftest spinning"};

// A kernel loop that never schedules, interrupts on: what a bug in a system call that
// waits for a condition without blocking looks like.
[[gnu::noinline]] void loop_in_kernel_forever() {
    for (;;) asm volatile("" ::: "memory");
}

bool watchdog_loop() {
    MutexLocker held(g_held_while_looping);
    klog::print("  looping in the kernel with interrupts on, holding a mutex\n");
    loop_in_kernel_forever();
    return false;
}

// A lock holder that spins with interrupts off: its CPU takes no timer interrupt, so
// another CPU's watchdog has to notice.
[[gnu::noinline]] void spin_with_lock_forever(void*) {
    IrqSpinLockGuard held(g_held_while_spinning);
    for (;;) asm volatile("" ::: "memory");
}

bool watchdog_interrupts_off() {
    if (sched::cpu_count() < 2) {
        klog::print("  needs two CPUs or more: one alone with interrupts off has nobody to notice it\n");
        return false;
    }
    klog::print("  cpu 1 spins with interrupts off, holding a spinlock\n");
    auto spinner = Thread::spawn("spinner", spin_with_lock_forever, nullptr, {.detached = true, .affinity = 2});
    if (spinner.is_error()) return false;
    for (;;) sched::sleep_ns(1'000'000'000);
}

constexpr Test kWatchdogTests[] = {
    {"watchdog-loop", watchdog_loop, true},
    {"watchdog-irqoff", watchdog_interrupts_off, true},
};

}  // namespace

std::span<const Test> watchdog_tests() { return kWatchdogTests; }

}  // namespace selftest
