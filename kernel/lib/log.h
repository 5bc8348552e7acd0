// The kernel log: leveled messages on the kernel-log channel (COM1). Quiet by default
// (warnings and errors only); `loglevel=` on the command line changes it.
//
//   klog::info("frames: {} MiB free", free / MiB);
#pragma once

#include <string_view>

#include "text/format.h"

namespace klog {

enum class Level : u8 { Error = 0, Warn = 1, Info = 2, Debug = 3 };

void set_level(Level level);
Level level();
bool enabled(Level level);
// Parses "error", "warn", "info", "debug" (or 0-3); false when it is none of them.
bool parse_level(std::string_view name, Level& out);

// The raw channel: console text without a level or timestamp (banners, panic reports).
text::Sink& console();
void vlog(Level level, std::string_view format, std::span<const text::Arg> args);

template <typename... Args>
void log(Level level, std::string_view format, const Args&... args) {
    if (!enabled(level)) return;
    if constexpr (sizeof...(Args) == 0) {
        vlog(level, format, {});
    } else {
        const text::Arg erased[] = {text::Arg(args)...};
        vlog(level, format, erased);
    }
}
template <typename... Args>
void error(std::string_view f, const Args&... a) { log(Level::Error, f, a...); }
template <typename... Args>
void warn(std::string_view f, const Args&... a) { log(Level::Warn, f, a...); }
template <typename... Args>
void info(std::string_view f, const Args&... a) { log(Level::Info, f, a...); }
template <typename... Args>
void debug(std::string_view f, const Args&... a) { log(Level::Debug, f, a...); }

// Writes unconditionally to the console, whatever the level.
template <typename... Args>
void print(std::string_view format, const Args&... args) {
    text::format_to(console(), format, args...);
}

}  // namespace klog
