#include "boot/startup.h"

#include "arch/x86_64/cpu.h"
#include "drivers/serial/channels.h"
#include "protocol/startup_timeline.h"
#include "sched/clock.h"

extern "C" u64 boot_entry_tsc;  // arch/x86_64/boot.S: the TSC at the PVH entry

namespace startup {

namespace {
// Indexed by Step; each written once (the first mark wins), read at power-off.
u64 g_marks[3];
}  // namespace

void mark(Step step) {
    u64& slot = g_marks[static_cast<int>(step)];
    if (__atomic_load_n(&slot, __ATOMIC_RELAXED)) return;
    u64 expected = 0;
    __atomic_compare_exchange_n(&slot, &expected, cpu::rdtsc(), false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void send_timeline() {
    protocol::StartupTimeline t;
    t.tsc_khz = ktime::tsc_hz() / 1000;
    t.pvh_entry = boot_entry_tsc;
    t.kernel_ready = g_marks[static_cast<int>(Step::KernelReady)];
    t.program_start = g_marks[static_cast<int>(Step::ProgramStart)];
    t.first_output = g_marks[static_cast<int>(Step::FirstOutput)];
    // A boot that ended before a step (a panic, `osprey boot` without a program) has no
    // timeline to tell: the host finds no line and prints no breakdown.
    if (!t.tsc_khz || !t.kernel_ready || !t.program_start) return;
    char buffer[protocol::kStartupTimelineMaxLength];
    channels::control().write(protocol::encode_startup_timeline(t, buffer, sizeof buffer));
}

}  // namespace startup
