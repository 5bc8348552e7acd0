#include "commands/run_options.h"

#include "net/interface_config.h"

#include <limits.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace osprey {

void configure_root_app(CLI::App& app) {
    app.require_subcommand(1);
    // As with most tools, an option given twice takes its last value (scripts add defaults
    // first and let the user override them).
    app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    app.allow_extras();
}

void add_image_options(CLI::App& command, RunArguments& args) {
    // Osprey's options end at BINARY: `osprey run busybox ls -l` gives -l to ls.
    command.prefix_command();
    command.add_option("-e,--env", args.env, "Set an environment variable: NAME=VALUE, or NAME to copy the host's")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    command.add_option("-w,--workdir", args.workdir, "The program's working directory (absolute)")
        ->capture_default_str();
    command.add_option("--add", args.add,
                       "Add a host file or directory (recursively, keeping symlinks, modes and times) at GUEST, "
                       "default its own path: HOST[:GUEST]; repeatable")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    command.add_flag("--discover", args.discover,
                     "Run the program once on the host first (a trial, output discarded) and add every file it "
                     "opens; it really runs");
    command.add_option("--discover-time", args.discover_seconds, "Stop the trial run after this many seconds")
        ->type_name("SECONDS")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command.add_option("-f,--file", args.manifest, "Build from this manifest (TOML; see docs/cli.md)");
}

namespace {

void add_cpus_option(CLI::App& command, RunArguments& args, const char* help) {
    // Kept as typed: parse_cpus says what is wrong with a bad value.
    command.add_option("--cpus", args.cpus, help)->type_name("N");
}

}  // namespace

void add_build_options(CLI::App& command, RunArguments& args) {
    add_image_options(command, args);
    command.add_option("-o,--output", args.output, "The image file to write")->required();
    command.add_option("--format", args.format,
                       "initramfs: a cpio archive the guest holds in memory; ext4: a disk image the guest reads "
                       "as it needs, for large applications (runs do not change it)")
        ->check(CLI::IsMember({"initramfs", "ext4"}))
        ->capture_default_str();
    command.add_option("-m,--memory", args.memory, "Default guest memory for runs of this image, e.g. 256M");
    add_cpus_option(command, args, "Default number of CPUs for runs of this image (default 1; programs run on the first until SMP scheduling)");
}

void add_run_options(CLI::App& command, RunArguments& args) {
    add_image_options(command, args);
    command.add_option("-m,--memory", args.memory,
                       "Guest memory, e.g. 64M or 1G (default: sized from the image, at least 128M)");
    add_cpus_option(command, args, "Number of CPUs (default 1; all start, but programs run on the first until SMP scheduling)");
    command.add_option("-p,--publish", args.publish,
                       "Forward TCP connections to 127.0.0.1:HOSTPORT on the host to GUESTPORT in the guest "
                       "(QEMU user networking): HOSTPORT:GUESTPORT or 127.0.0.1:HOSTPORT:GUESTPORT; repeatable")
        ->type_name("HOSTPORT:GUESTPORT")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    add_network_options(command, args.network, args.mac);
    add_volume_options(command, args.volumes);
    command.add_option("--ip", args.ip,
                       "How eth0 gets its address: dhcp, none, or ADDRESS/PREFIX[,gw=ADDRESS][,dns=ADDRESS...] "
                       "(default: QEMU user networking's 10.0.2.15/24, DHCP on a TAP interface)")
        ->type_name("dhcp|none|ADDRESS/PREFIX,...");
    command.add_option("--machine", args.machine, "QEMU machine type")
        ->check(CLI::IsMember({"microvm", "pc", "q35"}))
        ->capture_default_str();
    command.add_option("--cpu", args.cpu, "QEMU CPU model (max, qemu64, ...)")->capture_default_str();
    command.add_option("--accel", args.accel,
                       "Accelerator: auto (KVM only on a host that is not itself a VM, else TCG), tcg or kvm")
        ->check(CLI::IsMember({"auto", "tcg", "kvm"}))
        ->capture_default_str();
    command.add_option("--timeout", args.timeout, "Stop the VM after this many seconds (exit status 124)")
        ->check(CLI::NonNegativeNumber);
    command.add_option("-v,--share", args.shares,
                       "Share a host folder with the guest over virtio-9p: HOST_DIR:GUEST_PATH[:ro]; what the "
                       "program writes there is on the host at once; repeatable")
        ->type_name("HOST_DIR:GUEST_PATH[:ro]")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->allow_extra_args(false);
    command.add_flag("--verbose", args.verbose, "Show the kernel log on stderr as it runs");
    command.add_flag("--trace", args.trace, "Log every system call the program makes (on stderr, with the kernel log)");
    command.add_flag("--trace-net", args.trace_net,
                     "Log a one-line summary of every packet the guest sends and receives, loopback included "
                     "(on stderr, with the kernel log)");
    command.add_flag("--no-aslr", args.no_aslr, "Turn off address space layout randomisation");
    command.add_flag("--deterministic", args.deterministic,
                     "Count instructions (-icount shift=0) with a fixed RTC, so instruction figures repeat "
                     "exactly (benchmarks); the guest clock then runs on executed instructions");
    command.add_option("--kernel", args.kernel, "Kernel image (default: osprey.elf beside osprey)");
    command.add_flag("--dry-run", args.dry_run,
                     "Build the image, print the QEMU command line that runs it, keep the image and exit");
    command.add_flag("--keep-image", args.keep_image, "Keep the image after the run and say where it is");
    command.add_flag("--no-cache", args.no_cache,
                     "Build the image afresh, neither taken from nor kept in the image cache");
    // For tests and unusual installs; $OSPREY_QEMU does the same.
    command.add_option("--qemu", args.qemu, "QEMU binary")->group("");
}

