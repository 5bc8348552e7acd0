// `osprey run [OPTIONS] BINARY [ARGS...]`: packs a static Linux program into an initramfs
// with the file that describes how to run it (/.osprey/app), boots it under QEMU and exits
// with the program's status (docs/cli.md, docs/host-guest-contract.md).
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "commands/commands.h"
#include "commands/kernel_image.h"
#include "commands/kernel_locator.h"
#include "commands/run_options.h"
#include "image/app_spec.h"
#include "image/initramfs.h"
#include "image/program_file.h"
#include "image/temp_dir.h"
#include "protocol/app_config.h"
#include "protocol/exit_record.h"
#include "vm/vm_runner.h"

namespace osprey {

namespace {

constexpr int kFailure = protocol::kOspreyFailureStatus;

int fail(const std::string& message) {
    fprintf(stderr, "osprey: %s\n", message.c_str());
    return kFailure;
}

// Notes SIGINT, SIGTERM and SIGHUP for as long as the command runs, so a Ctrl-C while the
// image is being written still lets the temporary files be removed on the way out. The
// VM runner installs its own handlers while QEMU runs and puts these back afterwards.
volatile sig_atomic_t g_stop_signal = 0;

class StopSignalLatch {
public:
    StopSignalLatch() {
        struct sigaction action {};
        action.sa_handler = [](int signal) { g_stop_signal = signal; };
        sigemptyset(&action.sa_mask);
        for (int i = 0; i < 3; i++) sigaction(kSignals[i], &action, &m_saved[i]);
    }
    ~StopSignalLatch() {
        for (int i = 0; i < 3; i++) sigaction(kSignals[i], &m_saved[i], nullptr);
    }
    int signal() const { return g_stop_signal; }

private:
    static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction m_saved[3];
};

std::string current_directory() {
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    return ec ? "/" : cwd.string();
}

// Writes the image: the program at its host path, the working directory, /.osprey/app.
bool write_image(const std::string& path, const ProgramFile& program, const AppSpec& spec, u64& size,
                 std::string& error) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        error = "cannot create " + path + ": " + strerror(errno);
        return false;
    }
    FdSink sink(fd);
    InitramfsBuilder builder(sink);
    std::string config = encode_app_config(spec);
    bool ok = builder.add_file(program.host_path, program.permissions, program.mtime, program.bytes, error) &&
              builder.add_directory(spec.workdir, error) &&
              builder.add_file(protocol::kAppConfigPath, 0444, 0,
                               std::span(reinterpret_cast<const u8*>(config.data()), config.size()), error) &&
              builder.finish(error);
    if (close(fd) != 0 && ok) {
        error = "cannot write " + path + ": " + strerror(errno);
        ok = false;
    }
    size = builder.bytes_written();
    return ok;
}

// The accelerator to use; "auto" is TCG: the KVM on this project's machines is nested and
// far slower than TCG, and telling a fast KVM from a slow one is left for later.
bool resolve_accel(const std::string& asked, std::string& accel, std::string& error) {
    if (asked != "kvm") {
        accel = "tcg";
        return true;
    }
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        error = std::string("--accel kvm: KVM is not usable here (/dev/kvm: ") + strerror(errno) +
                "); use --accel tcg";
        return false;
    }
    accel = "kvm";
    return true;
}

// The QEMU command line a person can copy: the kernel log on the terminal; the program's
// stdout and stderr, the control channel's output (the exit record) and its input (the
// framed stdin: here only the end-of-file frame) as files beside the image.
int print_dry_run(const VmConfig& vm, const TempDir& dir, const std::string& image_path) {
    // QEMU's pipe backend reads CONTROL.in and writes CONTROL.out, both opened as they are.
    std::string control = dir.file("control");
    static const char kEndOfFile[4] = {0, 0, 0, 0};  // one frame of length 0
    for (auto [suffix, bytes] : {std::pair{".in", 4}, std::pair{".out", 0}}) {
        std::string path = control + suffix;
        int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        bool ok = fd >= 0 && write(fd, kEndOfFile, bytes) == bytes;
        if (fd >= 0) close(fd);
        if (!ok) return fail("cannot write " + path + ": " + strerror(errno));
    }
    ChannelPaths paths{"kernel.log", control, dir.file("stdout"), dir.file("stderr"), std::nullopt, control};
    auto args = qemu_arguments(vm, paths);
    for (auto& a : args)
        if (a == "file,id=oslog,path=kernel.log") a = "stdio,id=oslog";
    printf("%s\n", shell_quote(args).c_str());
    fprintf(stderr,
            "osprey: the image is %s, kept (remove %s when done)\n"
            "osprey: the program's stdout and stderr go to %s and %s, its exit record to %s.out;\n"
            "osprey: its stdin is empty (%s.in holds the end-of-file frame)\n",
            image_path.c_str(), dir.path().c_str(), dir.file("stdout").c_str(), dir.file("stderr").c_str(),
            control.c_str(), control.c_str());
    return 0;
}

