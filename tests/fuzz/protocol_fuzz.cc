// libFuzzer target: what crosses between host and guest, from the side that reads it.
// The same bytes go to the three parsers of libs/protocol: parse_app_config (the kernel
// reads /.osprey/app from the image), find_exit_record and find_startup_timeline (the host
// reads them from the control channel, which only the guest's kernel writes: a kernel gone
// wrong may write anything there).
//
// Exit records carry a checksum the fuzzer cannot guess, so the channel is also tried with
// every record's check field rewritten to match its text: that way the fields behind it
// are fuzzed too.
//
// Beyond not crashing: an accepted app config has an exe and an argv, views into the bytes,
// and its encoding parses back to the same config; a record or timeline found encodes to a
// line that parses back to it, stays the answer when an incomplete line follows it, and
// gives way to a later well-formed one; the status `osprey run` exits with fits 0-255; a
// timeline's steps are in order.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fuzz_check.h"
#include "protocol/app_config.h"
#include "protocol/exit_record.h"
#include "protocol/startup_timeline.h"

namespace {

using namespace protocol;

std::string_view g_argv_storage[AppConfig::kMaxArgs];
std::string_view g_env_storage[AppConfig::kMaxEnv];
std::string_view g_argv_again[AppConfig::kMaxArgs];
std::string_view g_env_again[AppConfig::kMaxEnv];

std::string encode(const AppConfig& config) {
    std::string out;
    auto field = [&](std::string_view text) { encode_field(text, [&](std::string_view bytes) { out += bytes; }); };
    field(kAppConfigMagic);
    field("exe");
    field(config.exe);
    field("argv");
    field(std::to_string(config.argv.size()));
    for (std::string_view arg : config.argv) field(arg);
    field("env");
    field(std::to_string(config.env.size()));
    for (std::string_view variable : config.env) field(variable);
    field("workdir");
    field(config.workdir);
    field("tty");
    for (bool tty : config.tty) field(tty ? "1" : "0");
    field("uid");
    field(std::to_string(config.uid));
    field("gid");
    field(std::to_string(config.gid));
    if (config.has_random) {
        std::string hex;
        for (u8 byte : config.random) {
            hex += "0123456789abcdef"[byte >> 4];
            hex += "0123456789abcdef"[byte & 15];
        }
        field("random");
        field(hex);
    }
    return out;
}

bool same_list(std::span<std::string_view> a, std::span<std::string_view> b) {
    if (a.size() != b.size()) return false;
    for (usize i = 0; i < a.size(); i++)
        if (a[i] != b[i]) return false;
    return true;
}

void check_app_config(std::string_view bytes) {
    AppConfig config;
    auto parsed = parse_app_config(bytes, g_argv_storage, g_env_storage, config);
    if (parsed.is_error()) {
        FUZZ_CHECK(parsed.error() == EINVAL || parsed.error() == E2BIG);
        return;
    }
    auto inside = [&](std::string_view view) { return within(bytes.data(), bytes.size(), view.data(), view.size()); };
    FUZZ_CHECK(!config.exe.empty() && inside(config.exe) && !config.argv.empty());
    FUZZ_CHECK(!config.workdir.empty() && (config.workdir == "/" || inside(config.workdir)));
    for (std::string_view arg : config.argv) FUZZ_CHECK(inside(arg) && arg.find('\0') == std::string_view::npos);
    for (std::string_view variable : config.env) FUZZ_CHECK(inside(variable));

    std::string encoded = encode(config);
    AppConfig again;
    FUZZ_CHECK(parse_app_config(encoded, g_argv_again, g_env_again, again).is_ok());
    FUZZ_CHECK(again.exe == config.exe && again.workdir == config.workdir);
    FUZZ_CHECK(same_list(again.argv, config.argv) && same_list(again.env, config.env));
    FUZZ_CHECK(again.uid == config.uid && again.gid == config.gid && again.has_random == config.has_random);
    for (usize i = 0; i < 3; i++) FUZZ_CHECK(again.tty[i] == config.tty[i]);
    for (usize i = 0; i < sizeof config.random; i++) FUZZ_CHECK(again.random[i] == config.random[i]);
}

constexpr std::string_view kExitPrefix = "OSPREY-EXIT v1 ";
constexpr std::string_view kCheck = " check=";

// FNV-1a, as the record's check field is defined (docs/host-guest-contract.md).
u32 fnv1a(std::string_view text) {
    u32 hash = 2166136261u;
    for (char c : text) hash = (hash ^ static_cast<u8>(c)) * 16777619u;
    return hash;
}

// The channel with each record line's last check field made right for the text before it.
std::string with_checks_repaired(std::string_view channel) {
    std::string out(channel);
    for (usize at = out.find(kExitPrefix); at != std::string::npos; at = out.find(kExitPrefix, at + 1)) {
        usize end = out.find('\n', at);
        if (end == std::string::npos) break;
        usize check = out.rfind(kCheck, end);
        if (check == std::string::npos || check < at || end - check < kCheck.size() + 8) continue;
        char digits[9];
        std::snprintf(digits, sizeof digits, "%08x", fnv1a(std::string_view(out).substr(at, check - at)));
        out.replace(check + kCheck.size(), 8, digits);
    }
    return out;
}

void check_exit_record(std::string_view channel) {
    char buffer[kExitRecordMaxLength];
    // Whatever the channel held, a later record wins and a later cut one changes nothing.
    std::string terminated = std::string(channel) + "\n";
    ExitRecord later{ExitReason::Signaled, 9};
    std::string_view later_line = encode_exit_record(later, buffer, sizeof buffer);
    FUZZ_CHECK(find_exit_record(terminated + std::string(later_line)) == later);
    std::string cut = terminated + std::string(later_line.substr(0, later_line.size() - 1));
    FUZZ_CHECK(find_exit_record(cut) == find_exit_record(terminated));

    auto found = find_exit_record(channel);
    if (!found) return;
    FUZZ_CHECK(exit_reason_name(found->reason) != "unknown");
    // What `osprey run` exits with must survive exit(): 0-255.
    FUZZ_CHECK(host_exit_status(*found) >= 0 && host_exit_status(*found) <= 255);
    std::string_view line = encode_exit_record(*found, buffer, sizeof buffer);
    FUZZ_CHECK(!line.empty() && line.back() == '\n' && find_exit_record(line) == found);
}

void check_startup_timeline(std::string_view channel) {
    char buffer[kStartupTimelineMaxLength];
    std::string terminated = std::string(channel) + "\n";
    StartupTimeline later{2000000, 1, 2, 3, 4};
    std::string_view later_line = encode_startup_timeline(later, buffer, sizeof buffer);
    FUZZ_CHECK(find_startup_timeline(terminated + std::string(later_line)) == later);
    std::string cut = terminated + std::string(later_line.substr(0, later_line.size() - 1));
    FUZZ_CHECK(find_startup_timeline(cut) == find_startup_timeline(terminated));

    auto found = find_startup_timeline(channel);
    if (!found) return;
    const StartupTimeline& t = *found;
    FUZZ_CHECK(t.tsc_khz != 0 && t.pvh_entry <= t.kernel_ready && t.kernel_ready <= t.program_start);
    FUZZ_CHECK(t.first_output == 0 || t.first_output >= t.program_start);
    std::string_view line = encode_startup_timeline(t, buffer, sizeof buffer);
    FUZZ_CHECK(!line.empty() && line.back() == '\n' && find_startup_timeline(line) == found);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    check_app_config(bytes);
    check_exit_record(bytes);
    check_exit_record(with_checks_repaired(bytes));
    check_startup_timeline(bytes);
    return 0;
}