bool collect_program_command(const CLI::App& app, const CLI::App& command, RunArguments& args,
                             std::string& error) {
    args.workdir_given = command.count("--workdir") > 0;
    const std::string name = command.get_name();
    std::vector<std::string> own = command.remaining();
    std::vector<std::string> after_separator = app.remaining();
    if (!own.empty() && !after_separator.empty()) {
        error = "unexpected arguments before '" + name + "'";
        return false;
    }
    if (!own.empty()) {
        // Without `--`, a first word that looks like an option is one osprey does not know.
        if (own[0].size() > 1 && own[0][0] == '-') {
            error = name + ": unknown option " + own[0] + " (options go before BINARY; see osprey " + name + " --help)";
            return false;
        }
        args.command = std::move(own);
    } else {
        args.command = std::move(after_separator);
    }
    if (args.command.empty() && args.manifest.empty()) {
        error = name == "build" ? "build: missing BINARY (usage: osprey build [OPTIONS] -o IMAGE BINARY [ARGS...])"
                                : "run: missing BINARY (usage: osprey run [OPTIONS] BINARY|IMAGE [ARGS...])";
        return false;
    }
    return true;
}

std::optional<u64> parse_memory_mib(std::string_view text, std::string& error) {
    auto bad = [&](const std::string& why) -> std::optional<u64> {
        error = "--memory " + std::string(text) + ": " + why;
        return std::nullopt;
    };
    size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) digits++;
    if (digits == 0 || digits > 12) return bad("expected a size such as 64M or 1G");
    u64 number = std::stoull(std::string(text.substr(0, digits)));
    std::string suffix;
    for (char c : text.substr(digits)) suffix += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // The unit letter, then nothing, "b" or "ib": 64M, 64MB and 64MiB all mean 64 MiB.
    char unit = suffix.empty() ? 'm' : suffix[0];
    std::string rest = suffix.empty() ? "" : suffix.substr(1);
    if (rest != "" && rest != "b" && rest != "ib") return bad("expected a size such as 64M or 1G");
    u64 kib;
    switch (unit) {
        case 'k': kib = number; break;
        case 'm': kib = number << 10; break;
        case 'g': kib = number << 20; break;
        case 't': kib = number << 30; break;
        default: return bad("unknown unit (use K, M, G or T)");
    }
    if (kib % 1024) return bad("must be a whole number of MiB");
    u64 mib = kib >> 10;
    if (mib == 0) return bad("must be at least 1M");
    if (mib > (u64{1} << 20)) return bad("more than 1T");
    return mib;
}

