#include "protocol/startup_timeline.h"

#include "text/format.h"

namespace protocol {

namespace {

constexpr std::string_view kTimelinePrefix = "OSPREY-STARTUP v1 ";

std::optional<u64> parse_timeline_decimal(std::string_view digits) {
    if (digits.empty() || digits.size() > 19) return std::nullopt;
    u64 value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<u64>(c - '0');
    }
    return value;
}

// `name=value` as the next space-separated word of `line` from `at`.
std::optional<u64> field(std::string_view line, usize& at, std::string_view name) {
    if (at > line.size()) return std::nullopt;  // the line ended before this field
    if (line.substr(at, name.size()) != name || line.substr(at + name.size(), 1) != "=") return std::nullopt;
    usize start = at + name.size() + 1;
    usize end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    at = end + 1;
    return parse_timeline_decimal(line.substr(start, end - start));
}

std::optional<StartupTimeline> parse_timeline_line(std::string_view line) {
    usize at = kTimelinePrefix.size();
    StartupTimeline t;
    auto khz = field(line, at, "khz");
    auto pvh = field(line, at, "pvh");
    auto ready = field(line, at, "ready");
    auto exec = field(line, at, "exec");
    auto output = field(line, at, "output");
    if (!khz || !pvh || !ready || !exec || !output || at <= line.size()) return std::nullopt;
    t = {*khz, *pvh, *ready, *exec, *output};
    if (t.tsc_khz == 0 || t.pvh_entry > t.kernel_ready || t.kernel_ready > t.program_start) return std::nullopt;
    if (t.first_output != 0 && t.first_output < t.program_start) return std::nullopt;
    return t;
}

}  // namespace

std::string_view encode_startup_timeline(const StartupTimeline& t, char* buffer, usize capacity) {
    text::BufferSink sink(buffer, capacity);
    text::format_to(sink, "{}khz={} pvh={} ready={} exec={} output={}\n", kTimelinePrefix, t.tsc_khz, t.pvh_entry,
                    t.kernel_ready, t.program_start, t.first_output);
    return sink.view();
}

std::optional<StartupTimeline> find_startup_timeline(std::string_view channel) {
    std::optional<StartupTimeline> found;
    usize at = 0;
    while ((at = channel.find(kTimelinePrefix, at)) != std::string_view::npos) {
        usize end = channel.find('\n', at);
        if (end == std::string_view::npos) break;  // cut off: not a whole line
        if (auto parsed = parse_timeline_line(channel.substr(at, end - at))) found = parsed;
        at = end + 1;
    }
    return found;
}

}  // namespace protocol
