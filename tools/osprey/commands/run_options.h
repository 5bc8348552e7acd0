// The options of `osprey run` (docs/cli.md), kept apart from what the command does so
// unit tests can parse command lines exactly as `osprey` does.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/types.h"
#include "commands/volumes.h"
#include "smp/cpu_plan.h"
#include "vm/vm_config.h"

namespace osprey {

struct RunArguments {
    std::string memory;  // as typed ("64M"); empty: sized from the image
    std::string cpus;    // --cpus as typed; empty: 1 (or the image's default)
    std::vector<std::string> publish;  // -p, in order
    std::vector<std::string> shares;   // -v HOST_DIR:GUEST_PATH[:ro], in order
    std::string network;               // --network as typed; "" for the default (user)
    std::string mac;                   // --mac as typed; "" for the default
    std::string ip;                    // --ip as typed; "" for the network's default
    VolumeOptions volumes;             // --volume, --volume-size
    std::string machine = "microvm";
    std::string cpu = "max";
    std::string accel = "auto";
    double timeout = 0;  // seconds; 0: none
    bool verbose = false;
    bool trace = false;
    bool trace_net = false;
    std::vector<std::string> env;  // -e, in order
    std::string workdir = "/";
    bool workdir_given = false;     // set by collect_program_command: -w was on the command line
    std::vector<std::string> add;  // --add HOST[:GUEST], in order
    bool discover = false;         // --discover: a trial run on the host
    double discover_seconds = 10;  // --discover-time
    std::string manifest;          // -f FILE
    std::string output;            // build: -o IMAGE
    std::string format = "initramfs";  // build: --format initramfs|ext4
    bool no_aslr = false;
    bool deterministic = false;
    std::optional<std::string> kernel;
    std::string qemu;  // hidden --qemu; $OSPREY_QEMU; else qemu-system-x86_64
    bool dry_run = false;
    bool keep_image = false;
    bool no_cache = false;  // run: --no-cache, build the image afresh and keep it nowhere
    // BINARY and its arguments, untouched.
    std::vector<std::string> command;
};

// Settings of the top-level app that the subcommands rely on: the last of a repeated
// option wins, and arguments CLI11 cannot place are kept (a `--` before BINARY leaves
// the program's command line with the top-level app).
void configure_root_app(CLI::App& app);

// Registers the options that shape an image (-e, -w, --add, -f, -m): `osprey build` and
// `osprey run` both take them.
void add_image_options(CLI::App& command, RunArguments& args);

// Registers the options of `osprey build`: the image options and -o.
void add_build_options(CLI::App& command, RunArguments& args);

// Registers the options on the `run` subcommand. Parsing stops at the first word that is
// not an option (BINARY): that word and all after it are left for collect_program_command.
void add_run_options(CLI::App& command, RunArguments& args);

// After parsing: takes BINARY (or IMAGE) and ARGS from what CLI11 left unparsed. false with
// a message for a missing BINARY (allowed with -f, whose manifest may name the program) or
// an unknown option before it.
bool collect_program_command(const CLI::App& app, const CLI::App& command, RunArguments& args,
                             std::string& error);

// The most --cpus accepts: as many CPUs as the kernel brings up.
constexpr unsigned kMaxCpus = smp::kMaxCpus;

// --cpus: a whole number from 1 to kMaxCpus. nullopt with a message otherwise.
std::optional<unsigned> parse_cpus(std::string_view text, std::string& error);
// The CPUs a run asks for: --cpus when given (`flag` not empty), else the environment's
// OSPREY_CPUS when set (a test suite run on several CPUs). nullopt with `error` empty when
// neither says, with a message when the one that does is not a valid count.
std::optional<unsigned> requested_cpus(const std::string& flag, std::string& error);

// -p values: HOSTPORT:GUESTPORT or 127.0.0.1:HOSTPORT:GUESTPORT (an optional "/tcp"
// suffix), ports 1-65535, each host port once. Forwards stay on the loopback, so any
// other address is refused. nullopt with a message naming the value otherwise.
std::optional<std::vector<PortForward>> parse_publish(const std::vector<std::string>& values, std::string& error);

// -v values: HOST_DIR:GUEST_PATH or HOST_DIR:GUEST_PATH:ro (or :rw). The host folder must
// exist and is made absolute; the guest path must be absolute, without ',' ':' or white
// space (the kernel command line carries it), and not given twice. Tags are share0,
// share1... nullopt with a message naming the value otherwise.
std::optional<std::vector<SharedFolder>> parse_shares(const std::vector<std::string>& values, std::string& error);
// The kernel's `9p=` value for the folders: TAG:GUEST_PATH:ro|rw, comma-separated.
std::string shares_cmdline(const std::vector<SharedFolder>& folders);

// --network: "user" (QEMU user networking), "none" (no NIC) or "tap:IFNAME" (a host TAP
// interface, 1 to 15 characters with no '/', ':' or white space, as Linux allows). Only
// the mode and interface are filled in. nullopt with a message otherwise.
std::optional<NetworkConfig> parse_network(std::string_view text, std::string& error);

// --mac: six two-digit hex bytes separated by ':' (lower case in the result); a unicast
// address (the first byte's low bit clear) other than all zeros. nullopt with a message.
std::optional<std::string> parse_mac(std::string_view text, std::string& error);

// The network options together: `network` ("" for user), `mac` ("" for QEMU's default
// 52:54:00:12:34:56) and the -p values, which need user networking.
std::optional<NetworkConfig> resolve_network(const std::string& network, const std::string& mac,
                                             const std::vector<std::string>& publish, std::string& error);

// Network options as typed, from a manifest or an image, with a run's options over them.
struct NetworkChoice {
    std::string network;               // "" for the default (user)
    std::string mac;                   // "" for the default
    std::vector<std::string> publish;  // -p values
    std::string ip;                    // --ip; "" for the network's default
    bool operator==(const NetworkChoice&) const = default;
};

// `base` (a manifest's or an image's) with the command line's over it: --network and
// --mac and --ip replace, -p adds.
NetworkChoice override_network(const NetworkChoice& base, const RunArguments& args);

// Registers --network and --mac on a command (run and boot).
void add_network_options(CLI::App& command, std::string& network, std::string& mac);

// Tries to listen on 127.0.0.1:H for each forward, as QEMU will: false with
// "port H is already in use" (or the reason it cannot be used) for the first that fails.
bool check_host_ports_free(const std::vector<PortForward>& forwards, std::string& error);

// "64M", "1G", "512" (MiB), "2048MiB"... in MiB. Sizes are powers of 1024 and must be a
// whole number of MiB, from 1 MiB to 1 TiB. nullopt with a message otherwise.
std::optional<u64> parse_memory_mib(std::string_view text, std::string& error);

// The guest memory when --memory is not given: room for the image, which stays in memory
// (the initramfs), and as much again for the program's own memory, plus 64 MiB; at least
// 128 MiB. Rounded up to a whole MiB.
u64 default_memory_mib(u64 image_bytes);

// The least memory a run of `image_bytes` is allowed: what the kernel needs, the image,
// and 16 MiB for the program.
u64 minimum_run_memory_mib(u64 kernel_minimum_mib, u64 image_bytes);

// --ip: how eth0 gets its address: "dhcp", "none", or ADDRESS/PREFIX with optional
// ",gw=ADDRESS" and ",dns=ADDRESS" items (as the kernel's ip= argument, docs/cmdline.md).
// "" picks the network's default: QEMU user networking's fixed addresses (10.0.2.15/24,
// gateway 10.0.2.2, DNS 10.0.2.3: no DHCP exchange at boot), DHCP on a TAP interface,
// nothing without a network. nullopt with a message for a value the kernel would refuse.
std::optional<std::string> resolve_ip(const std::string& ip, const NetworkConfig& network, std::string& error);

// The kernel command line for a run: the log level, `trace` / `trace_net` / `aslr=off` when
// asked, and `ip=` for the network (from resolve_ip).
std::string run_kernel_cmdline(const RunArguments& args, const std::string& ip = "");

}  // namespace osprey
