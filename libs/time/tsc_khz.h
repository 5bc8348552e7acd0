// The TSC frequency a host passes on the kernel command line (`tsc_khz=N`, docs/cmdline.md):
// `osprey run` knows it (under TCG the guest's TSC is the host's; under -icount it counts
// instructions at 1 GHz), and a kernel told it skips the PIT window that would measure it.
// A value is taken only when it is a plain decimal number of kHz in a range no x86 TSC
// leaves; anything else is refused, and the kernel calibrates as if it had not been given.
#pragma once

#include <string_view>

#include "base/result.h"
#include "base/types.h"

namespace tsc_khz {

// 1 MHz to 20 GHz: below, the clock would be too coarse to schedule by (and -icount with a
// large shift is not what osprey runs); above, no CPU has run.
constexpr u64 kMinKhz = 1'000;
constexpr u64 kMaxKhz = 20'000'000;

// The frequency in Hz; EINVAL for anything but decimal digits, ERANGE outside the range.
Result<u64> parse_hz(std::string_view value);

}  // namespace tsc_khz
