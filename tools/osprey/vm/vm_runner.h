// Starts QEMU for a VmConfig, carries the guest's channels to the host (stdout, stderr,
// kernel log, control), enforces the timeout, stops QEMU on Ctrl-C or SIGTERM, and turns
// what happened into one outcome. Nothing is left running when it returns.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "protocol/exit_record.h"
#include "protocol/startup_timeline.h"
#include "vm/vm_config.h"

namespace osprey {

struct RunOptions {
    // Kernel log: shown on the host's stderr live when verbose; otherwise kept and shown
    // only if the run fails.
    bool verbose = false;
    // Show the kernel log on stdout instead (for `osprey boot`, where it is the output).
    bool kernel_log_to_stdout = false;
    std::optional<double> timeout_seconds;
    // Carry the host's stdin to the guest (framed, on the control channel's input) with
    // end-of-file when it ends. Off for `osprey boot`, whose kernel reads no input.
    bool forward_stdin = false;
};

struct RunOutcome {
    enum class Kind {
        Exited,          // an exit record arrived
        NoRecord,        // QEMU ended without one
        TimedOut,        // --timeout expired; QEMU was stopped
        Interrupted,     // osprey got SIGINT/SIGTERM/SIGHUP; QEMU was stopped
        LaunchFailed,    // QEMU could not be started
    };
    Kind kind = Kind::NoRecord;
    std::optional<protocol::ExitRecord> record;
    int qemu_status = -1;        // QEMU's exit status, or -1
    int qemu_signal = 0;         // the signal that ended QEMU, if any
    int interrupt_signal = 0;    // for Interrupted
    std::string launch_error;    // for LaunchFailed
    std::string qemu_stderr;     // what QEMU itself printed
    std::string kernel_log;      // kept when not streamed (capped to the last 1 MiB)
    // The guest's start-up timeline, when it sent one (protocol/startup_timeline.h).
    std::optional<protocol::StartupTimeline> startup;
    // Steady-clock times: QEMU spawned, the program's first stdout/stderr bytes, QEMU reaped.
    std::optional<std::chrono::steady_clock::time_point> spawned, first_output, exited;
};

RunOutcome run_vm(const VmConfig& config, const RunOptions& options);

// Explains an outcome on stderr (nothing for a clean exit record unless it is a panic)
// and returns the status `osprey` should exit with (docs/host-guest-contract.md).
int report_outcome(const RunOutcome& outcome, const RunOptions& options);

}  // namespace osprey