namespace {

// A decimal number of at most `max_digits` digits and nothing else.
std::optional<u64> parse_decimal(std::string_view text, size_t max_digits) {
    if (text.empty() || text.size() > max_digits) return std::nullopt;
    u64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + static_cast<u64>(c - '0');
    }
    return value;
}

std::optional<u16> parse_port(std::string_view text) {
    auto value = parse_decimal(text, 5);
    if (!value || *value < 1 || *value > 65535) return std::nullopt;
    return static_cast<u16>(*value);
}

std::vector<std::string_view> split_colons(std::string_view text) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t colon; (colon = text.find(':', start)) != std::string_view::npos; start = colon + 1)
        parts.push_back(text.substr(start, colon - start));
    parts.push_back(text.substr(start));
    return parts;
}

}  // namespace

std::optional<unsigned> parse_cpus(std::string_view text, std::string& error) {
    auto value = parse_decimal(text, 4);
    if (!value || *value < 1 || *value > kMaxCpus) {
        error = "--cpus " + std::string(text) + ": expected a whole number from 1 to " + std::to_string(kMaxCpus);
        return std::nullopt;
    }
    return static_cast<unsigned>(*value);
}

std::optional<unsigned> requested_cpus(const std::string& flag, std::string& error) {
    error.clear();
    if (!flag.empty()) return parse_cpus(flag, error);
    const char* env = std::getenv("OSPREY_CPUS");
    if (!env || !*env) return std::nullopt;
    auto cpus = parse_cpus(env, error);
    if (!cpus) error = "OSPREY_CPUS: " + error;
    return cpus;
}

std::optional<std::vector<PortForward>> parse_publish(const std::vector<std::string>& values, std::string& error) {
    std::vector<PortForward> forwards;
    for (const std::string& value : values) {
        auto bad = [&](const std::string& why) -> std::optional<std::vector<PortForward>> {
            error = "-p " + value + ": " + why;
            return std::nullopt;
        };
        std::string_view text = value;
        if (size_t slash = text.find('/'); slash != std::string_view::npos) {
            if (text.substr(slash) != "/tcp") return bad("only TCP can be forwarded (HOSTPORT:GUESTPORT or HOSTPORT:GUESTPORT/tcp)");
            text = text.substr(0, slash);
        }
        auto parts = split_colons(text);
        if (parts.size() == 3) {
            if (parts[0] != "127.0.0.1")
                return bad("forwards listen on the loopback only; the address must be 127.0.0.1 (or leave it out)");
            parts.erase(parts.begin());
        } else if (parts.size() != 2) {
            return bad("expected HOSTPORT:GUESTPORT or 127.0.0.1:HOSTPORT:GUESTPORT");
        }
        auto host = parse_port(parts[0]);
        if (!host) return bad("the host port must be a number from 1 to 65535");
        auto guest = parse_port(parts[1]);
        if (!guest) return bad("the guest port must be a number from 1 to 65535");
        for (auto& earlier : forwards)
            if (earlier.host_port == *host) return bad("host port " + std::to_string(*host) + " is published twice");
        forwards.push_back({*host, *guest});
    }
    return forwards;
}

