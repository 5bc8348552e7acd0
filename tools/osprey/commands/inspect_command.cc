// `osprey inspect IMAGE`: what an image holds and how it runs (docs/cli.md).
#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands/commands.h"
#include "image/disk_image.h"
#include "image/image_builder.h"
#include "image/image_file.h"
#include "protocol/exit_record.h"
#include "vm/vm_config.h"

namespace osprey {

namespace {

std::string mode_string(const ImageNode& node) {
    std::string out = node.type == ImageNode::Type::Directory ? "d" : node.type == ImageNode::Type::Symlink ? "l" : "-";
    const char* letters = "rwxrwxrwx";
    for (int bit = 8; bit >= 0; bit--) out += (node.permissions >> bit & 1) ? letters[8 - bit] : '-';
    if (node.permissions & 04000) out[3] = out[3] == 'x' ? 's' : 'S';
    if (node.permissions & 02000) out[6] = out[6] == 'x' ? 's' : 'S';
    if (node.permissions & 01000) out[9] = out[9] == 'x' ? 't' : 'T';
    return out;
}

const char* type_name(ImageNode::Type type) {
    switch (type) {
    case ImageNode::Type::Directory: return "directory";
    case ImageNode::Type::Symlink: return "symlink";
    case ImageNode::Type::File: return "file";
    }
    return "file";
}

int inspect(const std::string& path, bool json_output) {
    std::string error;
    std::optional<LoadedImage> image;
    u64 disk_used = 0;
    if (looks_like_disk_image(path)) {
        if (auto disk = load_disk_image(path, true, error)) {
            disk_used = disk->used_bytes;
            image = LoadedImage{nullptr, disk->file_size, std::move(disk->tree), std::move(disk->spec), std::move(disk->info)};
        }
    } else {
        image = load_image(path, error);
    }
    if (!image) {
        fprintf(stderr, "osprey: %s\n", error.c_str());
        return protocol::kOspreyFailureStatus;
    }
    u64 files = 0, directories = 0, symlinks = 0;
    for (auto& [name, node] : image->tree.nodes()) {
        files += node.type == ImageNode::Type::File;
        directories += node.type == ImageNode::Type::Directory;
        symlinks += node.type == ImageNode::Type::Symlink;
    }
    const AppSpec& spec = image->spec;
    if (json_output) {
        nlohmann::ordered_json out;
        out["image"] = path;
        out["size"] = image->file_size;
        out["root"] = image->info.root;
        if (image->info.root == "ext4") out["disk_used"] = disk_used;
        out["content_size"] = image->tree.content_bytes();
        out["exe"] = spec.exe;
        out["argv"] = spec.argv;
        out["env"] = spec.env;
        out["workdir"] = spec.workdir;
        out["memory"] = image->info.memory;
        out["cpus"] = image->info.cpus;
        out["program"] = image->info.program;
        if (image->info.interpreter) out["interpreter"] = *image->info.interpreter;
        out["libraries"] = nlohmann::json::array();
        for (auto& [name, lib] : image->info.libraries) out["libraries"].push_back({{"name", name}, {"path", lib}});
        if (!image->info.runtime.empty())
            out["runtime"] = {{"name", image->info.runtime}, {"directories", image->info.runtime_directories}};
        if (!image->info.discovered.empty()) out["discovered"] = image->info.discovered;
        out["files"] = nlohmann::json::array();
        for (auto& [name, node] : image->tree.nodes()) {
            nlohmann::ordered_json entry = {{"path", name}, {"type", type_name(node.type)},
                                            {"mode", node.permissions}, {"size", node.size}, {"mtime", node.mtime}};
            if (node.type == ImageNode::Type::Symlink) entry["target"] = node.data;
            out["files"].push_back(entry);
        }
        printf("%s\n", out.dump(2).c_str());
        return 0;
    }
    printf("Image:       %s (%llu bytes, %s)\n", path.c_str(), static_cast<unsigned long long>(image->file_size),
           human_size(image->file_size).c_str());
    if (image->info.root == "ext4")
        printf("Root:        an ext4 disk, %s in use (osprey build --format ext4)\n", human_size(disk_used).c_str());
    printf("Contents:    %llu files (%llu bytes, %s), %llu directories, %llu symlinks\n",
           static_cast<unsigned long long>(files), static_cast<unsigned long long>(image->tree.content_bytes()),
           human_size(image->tree.content_bytes()).c_str(), static_cast<unsigned long long>(directories),
           static_cast<unsigned long long>(symlinks));
    printf("Command:     %s\n", shell_quote(spec.argv).c_str());
    printf("Executable:  %s\n", spec.exe.c_str());
    if (image->info.interpreter) printf("Interpreter: %s\n", image->info.interpreter->c_str());
    printf("Workdir:     %s\n", spec.workdir.c_str());
    printf("Memory:      %s\n", image->info.memory.empty() ? "sized from the image" : image->info.memory.c_str());
    printf("CPUs:        %u\n", image->info.cpus);
    printf("Environment:\n");
    for (auto& entry : spec.env) printf("  %s\n", entry.c_str());
    if (!image->info.libraries.empty()) {
        printf("Libraries:\n");
        for (auto& [name, lib] : image->info.libraries) printf("  %s => %s\n", name.c_str(), lib.c_str());
    }
    if (!image->info.runtime.empty()) {
        printf("Runtime:     %s\n", image->info.runtime.c_str());
        for (auto& dir : image->info.runtime_directories) printf("  %s\n", dir.c_str());
    }
    if (!image->info.discovered.empty())
        printf("Discovered:  %zu files from a trial run (--discover)\n", image->info.discovered.size());
    printf("Files:\n");
    for (auto& [name, node] : image->tree.nodes()) {
        printf("  %s %10llu  %s", mode_string(node).c_str(), static_cast<unsigned long long>(node.size), name.c_str());
        if (node.type == ImageNode::Type::Symlink) printf(" -> %s", node.data.c_str());
        printf("\n");
    }
    return 0;
}

}  // namespace

CommandMain add_inspect_command(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto* command = app.add_subcommand("inspect", "Show the files, command, environment and sizes of an image");
    command->add_option("IMAGE", *path, "An image made by osprey build")->required();
    command->add_flag("--json", *json, "Print JSON instead of text");
    return [path, json] { return inspect(*path, *json); };
}

}  // namespace osprey
