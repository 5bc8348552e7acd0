// The start-up timeline: when the guest reached each step of its start, in its TSC, sent
// to the host on the control channel just before the exit record. The host puts it on one
// time base with its own clock (osprey run --verbose prints the breakdown; bench/ and
// docs/performance.md use it). One line of text:
//
//   OSPREY-STARTUP v1 khz=2300000 pvh=5706868 ready=61000000 exec=110000000 output=126000000
//
// khz is the TSC's frequency, pvh the TSC at the kernel's first instruction, ready when the
// kernel had started (memory, time, scheduler), exec when the first program was about to
// run, output when it first wrote to its stdout or stderr (0: it never did).
#pragma once

#include <optional>
#include <string_view>

#include "base/types.h"

namespace protocol {

struct StartupTimeline {
    u64 tsc_khz = 0;
    u64 pvh_entry = 0, kernel_ready = 0, program_start = 0, first_output = 0;
    bool operator==(const StartupTimeline&) const = default;
};

constexpr usize kStartupTimelineMaxLength = 160;

// Writes the line into buffer (at least kStartupTimelineMaxLength bytes); returns it.
std::string_view encode_startup_timeline(const StartupTimeline& timeline, char* buffer, usize capacity);

// The last well-formed timeline line in everything read from the control channel: every
// field present, a nonzero frequency, and the steps in order (pvh <= ready <= exec, and
// output 0 or after exec).
std::optional<StartupTimeline> find_startup_timeline(std::string_view channel);

// A TSC interval in milliseconds.
inline double tsc_ms(const StartupTimeline& t, u64 from, u64 to) {
    return to > from ? static_cast<double>(to - from) / static_cast<double>(t.tsc_khz) : 0.0;
}

}  // namespace protocol
