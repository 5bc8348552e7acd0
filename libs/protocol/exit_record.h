// The exit record: how the guest tells the host why and with what status it ended.
// Written by the kernel on the control channel just before power-off, read by the host
// tool (docs/host-guest-contract.md). One line of text, so a person reading a capture can
// see it, with a fixed prefix and a checksum so truncation or noise is never mistaken for a
// status.
//
//   OSPREY-EXIT v1 reason=exited status=0 check=<8 hex digits>\n
#pragma once

#include <optional>
#include <string_view>

#include "base/types.h"

namespace protocol {

enum class ExitReason : u8 {
    Exited,    // the application (or the kernel's own run) ended with a status
    Signaled,  // the application was killed by a signal; status is the signal number
    Panic,     // the kernel stopped itself after an unrecoverable error
    Hang,      // the kernel's watchdog found a CPU that stopped scheduling (docs/reliability.md)
};

struct ExitRecord {
    ExitReason reason;
    u8 status;  // 0-255, or the signal number for Signaled
    bool operator==(const ExitRecord&) const = default;
};

constexpr usize kExitRecordMaxLength = 80;

// The first line the kernel writes on the control channel, once its serial ports are set
// up: the host sends standard input only after it (docs/host-guest-contract.md).
constexpr std::string_view kGuestReadyLine = "OSPREY-READY v1\n";

// The host tool's own failures (no exit record, kernel panic, QEMU missing), as docker
// uses 125: a status the application itself rarely picks.
constexpr int kOspreyFailureStatus = 125;
// The VM ran out of time (--timeout), as timeout(1) reports it.
constexpr int kTimeoutStatus = 124;

// Writes the record's line into buffer (at least kExitRecordMaxLength bytes); returns it.
std::string_view encode_exit_record(const ExitRecord& record, char* buffer, usize capacity);

// Finds the last well-formed record in everything read from the control channel.
std::optional<ExitRecord> find_exit_record(std::string_view channel);

std::string_view exit_reason_name(ExitReason reason);

// The status `osprey run` exits with for a record: the status itself, 128+signal for a
// signal, and kOspreyFailureStatus for a kernel panic or hang (docs/host-guest-contract.md), or for
// a signal number no exit status can carry (0, or above 127; Linux's go up to 64).
int host_exit_status(const ExitRecord& record);

}  // namespace protocol
