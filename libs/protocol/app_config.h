// What the host tells the kernel about the application: the file /.osprey/app in the
// initramfs (docs/host-guest-contract.md). Arbitrary bytes in arguments and environment
// (spaces, quotes, newlines) survive, which a kernel command line could not carry.
//
// The format: NUL-terminated fields, starting with the magic "osprey-app-v1". Then a
// sequence of records, each a key field followed by its value fields:
//   "exe"     PATH              the program's path in the image (what execve would get)
//   "argv"    N  ARG*N          argv, argv[0] included, exactly as given
//   "env"     N  K=V*N          the environment
//   "workdir" PATH
//   "tty"     "0"|"1" *3        whether fds 0, 1, 2 are terminals on the host
//   "uid"/"gid" NUMBER
//   "random"  HEX               entropy from the host (64 hex digits), for when the CPU
//                               has no RDRAND
// Unknown keys are an error: host and kernel are built together.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"

namespace protocol {

constexpr std::string_view kAppConfigPath = "/.osprey/app";
constexpr std::string_view kAppConfigMagic = "osprey-app-v1";

struct AppConfig {
    static constexpr usize kMaxArgs = 4096;
    static constexpr usize kMaxEnv = 4096;

    std::string_view exe;
    std::span<std::string_view> argv;  // views into the config bytes
    std::span<std::string_view> env;
    std::string_view workdir = "/";
    bool tty[3] = {false, false, false};
    u32 uid = 0;
    u32 gid = 0;
    u8 random[32] = {};
    bool has_random = false;
};

// Parses `bytes` (which must outlive the result). argv and env are stored in the
// caller's arrays; EINVAL for malformed input, E2BIG when the arrays are too small.
Result<void> parse_app_config(std::string_view bytes, std::span<std::string_view> argv_storage,
                              std::span<std::string_view> env_storage, AppConfig& out);

// Appends the encoding of one field (its bytes and a NUL) through `emit`; the host tool
// builds the file with it.
template <typename Emit>
void encode_field(std::string_view field, Emit&& emit) {
    emit(field);
    emit(std::string_view("\0", 1));
}

}  // namespace protocol
