#include "image/runtime_image.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
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

bool looks_like_shared_object(const std::string& path, const ImageNode& node) {
    if (node.type != ImageNode::Type::File || node.host_path.empty()) return false;
    std::string name = std::filesystem::path(path).filename().string();
    if (name.find(".so") == std::string::npos) return false;
    int fd = open(node.host_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char magic[4] = {};
    bool elf = read(fd, magic, sizeof magic) == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' &&
               magic[3] == 'F';
    close(fd);
    return elf;
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

bool add_shared_object_libraries(ImageTree& tree, const std::vector<std::string>& directories,
                                 const LibrarySearch& search, std::vector<std::string>& notes, std::string& error) {
    std::vector<std::string> objects;
    for (auto& [path, node] : tree.nodes()) {
        bool inside = false;
        for (auto& directory : directories) inside = inside || under(path, directory) || path == directory;
        if (inside && looks_like_shared_object(path, node)) objects.push_back(path);
    }
    // A runtime loads its own libraries before the modules that need them (Java's launcher
    // opens lib/server/libjvm.so, then lib/libnet.so, which names libjvm.so without a
    // path): the loader then finds them already loaded. So the directories of the objects
    // in these trees count as searched too.
    LibrarySearch with_siblings = search;
    for (auto& object : objects) {
        std::string directory = std::filesystem::path(object).parent_path().string();
        auto& paths = with_siblings.library_path;
        if (std::find(paths.begin(), paths.end(), directory) == paths.end()) paths.push_back(directory);
    }
    HostLibraryFiles files;
    for (auto& object : objects) {
        auto bytes = files.read(tree.find(object)->host_path);
        if (!bytes) continue;
        std::string why;
        auto resolution = resolve_libraries(object, *bytes, files, with_siblings, why);
        if (!resolution) {
            // The first line says which library and who needs it; the places searched are
            // the usual ones.
            notes.push_back(why.substr(0, why.find("; searched")) + ": it will fail to load in the guest");
            continue;
        }
        for (auto& library : resolution->libraries) {
            if (tree.resolve(library.path) && tree.find(*tree.resolve(library.path))) continue;
            if (!add_host_path_keeping_links(tree, library.path, error)) return false;
        }
    }
    return true;
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
