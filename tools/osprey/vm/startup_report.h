// The start-up breakdown `osprey run --verbose` prints: where the time from osprey's start
// to the program's first output went, the host's phases (its clock) joined with the guest's
// (protocol/startup_timeline.h, its TSC) on one time base. The guest's TSC runs at a known
// rate from the kernel's first instruction, so what lies between QEMU's start and that
// instruction is the rest of the host-measured interval.
#pragma once

#include <optional>
#include <string>

#include "protocol/startup_timeline.h"

namespace osprey {

// Milliseconds from osprey's start (steady clock).
struct HostTimes {
    double image_ready = 0;    // the image composed (programs, libraries, config)
    double image_written = 0;  // its file written
    double qemu_started = 0;   // QEMU spawned
    double first_output = 0;   // the program's first stdout or stderr bytes arrived
    double qemu_exited = 0;
};

// One line (without newline), or nullopt when the run gives no breakdown (no output, or
// times that do not fit together, e.g. a guest clock that jumped).
std::optional<std::string> describe_startup(const HostTimes& host, const protocol::StartupTimeline& guest);

}  // namespace osprey
