#include "image/app_spec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "protocol/app_config.h"

namespace osprey {

std::string encode_app_config(const AppSpec& spec) {
    std::string out;
    auto field = [&](std::string_view text) {
        protocol::encode_field(text, [&](std::string_view bytes) { out.append(bytes); });
    };
    auto list = [&](std::string_view key, const std::vector<std::string>& items) {
        field(key);
        field(std::to_string(items.size()));
        for (auto& item : items) field(item);
    };
    field(protocol::kAppConfigMagic);
    field("exe");
    field(spec.exe);
    list("argv", spec.argv);
    list("env", spec.env);
    field("workdir");
    field(spec.workdir);
    field("tty");
    for (bool flag : spec.tty) field(flag ? "1" : "0");
    field("uid");
    field(std::to_string(spec.uid));
    field("gid");
    field(std::to_string(spec.gid));
    if (!spec.has_random) return out;
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (u8 byte : spec.random) {
        hex += kHex[byte >> 4];
        hex += kHex[byte & 15];
    }
    field("random");
    field(hex);
    return out;
}

std::vector<std::string> default_environment(bool stdout_is_terminal, const char* host_term) {
    std::vector<std::string> env = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME=/",
    };
    // A program that finds TERM draws for a terminal (colours, cursor movement); that is
    // right only when its output really reaches one.
    if (stdout_is_terminal && host_term && *host_term) env.push_back(std::string("TERM=") + host_term);
    return env;
}

void set_environment_entry(std::vector<std::string>& env, const std::string& entry) {
    std::string_view name = std::string_view(entry).substr(0, entry.find('='));
    for (auto& existing : env) {
        if (std::string_view(existing).substr(0, existing.find('=')) == name) {
            existing = entry;
            return;
        }
    }
    env.push_back(entry);
}

bool apply_environment_options(std::vector<std::string>& env, const std::vector<std::string>& options,
                               const HostGetenv& host_getenv, std::string& error) {
    for (const auto& option : options) {
        size_t equals = option.find('=');
        if (option.empty() || equals == 0) {
            error = "-e '" + option + "': expected NAME=VALUE";
            return false;
        }
        if (equals != std::string::npos) {
            set_environment_entry(env, option);
        } else if (const char* value = host_getenv(option.c_str())) {
            set_environment_entry(env, option + "=" + value);
        }
    }
    return true;
}

std::optional<std::array<u8, 32>> host_random_bytes() {
    std::array<u8, 32> bytes{};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    close(fd);
    if (done != bytes.size()) return std::nullopt;
    return bytes;
}

}  // namespace osprey
