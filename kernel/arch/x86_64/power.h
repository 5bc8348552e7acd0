// Ending the virtual machine so the host sees why it ended.
#pragma once

#include "protocol/exit_record.h"

namespace power {

// Sends the exit record on the control channel, drains every channel and powers off.
// Tries, in order: isa-debug-exit (QEMU), ACPI S5 (pc/q35 without it), the i8042 reset
// line (Firecracker stops on it; QEMU with -no-reboot exits), and finally halts.
[[noreturn]] void shutdown(const protocol::ExitRecord& record);

}  // namespace power
