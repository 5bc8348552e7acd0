#include "commands/image_request.h"

#include <cstdlib>
#include <filesystem>

#include "image/manifest.h"

namespace osprey {

std::string current_directory() {
    std::error_code ec;
    auto cwd = std::filesystem::current_path(ec);
    return ec ? "/" : cwd.string();
}

const char* host_getenv(const char* name) { return std::getenv(name); }

std::optional<std::vector<AddSpec>> parse_add_options(const std::vector<std::string>& options, const std::string& cwd,
                                                      std::string& error) {
    std::vector<AddSpec> out;
    for (auto& option : options) {
        auto spec = parse_add_spec(option, cwd, error);
        if (!spec) return std::nullopt;
        out.push_back(*spec);
    }
    return out;
}

VolumeOptions override_volumes(const VolumeOptions& base, const VolumeOptions& command_line) {
    VolumeOptions merged;
    // What a volume is for: its guest path, or for a disk left unmounted its image.
    auto purpose = [](const std::string& value) {
        std::string error;
        auto volume = parse_volume(value, error);
        if (!volume) return value;  // a bad value is reported later, as typed
        if (!volume->guest_path.empty()) return volume->guest_path;
        std::error_code ec;
        auto image = std::filesystem::absolute(volume->host_path, ec).lexically_normal();
        return "image " + (ec ? volume->host_path : image.string());
    };
    for (auto& value : base.volumes) {
        bool replaced = false;
        for (auto& over : command_line.volumes) replaced |= purpose(over) == purpose(value);
        if (!replaced) merged.volumes.push_back(value);
    }
    merged.volumes.insert(merged.volumes.end(), command_line.volumes.begin(), command_line.volumes.end());
    merged.size = command_line.size.empty() ? base.size : command_line.size;
    return merged;
}

std::optional<MergedRequest> merge_image_request(const RunArguments& args, std::vector<std::string> default_env,
                                                 const std::string& cwd, std::string& error) {
    MergedRequest merged;
    ImageRequest& request = merged.request;
    request.default_env = std::move(default_env);
    request.host_getenv = host_getenv;
    std::optional<Manifest> manifest;
    if (!args.manifest.empty() && !(manifest = load_manifest(args.manifest, error))) return std::nullopt;

    if (!args.command.empty()) {
        request.program = args.command[0];
        request.args.assign(args.command.begin() + 1, args.command.end());
    } else if (manifest && manifest->program) {
        request.program = *manifest->program;
        request.args = manifest->args.value_or(std::vector<std::string>{});
    } else {
        error = args.manifest + ": no program: name one with program = \"...\" or on the command line";
        return std::nullopt;
    }
    if (manifest) {
        request.env_options = manifest->env;
        request.add = manifest->add;
        request.workdir = manifest->workdir;
        merged.memory = manifest->memory.value_or("");
        NetworkChoice own{manifest->network.value_or(""), manifest->mac.value_or(""), manifest->publish,
                          manifest->ip.value_or("")};
        // The manifest's own values are checked alone, so a mistake names the file.
        auto resolved = resolve_network(own.network, own.mac, own.publish, error);
        if (!resolved || !resolve_ip(own.ip, *resolved, error)) {
            error = args.manifest + ": " + error;
            return std::nullopt;
        }
        merged.network = own;
        merged.volumes.volumes = manifest->volumes;
        merged.volumes.size = manifest->volume_size.value_or("");
    }
    merged.volumes = override_volumes(merged.volumes, args.volumes);
    merged.network = override_network(merged.network, args);
    request.env_options.insert(request.env_options.end(), args.env.begin(), args.env.end());
    auto adds = parse_add_options(args.add, cwd, error);
    if (!adds) return std::nullopt;
    request.add.insert(request.add.end(), adds->begin(), adds->end());
    if (args.workdir_given) request.workdir = args.workdir;
    if (args.discover) request.discover_seconds = args.discover_seconds;
    if (!args.memory.empty()) merged.memory = args.memory;
    return merged;
}

}  // namespace osprey
