#include "image/runtime_image.h"

#include <unistd.h>

#include <filesystem>

#include "image/host_files.h"
#include "image/runtime_files.h"

namespace osprey {

namespace {

bool under(const std::string& path, const std::string& directory) {
    return directory == "/" ||
           (path.size() > directory.size() && path.compare(0, directory.size(), directory) == 0 &&
            path[directory.size()] == '/');
}

// Symlinks in the added trees whose targets lie outside them (Debian's
// /usr/lib/python3.11/sitecustomize.py -> /etc/python3.11/sitecustomize.py): the target
// comes too when it is a file on the host, so the link does not dangle in the guest.
bool add_link_targets(ImageTree& tree, const std::vector<std::string>& directories, std::string& error) {
    std::vector<std::string> targets;
    for (auto& [path, node] : tree.nodes()) {
        if (node.type != ImageNode::Type::Symlink) continue;
        bool inside = false;
        for (auto& directory : directories) inside = inside || under(path, directory);
        if (!inside) continue;
        std::filesystem::path target(node.data);
        if (target.is_relative()) target = std::filesystem::path(path).parent_path() / target;
        std::string normal = target.lexically_normal().string();
        if (tree.resolve(normal) && tree.find(*tree.resolve(normal))) continue;
        std::error_code failed;
        if (std::filesystem::is_regular_file(normal, failed)) targets.push_back(normal);
    }
    for (auto& target : targets)
        if (!add_host_path_keeping_links(tree, target, error)) return false;
    return true;
}

}  // namespace

bool add_runtime_files(ImageTree& tree, const std::string& program, RuntimeAdditions& added, std::string& error) {
    std::string note;
    auto runtime = recognise_runtime(program, note);
    if (!note.empty()) added.notes.push_back(note);
    if (!runtime) return true;
    added.runtime = runtime->runtime;
    for (auto& directory : runtime->directories) {
        // The directory as the runtime names it, with the symlinks on the way
        // (/usr/share/perl/5.36 -> 5.36.0), then its content where it really is.
        if (!add_host_path_keeping_links(tree, directory, error)) return false;
        std::error_code failed;
        std::string real = std::filesystem::canonical(directory, failed).string();
        if (failed) continue;
        auto skip = [&](const std::string& name) { return runtime->skips(name); };
        if (!add_host_tree_except(tree, {real, real}, skip, error)) return false;
        added.directories.push_back(real);
    }
    return add_link_targets(tree, added.directories, error);
}

bool add_libc_companions(ImageTree& tree, const std::vector<ResolvedLibrary>& libraries, const LibrarySearch& search,
                         std::string& added, std::string& error) {
    bool has_libc = false;
    for (auto& library : libraries) has_libc = has_libc || library.name == "libc.so.6";
    if (!has_libc) return true;
    const std::string name = "libgcc_s.so.1";
    std::string found;
    for (auto& entry : search.cache)
        if (entry.soname == name && access(entry.path.c_str(), R_OK) == 0) {
            found = entry.path;
            break;
        }
    for (auto& directory : search.default_directories) {
        if (!found.empty()) break;
        if (access((directory + "/" + name).c_str(), R_OK) == 0) found = directory + "/" + name;
    }
    if (found.empty()) return true;
    if (auto where = tree.resolve(found); where && tree.find(*where)) return true;
    if (!add_host_path_keeping_links(tree, found, error)) return false;
    added = found;
    return true;
}

}  // namespace osprey