std::optional<std::vector<SharedFolder>> parse_shares(const std::vector<std::string>& values, std::string& error) {
    std::vector<SharedFolder> folders;
    for (const std::string& value : values) {
        auto bad = [&](const std::string& why) -> std::optional<std::vector<SharedFolder>> {
            error = "-v " + value + ": " + why;
            return std::nullopt;
        };
        SharedFolder folder;
        std::string_view text = value;
        // The guest path holds no ':', so the mode (if any) is after the last one and the
        // host folder (which may hold ':') before the one ahead of the guest path.
        size_t last = text.rfind(':');
        if (last == std::string_view::npos) return bad("expected HOST_DIR:GUEST_PATH[:ro]");
        std::string_view tail = text.substr(last + 1);
        if (tail == "ro" || tail == "rw") {
            folder.read_only = tail == "ro";
            text = text.substr(0, last);
            last = text.rfind(':');
            if (last == std::string_view::npos) return bad("expected HOST_DIR:GUEST_PATH[:ro]");
        }
        std::string_view host = text.substr(0, last), guest = text.substr(last + 1);
        if (host.empty()) return bad("the host folder is missing");
        if (guest.empty() || guest[0] != '/') return bad("the guest path must be absolute");
        for (char c : guest)
            if (c == ',' || std::isspace(static_cast<unsigned char>(c)))
                return bad("the guest path cannot hold ',' or white space");
        if (guest == "/") return bad("the guest's root cannot be replaced; choose a directory such as /data");
        char resolved[PATH_MAX];
        if (!realpath(std::string(host).c_str(), resolved))
            return bad(std::string(host) + ": " + std::strerror(errno));
        struct stat st;
        if (stat(resolved, &st) != 0 || !S_ISDIR(st.st_mode))
            return bad(std::string(host) + " is not a directory (a disk image goes with --volume)");
        folder.host_path = resolved;
        folder.guest_path = guest;
        while (folder.guest_path.size() > 1 && folder.guest_path.back() == '/') folder.guest_path.pop_back();
        for (auto& earlier : folders)
            if (earlier.guest_path == folder.guest_path) return bad(folder.guest_path + " is shared twice");
        folder.tag = "share" + std::to_string(folders.size());
        folders.push_back(folder);
    }
    return folders;
}

std::string shares_cmdline(const std::vector<SharedFolder>& folders) {
    std::string value;
    for (auto& folder : folders) {
        if (!value.empty()) value += ',';
        value += folder.tag + ":" + folder.guest_path + (folder.read_only ? ":ro" : ":rw");
    }
    return value;
}

void add_network_options(CLI::App& command, std::string& network, std::string& mac) {
    command.add_option("--network", network,
                       "The VM's network: user (QEMU user networking, the default), none (no network device), "
                       "or tap:IFNAME (an existing host TAP interface)")
        ->type_name("user|none|tap:IFNAME");
    command.add_option("--mac", mac, "The network device's MAC address (default 52:54:00:12:34:56)")
        ->type_name("XX:XX:XX:XX:XX:XX");
}

std::optional<NetworkConfig> parse_network(std::string_view text, std::string& error) {
    NetworkConfig network;
    if (text == "user") return network;
    if (text == "none") {
        network.mode = NetworkConfig::Mode::None;
        return network;
    }
    constexpr std::string_view kTap = "tap:";
    if (text.substr(0, kTap.size()) == kTap) {
        std::string_view name = text.substr(kTap.size());
        bool valid = !name.empty() && name.size() <= 15 && name != "." && name != "..";
        for (char c : name) valid &= c != '/' && c != ':' && !std::isspace(static_cast<unsigned char>(c));
        if (!valid) {
            error = "--network " + std::string(text) +
                    ": the interface name must be 1 to 15 characters without '/', ':' or spaces";
            return std::nullopt;
        }
        network.mode = NetworkConfig::Mode::Tap;
        network.tap_interface = std::string(name);
        return network;
    }
    error = "--network " + std::string(text) + ": expected user, none or tap:IFNAME";
    return std::nullopt;
}

std::optional<std::string> parse_mac(std::string_view text, std::string& error) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    bool shape = text.size() == 17;
    u8 bytes[6] = {};
    for (size_t i = 0; shape && i < 6; i++) {
        int high = hex(text[3 * i]), low = hex(text[3 * i + 1]);
        shape = high >= 0 && low >= 0 && (i == 5 || text[3 * i + 2] == ':');
        bytes[i] = static_cast<u8>(high << 4 | low);
    }
    if (!shape) {
        error = "--mac " + std::string(text) + ": expected six hex bytes such as 52:54:00:12:34:56";
        return std::nullopt;
    }
    if (bytes[0] & 1) {
        error = "--mac " + std::string(text) + ": a multicast address cannot be a NIC's own";
        return std::nullopt;
    }
    bool zero = true;
    for (u8 b : bytes) zero &= b == 0;
    if (zero) {
        error = "--mac " + std::string(text) + ": the all-zero address cannot be a NIC's own";
        return std::nullopt;
    }
    std::string out;
    for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::optional<NetworkConfig> resolve_network(const std::string& network, const std::string& mac,
                                             const std::vector<std::string>& publish, std::string& error) {
    auto config = parse_network(network.empty() ? "user" : network, error);
    if (!config) return std::nullopt;
    if (!mac.empty()) {
        if (config->mode == NetworkConfig::Mode::None) {
            error = "--mac needs a network device; --network none has none";
            return std::nullopt;
        }
        auto parsed = parse_mac(mac, error);
        if (!parsed) return std::nullopt;
        config->mac = *parsed;
    }
    auto forwards = parse_publish(publish, error);
    if (!forwards) return std::nullopt;
    if (!forwards->empty() && config->mode != NetworkConfig::Mode::User) {
        error = "-p " + publish.front() + ": ports are forwarded by QEMU user networking, not with --network " +
                network + " (use --network user, the default)";
        return std::nullopt;
    }
    config->port_forwards = *forwards;
    return config;
}

