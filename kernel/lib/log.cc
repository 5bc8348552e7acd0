#include "lib/log.h"

#include "drivers/serial/channels.h"
#include "sched/clock.h"

namespace klog {

namespace {

class KernelLogSink final : public text::Sink {
public:
    void write(std::string_view bytes) override { channels::kernel_log().write(bytes); }
};

KernelLogSink g_sink;
Level g_level = Level::Warn;

constexpr std::string_view kLevelTags[] = {"error", "warn", "info", "debug"};

}  // namespace

void set_level(Level level) { g_level = level; }
Level level() { return g_level; }
bool enabled(Level level) { return static_cast<u8>(level) <= static_cast<u8>(g_level); }

bool parse_level(std::string_view name, Level& out) {
    for (u8 i = 0; i < 4; i++) {
        if (name == kLevelTags[i] || (name.size() == 1 && name[0] == '0' + i)) {
            out = static_cast<Level>(i);
            return true;
        }
    }
    return false;
}

text::Sink& console() { return g_sink; }

void vlog(Level level, std::string_view format, std::span<const text::Arg> args) {
    // FIXME: serialize writers with a lock once there is more than one thread.
    u64 ns = ktime::monotonic_ns();
    text::format_to(g_sink, "[{:5}.{:06}] {}: ", ns / 1000000000, (ns / 1000) % 1000000,
                    kLevelTags[static_cast<u8>(level)]);
    text::vformat(g_sink, format, args);
    g_sink.write("\n");
}

}  // namespace klog
