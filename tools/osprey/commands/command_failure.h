// How a subcommand gives up: one line on stderr, prefixed "osprey: ", and the status that
// tells the caller the host tool failed rather than the program (docs/host-guest-contract.md).
#pragma once

#include <cstdio>
#include <string>

#include "protocol/exit_record.h"

namespace osprey {

inline int fail_command(const std::string& message) {
    fprintf(stderr, "osprey: %s\n", message.c_str());
    return protocol::kOspreyFailureStatus;
}

}  // namespace osprey
