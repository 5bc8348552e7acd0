// `osprey build [OPTIONS] -o IMAGE BINARY [ARGS...]`: the image `osprey run BINARY` would
// boot, saved for reuse (docs/cli.md, "Image format"). ARGS become the default arguments.
#include <unistd.h>

#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "commands/command_failure.h"
#include "commands/commands.h"
#include "commands/usage_formatter.h"
#include "commands/image_request.h"
#include "commands/run_options.h"
#include "commands/stop_signals.h"
#include "image/app_spec.h"
#include "image/disk_image.h"
#include "image/image_builder.h"
#include "protocol/exit_record.h"

namespace osprey {

namespace {

int build(const CLI::App& app, const CLI::App& command, RunArguments& args) {
    StopSignalLatch stop_signals;
    std::string error;
    if (!collect_program_command(app, command, args, error)) return fail_command(error);
    if (args.workdir.empty() || args.workdir[0] != '/')
        return fail_command("--workdir " + args.workdir + ": must be an absolute path in the guest");
    unsigned cpus = 1;
    if (!args.cpus.empty()) {
        auto parsed = parse_cpus(args.cpus, error);
        if (!parsed) return fail_command(error);
        cpus = *parsed;
    }
    std::string cwd = current_directory();
    // A saved image gets no TERM: each run adds the host's when its stdout is a terminal.
    auto merged = merge_image_request(args, default_environment(false, nullptr), cwd, error);
    if (!merged) return fail_command(error);
    if (!merged->volumes.volumes.empty())
        fprintf(stderr, "osprey: note: an image does not keep volumes; attach them to each run (--volume, or "
                        "osprey run -f with the manifest)\n");
    if (!merged->memory.empty() && !parse_memory_mib(merged->memory, error)) return fail_command(error);
    const NetworkChoice& network = merged->network;
    auto resolved = resolve_network(network.network, network.mac, network.publish, error);
    if (!resolved || !resolve_ip(network.ip, *resolved, error)) return fail_command(error);
    auto image = compose_image(merged->request, cwd, error);
    if (!image) return fail_command(error);
    image->spec.has_random = false;
    image->info.memory = merged->memory;
    image->info.cpus = cpus;
    image->info.network = network.network;
    image->info.mac = network.mac;
    image->info.publish = network.publish;
    image->info.ip = network.ip;

    image->info.root = args.format;
    if (!finish_image(*image, error)) return fail_command(error);

    // Written beside the target and renamed into place, so a failed or interrupted build
    // leaves neither a half image nor a temporary file.
    std::string partial = args.output + ".partial-" + std::to_string(getpid());
    auto stopped = [&stop_signals] { return stop_signals.signal() != 0; };
    u64 bytes = 0;
    DiskImageFigures disk;
    bool written = args.format == "ext4" ? write_disk_image(image->tree, partial, disk, error, stopped)
                                         : write_image_file(image->tree, partial, false, bytes, error, stopped);
    // A Ctrl-C ends the write early; either way the partial file is gone.
    if (int signal = stop_signals.signal()) {
        unlink(partial.c_str());
        return report_stop_signal(signal);
    }
    if (!written) {
        unlink(partial.c_str());
        return fail_command(error);
    }
    if (rename(partial.c_str(), args.output.c_str()) != 0) {
        unlink(partial.c_str());
        return fail_command("cannot write " + args.output + ": " + strerror(errno));
    }
    u64 files = 0;
    for (auto& [path, node] : image->tree.nodes()) files += node.type == ImageNode::Type::File;
    std::string libraries;
    if (!image->info.libraries.empty())
        libraries = ", " + std::to_string(image->info.libraries.size()) + " shared librar" +
                    (image->info.libraries.size() == 1 ? "y" : "ies");
    std::string what = args.format == "ext4" ? "an ext4 disk of " + human_size(disk.size) + " (" +
                                                   human_size(disk.allocated) + " on the host's disk)"
                                             : human_size(bytes);
    fprintf(stderr, "osprey: wrote %s: %s, %llu files%s\n", args.output.c_str(), what.c_str(),
            static_cast<unsigned long long>(files), libraries.c_str());
    return 0;
}

}  // namespace

CommandMain add_build_command(CLI::App& app) {
    auto args = std::make_shared<RunArguments>();
    auto* command = app.add_subcommand("build", "Build an image from a Linux program, for osprey run");
    add_build_options(*command, *args);
    command->formatter(std::make_shared<UsageFormatter>("-o IMAGE BINARY [ARGS...]"));
    command->footer(
        "BINARY is a path or a name found on PATH; it is stored with its interpreter and every\n"
        "shared library it needs. ARGS become the default arguments (osprey run IMAGE ARGS\n"
        "replaces them). Examples:\n"
        "  osprey build -o hello.osprey /bin/busybox echo hello\n"
        "  osprey build -o site.osprey --add ./public:/srv -w /srv -e PORT=80 ./server\n"
        "  osprey build -o app.osprey -f osprey.toml\n"
        "  osprey build --format ext4 -o java.img /usr/bin/java -version\n"
        "See docs/cli.md.");
    return [&app, command, args] { return build(app, *command, *args); };
}

}  // namespace osprey