int run(const CLI::App& app, const CLI::App& command, RunArguments& args) {
    StopSignalLatch stop_signals;
    std::string error;
    if (!collect_program_command(app, command, args, error)) return fail(error);

    VmConfig vm;
    vm.machine = args.machine;
    vm.cpu = args.cpu;
    if (!args.qemu.empty())
        vm.qemu_binary = args.qemu;
    else if (const char* qemu = std::getenv("OSPREY_QEMU"); qemu && *qemu)
        vm.qemu_binary = qemu;
    std::optional<u64> memory_mib;
    if (!args.memory.empty() && !(memory_mib = parse_memory_mib(args.memory, error))) return fail(error);
    if (!resolve_accel(args.accel, vm.accel, error)) return fail(error);
    if (args.workdir.empty() || args.workdir[0] != '/')
        return fail("--workdir " + args.workdir + ": must be an absolute path in the guest");
    std::string workdir = std::filesystem::path(args.workdir).lexically_normal().string();
    while (workdir.size() > 1 && workdir.back() == '/') workdir.pop_back();

    // The program first: a mistake there is the likeliest, and needs no kernel to report.
    const char* host_path_variable = std::getenv("PATH");
    auto program = load_program(args.command[0], host_path_variable ? host_path_variable : "/usr/local/bin:/usr/bin:/bin",
                                current_directory(), error);
    if (!program) return fail(error);

    auto search = locate_kernel(args.kernel);
    if (!search.found) {
        fprintf(stderr, "osprey: kernel image not found; looked for:\n");
        for (auto& path : search.tried) fprintf(stderr, "  %s\n", path.c_str());
        fprintf(stderr, "build it with 'make', or name it with --kernel\n");
        return kFailure;
    }
    vm.kernel = *search.found;
    KernelImage kernel;
    if (!inspect_kernel(vm.kernel, kernel, error)) return fail(error);

    AppSpec spec;
    spec.exe = program->host_path;
    spec.argv = args.command;
    spec.workdir = workdir;
    for (int fd = 0; fd < 3; fd++) spec.tty[fd] = isatty(fd);
    spec.env = default_environment(spec.tty[1], std::getenv("TERM"));
    if (!apply_environment_options(spec.env, args.env, [](const char* name) { return std::getenv(name); }, error))
        return fail(error);
    auto random = host_random_bytes();
    if (!random) return fail("cannot read /dev/urandom");
    spec.random = *random;

    auto dir = TempDir::create("osprey", error);
    if (!dir) return fail(error);
    if (args.dry_run || args.keep_image) dir->keep();
    std::string image_path = dir->file("initramfs.cpio");
    u64 image_bytes = 0;
    if (!write_image(image_path, *program, spec, image_bytes, error)) return fail(error);
    vm.initrd = image_path;
    if (int signal = stop_signals.signal())
        return fprintf(stderr, "osprey: stopped by signal %d (%s)\n", signal, strsignal(signal)), 128 + signal;

    u64 minimum = minimum_run_memory_mib(minimum_memory_mib(kernel), image_bytes);
    vm.memory_mib = memory_mib.value_or(default_memory_mib(image_bytes));
    if (vm.memory_mib < minimum)
        return fail("--memory " + args.memory + " is too small for this image (" +
                    std::to_string((image_bytes + MiB - 1) / MiB) + " MiB) and the kernel; use --memory " +
                    std::to_string(minimum) + "M or more");
    vm.kernel_cmdline = run_kernel_cmdline(args);
    vm.deterministic = args.deterministic;

    if (args.dry_run) return print_dry_run(vm, *dir, image_path);
    if (args.keep_image) fprintf(stderr, "osprey: the image is %s (kept)\n", image_path.c_str());

    RunOptions options;
    options.verbose = args.verbose || args.trace;
    options.forward_stdin = true;
    if (args.timeout > 0) options.timeout_seconds = args.timeout;
    RunOutcome outcome = run_vm(vm, options);
    return report_outcome(outcome, options);
}

// CLI11 cannot know that the words after the options are BINARY and its arguments.
class RunUsageFormatter : public CLI::Formatter {
public:
    std::string make_usage(const CLI::App*, std::string name) const override {
        return "Usage: " + name + " [OPTIONS] BINARY [ARGS...]\n";
    }
};

}  // namespace

CommandMain add_run_command(CLI::App& app) {
    auto args = std::make_shared<RunArguments>();
    auto* command = app.add_subcommand("run", "Run a static Linux program in a micro-VM");
    add_run_options(*command, *args);
    command->formatter(std::make_shared<RunUsageFormatter>());
    command->footer(
        "BINARY is a path or a name found on PATH; it and every word after it belong to the\n"
        "program (osprey's options come first). Examples:\n"
        "  osprey run /usr/bin/busybox echo hello\n"
        "  echo data | osprey run -e LANG=C.UTF-8 busybox sha256sum\n"
        "The exit status is the program's (128+N when signal N killed it); 125 when osprey or\n"
        "the VM failed, 124 on --timeout. See docs/cli.md.");
    return [&app, command, args] { return run(app, *command, *args); };
}

}  // namespace osprey
