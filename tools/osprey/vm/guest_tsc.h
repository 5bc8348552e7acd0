// The guest TSC's frequency, for the kernel command line (tsc_khz=, docs/cmdline.md): a
// kernel told it skips the 1 ms PIT window that would measure it (issue 17).
//
// Under TCG the guest's TSC is the host's (QEMU reads the host's TSC for RDTSC), so its
// frequency is the host's; under -icount shift=0 it counts instructions, one per ns. The
// host's frequency is measured once per host boot (20 ms against CLOCK_MONOTONIC, the clock QEMU runs the guest's timers by) and
// kept in $XDG_CACHE_HOME/osprey/host-tsc (else ~/.cache/osprey/host-tsc) with the boot's
// id, so a run after the first pays only a small read. Without a usable cache, or on a host
// whose TSC does not run at a constant rate, nothing is passed and the kernel calibrates.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/types.h"

namespace osprey {

struct VmConfig;

// The kHz to pass for this VM, or nullopt to let the kernel calibrate.
std::optional<u64> guest_tsc_khz(const VmConfig& vm);

// The cache file's one line, and reading it back: the kHz when the line is well formed,
// was written during the boot `boot_id` names and holds a frequency the kernel would take
// (time/tsc_khz.h); 0 in it records a host whose TSC cannot be used; nullopt otherwise.
std::string host_tsc_cache_line(std::string_view boot_id, u64 khz);
std::optional<u64> parse_host_tsc_cache(std::string_view text, std::string_view boot_id);

// Where the cache lives, from the environment: "" when neither XDG_CACHE_HOME nor HOME
// is set to an absolute path.
std::string host_tsc_cache_path();

}  // namespace osprey
