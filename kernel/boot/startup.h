// The start-up timeline (protocol/startup_timeline.h): the TSC at each step of the boot,
// recorded once each, and sent to the host on the control channel at power-off, so that
// `osprey run --verbose` can say where the time to the program's first output went.
#pragma once

namespace startup {

enum class Step { KernelReady, ProgramStart, FirstOutput };

// Records the TSC the first time a step is reached; later calls cost one load.
void mark(Step step);

// Writes the timeline's line on the control channel (power::shutdown, before the exit
// record).
void send_timeline();

}  // namespace startup
