#include "vm/startup_report.h"

#include <cstdio>

namespace osprey {

std::optional<std::string> describe_startup(const HostTimes& host, const protocol::StartupTimeline& guest) {
    if (guest.first_output == 0 || host.first_output <= host.qemu_started) return std::nullopt;
    double kernel = protocol::tsc_ms(guest, guest.pvh_entry, guest.kernel_ready);
    double to_program = protocol::tsc_ms(guest, guest.kernel_ready, guest.program_start);
    double program = protocol::tsc_ms(guest, guest.program_start, guest.first_output);
    double guest_total = kernel + to_program + program;
    // QEMU's own start, its firmware and the kernel's loading: the host-measured interval
    // less what the guest's clock saw (the output's trip to the host counts here too).
    double qemu = host.first_output - host.qemu_started - guest_total;
    if (qemu < 0) return std::nullopt;
    char line[320];
    std::snprintf(line, sizeof line,
                  "start-up: first output after %.1f ms: osprey %.1f before QEMU (image %.1f, its file %.1f), QEMU "
                  "to the kernel %.1f, kernel %.1f, kernel to the program %.1f, program to its output %.1f; QEMU "
                  "exited %.1f ms after the output",
                  host.first_output, host.qemu_started, host.image_ready, host.image_written - host.image_ready,
                  qemu, kernel, to_program, program, host.qemu_exited - host.first_output);
    return std::string(line);
}

}  // namespace osprey
