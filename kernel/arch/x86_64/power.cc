#include "arch/x86_64/power.h"

#include "arch/x86_64/cpu.h"
#include "boot/startup.h"
#include "drivers/acpi/acpi.h"
#include "drivers/serial/channels.h"
#include "lib/census.h"
#include "lib/log.h"

namespace power {

namespace {
constexpr u16 kDebugExitPort = 0xf4;
constexpr u16 kI8042Command = 0x64;
constexpr u8 kI8042PulseReset = 0xfe;
}  // namespace

[[noreturn]] void shutdown(const protocol::ExitRecord& record) {
    cpu::disable_interrupts();
    // bench/ reads this line: under -icount the TSC counts the instructions of the whole run.
    klog::info("power off: {} {}; TSC {}", protocol::exit_reason_name(record.reason), record.status, cpu::rdtsc());
    census::log("at power-off");
    startup::send_timeline();
    char buffer[protocol::kExitRecordMaxLength];
    channels::control().write(protocol::encode_exit_record(record, buffer, sizeof buffer));
    channels::drain_all();

    // isa-debug-exit: QEMU exits with (value << 1) | 1. The status itself travels in the
    // exit record; the value only says "orderly end" (0 -> 1) or "kernel failure" (1 -> 3).
    bool failed = record.reason == protocol::ExitReason::Panic || record.reason == protocol::ExitReason::Hang;
    cpu::outl(kDebugExitPort, failed ? 1 : 0);

    // pc/q35 without isa-debug-exit (and clouds): ACPI S5. Returns only if that failed.
    acpi::power_off();
    cpu::outb(kI8042Command, kI8042PulseReset);
    cpu::halt_forever();
}

}  // namespace power
