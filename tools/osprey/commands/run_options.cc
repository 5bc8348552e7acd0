#include "commands/run_options.h"

#include <cctype>

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
    command.add_option("-f,--file", args.manifest, "Build from this manifest (TOML; see docs/cli.md)");
}

void add_build_options(CLI::App& command, RunArguments& args) {
    add_image_options(command, args);
    command.add_option("-o,--output", args.output, "The image file to write")->required();
    command.add_option("-m,--memory", args.memory, "Default guest memory for runs of this image, e.g. 256M");
}

void add_run_options(CLI::App& command, RunArguments& args) {
    add_image_options(command, args);
    command.add_option("-m,--memory", args.memory,
                       "Guest memory, e.g. 64M or 1G (default: sized from the image, at least 128M)");
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
    command.add_flag("-v,--verbose", args.verbose, "Show the kernel log on stderr as it runs");
    command.add_flag("--trace", args.trace, "Log every system call the program makes (on stderr, with the kernel log)");
    command.add_flag("--no-aslr", args.no_aslr, "Turn off address space layout randomisation");
    command.add_flag("--deterministic", args.deterministic,
                     "Count instructions (-icount shift=0) with a fixed RTC, so instruction figures repeat "
                     "exactly (benchmarks); the guest clock then runs on executed instructions");
    command.add_option("--kernel", args.kernel, "Kernel image (default: osprey.elf beside osprey)");
    command.add_flag("--dry-run", args.dry_run,
                     "Build the image, print the QEMU command line that runs it, keep the image and exit");
    command.add_flag("--keep-image", args.keep_image, "Keep the image after the run and say where it is");
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

u64 default_memory_mib(u64 image_bytes) {
    constexpr u64 kMiB = 1 << 20;
    u64 wanted = (2 * image_bytes + 64 * kMiB + kMiB - 1) / kMiB;
    return wanted < 128 ? 128 : wanted;
}

u64 minimum_run_memory_mib(u64 kernel_minimum_mib, u64 image_bytes) {
    constexpr u64 kMiB = 1 << 20;
    return kernel_minimum_mib + (image_bytes + kMiB - 1) / kMiB + 16;
}

std::string run_kernel_cmdline(const RunArguments& args) {
    // --trace alone keeps the quiet level: the kernel prints trace lines at every level,
    // and the program's calls should not drown in start-up messages.
    std::string cmdline = args.verbose ? "loglevel=info" : "loglevel=warn";
    if (args.trace) cmdline += " trace";
    if (args.no_aslr) cmdline += " aslr=off";
    return cmdline;
}

}  // namespace osprey
