// What the kernel is told about the application, as the host builds it: the file
// /.osprey/app (protocol::kAppConfigPath, format in libs/protocol/app_config.h).
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/types.h"

namespace osprey {

struct AppSpec {
    std::string exe;                // the program's path in the image
    std::vector<std::string> argv;  // exactly as given, argv[0] included
    std::vector<std::string> env;   // NAME=VALUE
    std::string workdir = "/";
    std::array<bool, 3> tty{};      // whether the host's fds 0, 1, 2 are terminals
    u32 uid = 0;
    u32 gid = 0;
    std::array<u8, 32> random{};    // entropy for a CPU without RDRAND
    bool has_random = true;         // false in a saved image: each run brings its own
};

// The bytes of /.osprey/app.
std::string encode_app_config(const AppSpec& spec);

// The default environment of every program (docs/cli.md): PATH and HOME, and TERM copied
// from the host (`host_term`) only when the program's stdout is a terminal.
std::vector<std::string> default_environment(bool stdout_is_terminal, const char* host_term);

// Sets NAME=VALUE in `env`: replaces the entry with that name where it stands, or appends.
void set_environment_entry(std::vector<std::string>& env, const std::string& entry);

// Applies -e options in order (a later one overrides an earlier one and the defaults).
// "NAME=VALUE" sets; a bare "NAME" copies the host's value (through `host_getenv`) and is
// skipped when the host has none, as `docker run -e NAME` does. false with a message for
// an option without a name ("=x").
using HostGetenv = std::function<const char*(const char*)>;
bool apply_environment_options(std::vector<std::string>& env, const std::vector<std::string>& options,
                               const HostGetenv& host_getenv, std::string& error);

// 32 bytes from /dev/urandom; nullopt when it cannot be read.
std::optional<std::array<u8, 32>> host_random_bytes();

}  // namespace osprey