NetworkChoice override_network(const NetworkChoice& base, const RunArguments& args) {
    NetworkChoice merged = base;
    if (!args.network.empty()) merged.network = args.network;
    if (!args.mac.empty()) merged.mac = args.mac;
    if (!args.ip.empty()) merged.ip = args.ip;
    merged.publish.insert(merged.publish.end(), args.publish.begin(), args.publish.end());
    return merged;
}

bool check_host_ports_free(const std::vector<PortForward>& forwards, std::string& error) {
    for (auto& forward : forwards) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            error = std::string("cannot create a socket: ") + strerror(errno);
            return false;
        }
        // As QEMU's listener does: a port left in TIME_WAIT by an earlier run is usable.
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(forward.host_port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok = bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 && listen(fd, 1) == 0;
        int saved = errno;
        close(fd);
        if (ok) continue;
        std::string port = std::to_string(forward.host_port);
        if (saved == EADDRINUSE)
            error = "port " + port + " is already in use";
        else if (saved == EACCES)
            error = "port " + port + " cannot be used: " + strerror(saved) + " (ports below 1024 need privileges)";
        else
            error = "port " + port + " cannot be used: " + strerror(saved);
        return false;
    }
    return true;
}

u64 default_memory_mib(u64 image_bytes) {
    constexpr u64 kMiB = 1 << 20;
    u64 wanted = (2 * image_bytes + 64 * kMiB + kMiB - 1) / kMiB;
    return wanted < 128 ? 128 : wanted;
}

u64 minimum_run_memory_mib(u64 kernel_minimum_mib, u64 image_bytes) {
    constexpr u64 kMiB = 1 << 20;
    return kernel_minimum_mib + (image_bytes + kMiB - 1) / kMiB + 16;
}

std::optional<std::string> resolve_ip(const std::string& ip, const NetworkConfig& network, std::string& error) {
    if (ip.empty()) {
        switch (network.mode) {
            case NetworkConfig::Mode::User: return std::string("10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3");
            case NetworkConfig::Mode::Tap: return std::string("dhcp");
            case NetworkConfig::Mode::None: return std::string("none");
        }
    }
    const char* why = nullptr;
    if (net::InterfaceConfig::parse(ip, &why).is_error()) {
        error = "--ip " + ip + ": " + (why ? why : "not understood");
        return std::nullopt;
    }
    if (network.mode == NetworkConfig::Mode::None && ip != "none") {
        error = "--ip " + ip + " needs a network device (it was turned off with --network none)";
        return std::nullopt;
    }
    return ip;
}

std::string run_kernel_cmdline(const RunArguments& args, const std::string& ip) {
    // --trace and --trace-net alone keep the quiet level: the kernel prints trace lines at
    // every level, and the program's calls and packets should not drown in start-up messages.
    std::string cmdline = args.verbose ? "loglevel=info" : "loglevel=warn";
    if (args.trace) cmdline += " trace";
    if (args.trace_net) cmdline += " trace_net";
    if (args.no_aslr) cmdline += " aslr=off";
    if (!ip.empty()) cmdline += " ip=" + ip;
    return cmdline;
}

}  // namespace osprey
