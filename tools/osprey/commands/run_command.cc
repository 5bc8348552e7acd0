// `osprey run [OPTIONS] BINARY|IMAGE [ARGS...]`: builds an image on the fly from a Linux
// program (its libraries and interpreter too), or takes one `osprey build` saved, writes
// the run's own /.osprey/app into a private copy, boots it under QEMU and exits with the
// program's status (docs/cli.md, docs/host-guest-contract.md).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>

#include "commands/command_failure.h"
#include "commands/commands.h"
#include "commands/usage_formatter.h"
#include "commands/kernel_image.h"
#include "commands/kernel_locator.h"
#include "commands/run_options.h"
#include "commands/accel.h"
#include "commands/cached_image.h"
#include "commands/image_request.h"
#include "commands/stop_signals.h"
#include "image/app_spec.h"
#include "image/disk_image.h"
#include "image/image_builder.h"
#include "image/image_file.h"
#include "image/manifest.h"
#include "image/temp_dir.h"
#include "protocol/app_config.h"
#include "protocol/exit_record.h"
#include "vm/guest_tsc.h"
#include "vm/startup_report.h"
#include "vm/vm_runner.h"

namespace osprey {

namespace {

// The QEMU command line a person can copy: the kernel log on the terminal; the program's
// stdout and stderr, the control channel's output (the exit record) and its input (the
// framed stdin: here only the end-of-file frame) as files beside the image.
int print_dry_run(const VmConfig& vm, const TempDir& dir, const std::string& image_path, bool image_is_base) {
    // QEMU's pipe backend reads CONTROL.in and writes CONTROL.out, both opened as they are.
    std::string control = dir.file("control");
    static const char kEndOfFile[4] = {0, 0, 0, 0};  // one frame of length 0
    for (auto [suffix, bytes] : {std::pair{".in", 4}, std::pair{".out", 0}}) {
        std::string path = control + suffix;
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && write(fd, kEndOfFile, bytes) == bytes;
        if (fd >= 0) close(fd);
        if (!ok) return fail_command("cannot write " + path + ": " + strerror(errno));
    }
    ChannelPaths paths{"kernel.log", control, dir.file("stdout"), dir.file("stderr"), std::nullopt, control, std::nullopt};
    auto args = qemu_arguments(vm, paths);
    for (auto& a : args)
        if (a == "file,id=oslog,path=kernel.log") a = "stdio,id=oslog";
    printf("%s\n", shell_quote(args).c_str());
    if (image_is_base)
        fprintf(stderr, "osprey: the image is %s, loaded as it is; the run's /.osprey/app is in %s\n",
                image_path.c_str(), vm.overlay->c_str());
    fprintf(stderr,
            "osprey: %s %s, kept (remove %s when done)\n"
            "osprey: the program's stdout and stderr go to %s and %s, its exit record to %s.out;\n"
            "osprey: its stdin is empty (%s.in holds the end-of-file frame)\n",
            image_is_base ? "the run's files are in" : "the image is", image_is_base ? dir.path().c_str() : image_path.c_str(),
            dir.path().c_str(), dir.file("stdout").c_str(), dir.file("stderr").c_str(),
            control.c_str(), control.c_str());
    return 0;
}

// A saved image's root disk (osprey build --format ext4): the drive the kernel mounts as /.
struct RootDisk {
    std::string path;
    u64 used_bytes = 0;
};

// A saved image, an initramfs (its tree, whose file views point into the mapped file) or
// a disk (nothing in the tree: the run's initramfs carries only what the run changes).
std::optional<ComposedImage> load_saved_image(const std::string& path, std::optional<RootDisk>& root_disk,
                                              std::string& error) {
    if (looks_like_disk_image(path)) {
        auto loaded = load_disk_image(path, false, error);
        if (!loaded) return std::nullopt;
        root_disk = RootDisk{path, loaded->used_bytes};
        return ComposedImage{ImageTree(), std::move(loaded->spec), std::move(loaded->info), nullptr};
    }
    auto loaded = load_image(path, error);
    if (!loaded) return std::nullopt;
    return ComposedImage{std::move(loaded->tree), std::move(loaded->spec), std::move(loaded->info), loaded->mapping};
}

// The image to boot: a saved one with the run's changes, or a new one from BINARY.
// `base_image` is set when the image file can be loaded as it is, with the run's own
// /.osprey/app in an overlay: a saved image the run adds no files to, or one from the
// image cache.
std::optional<ComposedImage> prepare_image(const RunArguments& args, std::string& memory, NetworkChoice& network,
                                           VolumeOptions& volumes, std::optional<RootDisk>& root_disk,
                                           std::optional<std::string>& base_image, std::string& error,
                                           const std::function<bool()>& stopped) {
    std::string cwd = current_directory();
    const char* term = std::getenv("TERM");
    bool stdout_tty = isatty(1);
    if (!args.command.empty() && args.command[0].find('\0') == std::string::npos &&
        (looks_like_image(args.command[0]) || looks_like_disk_image(args.command[0]))) {
        if (!args.manifest.empty()) {
            error = "-f builds a new image; it cannot be used with the image " + args.command[0];
            return std::nullopt;
        }
        auto loaded = load_saved_image(args.command[0], root_disk, error);
        if (!loaded) return std::nullopt;
        ComposedImage image = std::move(*loaded);
        RunOverrides overrides;
        overrides.args.assign(args.command.begin() + 1, args.command.end());
        if (stdout_tty && term && *term) {
            bool has_term = false;
            for (auto& entry : image.spec.env) has_term |= entry.rfind("TERM=", 0) == 0;
            if (!has_term) image.spec.env.push_back(std::string("TERM=") + term);
        }
        overrides.env_options = args.env;
        if (args.workdir_given) overrides.workdir = args.workdir;
        auto adds = parse_add_options(args.add, cwd, error);
        if (!adds) return std::nullopt;
        overrides.add = *adds;
        overrides.host_getenv = host_getenv;
        if (!apply_run_overrides(image, overrides, error)) return std::nullopt;
        memory = args.memory.empty() ? image.info.memory : args.memory;
        network = override_network({image.info.network, image.info.mac, image.info.publish, image.info.ip}, args);
        volumes = args.volumes;
        // Added files and a new working directory change the tree: the run writes its copy.
        if (!root_disk && overrides.add.empty() && !overrides.workdir && !args.keep_image)
            base_image = args.command[0];
        return image;
    }
    auto merged = merge_image_request(args, default_environment(stdout_tty, term), cwd, error);
    if (!merged) return std::nullopt;
    memory = merged->memory;
    network = merged->network;
    volumes = merged->volumes;
    if (args.no_cache || args.keep_image) return compose_image(merged->request, cwd, error);
    return compose_with_cache(merged->request, cwd, base_image, error, stopped);
}

int run(const CLI::App& app, const CLI::App& command, RunArguments& args) {
    auto started = std::chrono::steady_clock::now();
    auto ms_since_start = [&](std::chrono::steady_clock::time_point t) {
        return std::chrono::duration<double, std::milli>(t - started).count();
    };
    HostTimes host_times;
    StopSignalLatch stop_signals;
    std::string error;
    if (!collect_program_command(app, command, args, error)) return fail_command(error);

    VmConfig vm;
    vm.machine = args.machine;
    vm.cpu = args.cpu;
    if (!args.qemu.empty())
        vm.qemu_binary = args.qemu;
    else if (const char* qemu = std::getenv("OSPREY_QEMU"); qemu && *qemu)
        vm.qemu_binary = qemu;
    if (args.workdir.empty() || args.workdir[0] != '/')
        return fail_command("--workdir " + args.workdir + ": must be an absolute path in the guest");
    std::optional<u64> memory_mib;
    if (!args.memory.empty() && !(memory_mib = parse_memory_mib(args.memory, error))) return fail_command(error);
    // Over the image's default when given.
    std::optional<unsigned> cpus = requested_cpus(args.cpus, error);
    if (!error.empty()) return fail_command(error);
    // The command line's network options, before the image is built: a mistake or a taken
    // port is refused at once.
    auto cli_network = resolve_network(args.network, args.mac, args.publish, error);
    if (!cli_network) return fail_command(error);
    if (!check_host_ports_free(cli_network->port_forwards, error)) return fail_command(error);
    // The manifest's folders first, then the command line's (-v adds, as -p does).
    std::vector<std::string> share_values;
    if (!args.manifest.empty()) {
        auto manifest = load_manifest(args.manifest, error);
        if (!manifest) return fail_command(error);
        share_values = manifest->share;
    }
    share_values.insert(share_values.end(), args.shares.begin(), args.shares.end());
    auto shares = parse_shares(share_values, error);
    if (!shares) return fail_command(error);
    vm.shared_folders = *shares;
    auto accel = choose_accel(args.accel, args.accel == "tcg" ? KvmProbe{} : probe_kvm(), error);
    if (!accel) return fail_command(error);
    vm.accel = *accel;

    // The program first: a mistake there is the likeliest, and needs no kernel to report.
    std::string memory;
    NetworkChoice network;
    VolumeOptions volume_options;
    std::optional<RootDisk> root_disk;
    std::optional<std::string> base_image;
    auto image = prepare_image(args, memory, network, volume_options, root_disk, base_image, error,
                               [&stop_signals] { return stop_signals.signal() != 0; });
    if (int signal = stop_signals.signal()) return report_stop_signal(signal);
    if (!image) return fail_command(error);
    // With the image's or the manifest's network options under the command line's.
    auto resolved = resolve_network(network.network, network.mac, network.publish, error);
    if (!resolved) return fail_command(error);
    if (resolved->port_forwards != cli_network->port_forwards && !check_host_ports_free(resolved->port_forwards, error))
        return fail_command(error);
    vm.network = *resolved;
    auto ip = resolve_ip(network.ip, vm.network, error);
    if (!ip) return fail_command(error);
    if (!memory.empty() && !(memory_mib = parse_memory_mib(memory, error))) return fail_command(error);
    // The CPUs all start; the note says the program still runs on the first.
    vm.cpus = cpus.value_or(image->info.cpus);

    auto search = locate_kernel(args.kernel);
    if (!search.found) {
        fprintf(stderr, "osprey: kernel image not found; looked for:\n");
        for (auto& path : search.tried) fprintf(stderr, "  %s\n", path.c_str());
        fprintf(stderr, "build it with 'make', or name it with --kernel\n");
        return protocol::kOspreyFailureStatus;
    }
    vm.kernel = *search.found;
    KernelImage kernel;
    if (!inspect_kernel(vm.kernel, kernel, error)) return fail_command(error);

    AppSpec& spec = image->spec;
    for (int fd = 0; fd < 3; fd++) spec.tty[fd] = isatty(fd);
    auto random = host_random_bytes();
    if (!random) return fail_command("cannot read /dev/urandom");
    spec.random = *random;
    spec.has_random = true;
    if (!base_image && !finish_image(*image, error)) return fail_command(error);
    host_times.image_ready = ms_since_start(std::chrono::steady_clock::now());

    auto dir = TempDir::create("osprey", error);
    if (!dir) return fail_command(error);
    if (args.dry_run || args.keep_image) dir->keep();
    std::string image_path = base_image.value_or(dir->file("initramfs.cpio"));
    u64 image_bytes = 0;
    if (base_image) {
        // QEMU loads the image file as it is; what this run has of its own goes in the overlay.
        ImageTree overlay;
        std::string overlay_path = dir->file("overlay.cpio");
        u64 overlay_bytes = 0;
        if (!overlay.add_generated_file(std::string(protocol::kAppConfigPath), encode_app_config(spec), 0444, error) ||
            !write_image_file(overlay, overlay_path, true, overlay_bytes, error))
            return fail_command(error);
        struct stat st;
        if (stat(image_path.c_str(), &st) != 0) return fail_command("cannot read " + image_path + ": " + strerror(errno));
        image_bytes = static_cast<u64>(st.st_size) + overlay_bytes;
        vm.overlay = overlay_path;
    } else {
        bool written = write_image_file(image->tree, image_path, true, image_bytes, error,
                                        [&stop_signals] { return stop_signals.signal() != 0; });
        if (int signal = stop_signals.signal()) return report_stop_signal(signal);
        if (!written) return fail_command(error);
    }
    host_times.image_written = ms_since_start(std::chrono::steady_clock::now());
    vm.initrd = image_path;

    u64 minimum = minimum_run_memory_mib(minimum_memory_mib(kernel), image_bytes);
    // A root disk's files are read as they are needed; what is mapped is copied in.
    vm.memory_mib = memory_mib.value_or(default_memory_mib(image_bytes + (root_disk ? root_disk->used_bytes / 2 : 0)));
    if (vm.memory_mib < minimum)
        return fail_command("--memory " + (args.memory.empty() ? memory : args.memory) + " is too small for this image (" +
                    std::to_string((image_bytes + MiB - 1) / MiB) + " MiB) and the kernel; use --memory " +
                    std::to_string(minimum) + "M or more");
    vm.kernel_cmdline = run_kernel_cmdline(args, *ip);
    if (vm.overlay) vm.kernel_cmdline += std::string(" overlay=") + kOverlayFwCfgName;
    if (!vm.shared_folders.empty()) vm.kernel_cmdline += " 9p=" + shares_cmdline(vm.shared_folders);
    // Last among the checks: an image it creates is then not left behind by a mistake
    // found after it.
    auto volumes = resolve_volumes(volume_options, error);
    if (!volumes) return fail_command(error);
    vm.volumes = *volumes;
    if (!vm.volumes.empty()) vm.kernel_cmdline += " " + volume_kernel_args(vm.volumes);
    if (root_disk) {
        // First, so it is /dev/vda as a Linux root disk would be; its writes are the run's own.
        vm.volumes.insert(vm.volumes.begin(), VolumeConfig{root_disk->path, kRootDiskSerial, "", false, true});
        vm.kernel_cmdline += std::string(" root=") + kRootDiskSerial;
    }
    vm.deterministic = args.deterministic;
    // The kernel then skips the PIT window that would measure it (vm/guest_tsc.h).
    if (auto khz = guest_tsc_khz(vm)) vm.kernel_cmdline += " tsc_khz=" + std::to_string(*khz);

    if (args.dry_run) return print_dry_run(vm, *dir, image_path, base_image.has_value());
    if (args.keep_image) fprintf(stderr, "osprey: the image is %s (kept)\n", image_path.c_str());

    RunOptions options;
    options.verbose = args.verbose || args.trace || args.trace_net;
    options.forward_stdin = true;
    if (args.timeout > 0) options.timeout_seconds = args.timeout;
    RunOutcome outcome = run_vm(vm, options);
    if (options.verbose && outcome.startup && outcome.spawned && outcome.first_output && outcome.exited) {
        host_times.qemu_started = ms_since_start(*outcome.spawned);
        host_times.first_output = ms_since_start(*outcome.first_output);
        host_times.qemu_exited = ms_since_start(*outcome.exited);
        if (auto line = describe_startup(host_times, *outcome.startup)) fprintf(stderr, "osprey: %s\n", line->c_str());
    }
    return report_outcome(outcome, options);
}

}  // namespace

CommandMain add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArguments>();
    auto* command = app.add_subcommand("run", "Run a Linux program, or an image from osprey build, in a micro-VM");
    add_run_options(*command, *args);
    command->formatter(std::make_shared<UsageFormatter>("BINARY|IMAGE [ARGS...]"));
    command->footer(
        "BINARY is a path or a name found on PATH, IMAGE a file made by osprey build (told apart\n"
        "by its content); it and every word after it belong to the program (osprey's options\n"
        "come first; ARGS after an IMAGE replace its default arguments). Examples:\n"
        "  osprey run /usr/bin/busybox echo hello\n"
        "  osprey run app.osprey --port 8080\n"
        "  echo data | osprey run -e LANG=C.UTF-8 busybox sha256sum\n"
        "The exit status is the program's (128+N when signal N killed it); 125 when osprey or\n"
        "the VM failed, 124 on --timeout. See docs/cli.md.");
    return [&app, command, args] { return run(app, *command, *args); };
}

}  // namespace osprey
