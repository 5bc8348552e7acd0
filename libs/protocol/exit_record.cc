#include "protocol/exit_record.h"

#include "text/format.h"

namespace protocol {

namespace {

constexpr std::string_view kPrefix = "OSPREY-EXIT v1 ";

// FNV-1a over the record's text before " check=": cheap, and enough to tell a record that
// arrived whole from one that was cut or mixed with other bytes.
u32 checksum(std::string_view text) {
    u32 hash = 2166136261u;
    for (char c : text) {
        hash ^= static_cast<u8>(c);
        hash *= 16777619u;
    }
    return hash;
}

std::optional<ExitReason> parse_reason(std::string_view name) {
    for (auto reason : {ExitReason::Exited, ExitReason::Signaled, ExitReason::Panic, ExitReason::Hang})
        if (exit_reason_name(reason) == name) return reason;
    return std::nullopt;
}

std::optional<u32> parse_decimal(std::string_view digits) {
    if (digits.empty() || digits.size() > 3) return std::nullopt;
    u32 value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::optional<u32> parse_hex8(std::string_view digits) {
    if (digits.size() != 8) return std::nullopt;
    u32 value = 0;
    for (char c : digits) {
        u32 nibble;
        if (c >= '0' && c <= '9')
            nibble = c - '0';
        else if (c >= 'a' && c <= 'f')
            nibble = c - 'a' + 10;
        else
            return std::nullopt;
        value = value << 4 | nibble;
    }
    return value;
}

// Parses one line (without its newline) that starts with the prefix.
std::optional<ExitRecord> parse_line(std::string_view line) {
    usize check_at = line.rfind(" check=");
    if (check_at == std::string_view::npos) return std::nullopt;
    auto check = parse_hex8(line.substr(check_at + 7));
    if (!check || *check != checksum(line.substr(0, check_at))) return std::nullopt;

    std::string_view fields = line.substr(kPrefix.size(), check_at - kPrefix.size());
    constexpr std::string_view kReason = "reason=", kStatus = " status=";
    if (!fields.starts_with(kReason)) return std::nullopt;
    usize status_at = fields.find(kStatus);
    if (status_at == std::string_view::npos) return std::nullopt;
    auto reason = parse_reason(fields.substr(kReason.size(), status_at - kReason.size()));
    auto status = parse_decimal(fields.substr(status_at + kStatus.size()));
    if (!reason || !status || *status > 255) return std::nullopt;
    return ExitRecord{*reason, static_cast<u8>(*status)};
}

}  // namespace

std::string_view exit_reason_name(ExitReason reason) {
    switch (reason) {
        case ExitReason::Exited: return "exited";
        case ExitReason::Signaled: return "signaled";
        case ExitReason::Panic: return "panic";
        case ExitReason::Hang: return "hang";
    }
    return "unknown";
}

std::string_view encode_exit_record(const ExitRecord& record, char* buffer, usize capacity) {
    char body[kExitRecordMaxLength];
    auto text = text::format_into(body, sizeof body, "{}reason={} status={}", kPrefix,
                                  exit_reason_name(record.reason), record.status);
    return text::format_into(buffer, capacity, "{} check={:08x}\n", text, checksum(text));
}

std::optional<ExitRecord> find_exit_record(std::string_view channel) {
    std::optional<ExitRecord> last;
    usize at = 0;
    while ((at = channel.find(kPrefix, at)) != std::string_view::npos) {
        usize end = channel.find('\n', at);
        if (end == std::string_view::npos) break;  // cut short: not a record
        if (auto record = parse_line(channel.substr(at, end - at))) last = record;
        at = end;
    }
    return last;
}

int host_exit_status(const ExitRecord& record) {
    switch (record.reason) {
        case ExitReason::Exited: return record.status;
        case ExitReason::Signaled:
            // exit() keeps 8 bits: signal 221 would come out as 93, a status the program
            // may have chosen itself.
            if (record.status == 0 || record.status > 127) return kOspreyFailureStatus;
            return 128 + record.status;
        case ExitReason::Panic:
        case ExitReason::Hang: return kOspreyFailureStatus;
    }
    return kOspreyFailureStatus;
}

}  // namespace protocol
