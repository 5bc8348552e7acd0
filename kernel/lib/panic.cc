#include "lib/panic.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "lib/backtrace.h"
#include "lib/log.h"

namespace {
bool g_panicking = false;
}

[[noreturn]] void panic_with_args(std::string_view format, std::span<const text::Arg> args) {
    cpu::disable_interrupts();
    if (g_panicking) {
        // A panic while reporting a panic: say so and stop without trying anything else.
        klog::print("\n*** nested kernel panic; stopping\n");
        power::shutdown({protocol::ExitReason::Panic, 0});
    }
    g_panicking = true;
    klog::print("\n*** KERNEL PANIC: ");
    text::vformat(klog::console(), format, args);
    klog::print("\n");
    backtrace::print_from(reinterpret_cast<u64>(__builtin_frame_address(0)));
    power::shutdown({protocol::ExitReason::Panic, 0});
}
