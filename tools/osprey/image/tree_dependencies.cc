#include "image/tree_dependencies.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <map>

#include "image/host_files.h"
#include "image/mapped_file.h"
#include "image/program_file.h"
#include "image/runtime_image.h"

namespace osprey {

namespace {

constexpr const char* kLoaderCache = "/etc/ld.so.cache";
constexpr const char* kCUtf8Locale = "/usr/lib/locale/C.utf8";
// Linux runs a script's interpreter that is itself a script this many times over.
constexpr int kMaxScriptDepth = 4;

bool at_or_under(const std::string& path, const std::string& directory) {
    return directory == "/" || path == directory ||
           (path.size() > directory.size() && path.compare(0, directory.size(), directory) == 0 &&
            path[directory.size()] == '/');
}

bool in_tree(const ImageTree& tree, const std::string& path) {
    auto where = tree.resolve(path);
    return where && tree.find(*where);
}

bool host_executable(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

// The file's bytes as the guest will see them: a host file mapped, or what an image
// already holds (a generated file, or a view into an image built before).
class NodeContent {
public:
    bool open(const ImageNode& node, std::string& error) {
        if (!node.host_path.empty()) {
            if (!m_mapped.open(node.host_path, error)) return false;
            m_bytes = m_mapped.bytes();
        } else if (node.from_view) {
            m_bytes = node.view;
        } else {
            m_bytes = std::span(reinterpret_cast<const u8*>(node.data.data()), node.data.size());
        }
        return true;
    }
    std::span<const u8> bytes() const { return m_bytes; }

private:
    MappedFile m_mapped;
    std::span<const u8> m_bytes;
};

// The resolver's view of the file system: what the image holds at a path, else the host's
// file there (what will be added). Each library is read once, however many objects need it.
class ImageFirstFiles final : public LibraryFiles {
public:
    explicit ImageFirstFiles(const ImageTree& tree) : m_tree(tree) {}

    std::optional<std::vector<u8>> read(const std::string& path) override {
        auto cached = m_cache.find(path);
        if (cached == m_cache.end()) cached = m_cache.emplace(path, load(path)).first;
        return cached->second;
    }

private:
    std::optional<std::vector<u8>> load(const std::string& path) {
        auto where = m_tree.resolve(path);
        if (!where) return std::nullopt;
        const ImageNode* node = m_tree.find(*where);
        if (!node) return m_host.read(path);
        if (node->type != ImageNode::Type::File) return std::nullopt;
        NodeContent content;
        std::string ignored;
        if (!content.open(*node, ignored)) return std::nullopt;
        return std::vector<u8>(content.bytes().begin(), content.bytes().end());
    }

    const ImageTree& m_tree;
    HostLibraryFiles m_host;
    std::map<std::string, std::optional<std::vector<u8>>> m_cache;
};

enum class FileKind { Other, Elf, Script };

// Looks at the first bytes only: most files of a large tree are neither.
FileKind kind_of(const ImageNode& node, std::vector<u8>& head) {
    constexpr size_t kHead = 256;  // what Linux reads of a script's "#!" line
    head.clear();
    if (!node.host_path.empty()) {
        FILE* file = fopen(node.host_path.c_str(), "rbe");
        if (!file) return FileKind::Other;
        head.resize(kHead);
        head.resize(fread(head.data(), 1, kHead, file));
        fclose(file);
    } else {
        std::span<const u8> bytes = node.from_view ? node.view
                                                   : std::span(reinterpret_cast<const u8*>(node.data.data()),
                                                               node.data.size());
        head.assign(bytes.begin(), bytes.begin() + static_cast<long>(std::min(bytes.size(), kHead)));
    }
    if (head.size() >= 4 && memcmp(head.data(), "\x7f" "ELF", 4) == 0) return FileKind::Elf;
    if (head.size() >= 2 && head[0] == '#' && head[1] == '!') return FileKind::Script;
    return FileKind::Other;
}

class DependencyAdder {
public:
    DependencyAdder(ImageTree& tree, const DependencyScan& scan, const LibrarySearch& search,
                    std::vector<std::string>& notes)
        : m_tree(tree), m_scan(scan), m_search(search), m_notes(notes), m_files(tree) {}

    bool run(std::string& error) {
        std::vector<std::string> objects, programs;
        std::vector<PendingScript> scripts;
        std::vector<u8> head;
        for (auto& [path, node] : m_tree.nodes()) {
            if (node.type != ImageNode::Type::File) continue;
            bool shared = std::filesystem::path(path).filename().string().find(".so") != std::string::npos;
            bool executable = node.permissions & 0111;
            if (!shared && !executable) continue;
            if (std::none_of(m_scan.directories.begin(), m_scan.directories.end(),
                             [&](const std::string& d) { return at_or_under(path, d); }))
                continue;
            FileKind kind = kind_of(node, head);
            if (kind == FileKind::Elf) (shared ? objects : programs).push_back(path);
            if (kind == FileKind::Script && executable && m_scan.scripts) scripts.push_back({path, head, 1});
        }
        // Interpreters first: they are programs to resolve too, or scripts in turn.
        while (!scripts.empty()) {
            PendingScript script = std::move(scripts.back());
            scripts.pop_back();
            std::vector<std::string> added;
            if (!add_interpreters(script, added, error)) return false;
            for (auto& path : added) {
                FileKind kind = kind_of(*m_tree.find(path), head);
                if (kind == FileKind::Elf) programs.push_back(path);
                if (kind == FileKind::Script && script.depth < kMaxScriptDepth)
                    scripts.push_back({path, head, script.depth + 1});
            }
        }
        // A runtime loads its own libraries before the modules that need them (Java's
        // launcher opens lib/server/libjvm.so, then lib/libnet.so, which names libjvm.so
        // without a path): the loader then finds them already loaded. So the directories of
        // the shared objects count as searched for them. Programs start from nothing.
        LibrarySearch with_siblings = m_search;
        for (auto& object : objects) {
            std::string directory = std::filesystem::path(object).parent_path().string();
            auto& paths = with_siblings.library_path;
            if (std::find(paths.begin(), paths.end(), directory) == paths.end()) paths.push_back(directory);
        }
        for (auto& object : objects)
            if (!resolve(object, with_siblings, error)) return false;
        for (auto& program : programs)
            if (!resolve(program, m_search, error)) return false;
        // The modules of the interpreters added, as for the first program's runtime.
        if (m_runtime_directories.empty()) return true;
        DependencyScan modules{m_runtime_directories, false, ""};
        return DependencyAdder(m_tree, modules, m_search, m_notes).run(error);
    }

private:
    struct PendingScript {
        std::string path;
        std::vector<u8> head;  // its first bytes, the "#!" line among them
        int depth;             // 1 for a script of the scanned trees, 2 for its interpreter...
    };

    // Adds the interpreter `script` names from the host when the image lacks it, and for
    // "#!/usr/bin/env NAME" the NAME env will find; `added` gets their paths in the image.
    // false only when the tree refuses a file.
    bool add_interpreters(const PendingScript& script, std::vector<std::string>& added, std::string& error) {
        std::string why;
        auto shebang = parse_shebang(script.head, why);
        if (!shebang) {
            m_notes.push_back(script.path + ": " + why + ": it will fail to run in the guest");
            return true;
        }
        const std::string& interpreter = shebang->interpreter;
        if (interpreter[0] != '/') {
            m_notes.push_back(script.path + ": #! names a relative interpreter, " + interpreter +
                              ": it will fail to run in the guest");
            return true;
        }
        bool found = false;
        if (!add_program(script.path, interpreter, found, added, error)) return false;
        const auto& argument = shebang->argument;
        bool via_env = std::filesystem::path(interpreter).filename() == "env";
        if (!found || !via_env || !argument || (*argument)[0] == '-' ||
            argument->find_first_of(" \t") != std::string::npos)
            return true;
        if (argument->find('/') != std::string::npos) return add_program(script.path, *argument, found, added, error);
        for (auto& directory : split_search_path(m_scan.guest_path_variable)) {
            std::string candidate = directory + "/" + *argument;
            if (in_tree(m_tree, candidate)) return true;
            if (host_executable(candidate)) return add_program(script.path, candidate, found, added, error);
        }
        m_notes.push_back(script.path + ": #!" + interpreter + " " + *argument + ": no " + *argument +
                          " on the guest's PATH, in the image or on this host: it will fail to run in the guest");
        return true;
    }

    // Adds `program`, an interpreter that `script` needs, unless the image has it; `found`
    // says whether it is there now. A program the host lacks is a note.
    bool add_program(const std::string& script, const std::string& program, bool& found,
                     std::vector<std::string>& added, std::string& error) {
        found = true;
        if (in_tree(m_tree, program)) return true;
        if (!host_executable(program)) {
            found = false;
            m_notes.push_back(script + ": its interpreter " + program +
                              " is neither in the image nor on this host: it will fail to run in the guest");
            return true;
        }
        if (!add_host_path_keeping_links(m_tree, program, error)) return false;
        added.push_back(*m_tree.resolve(program));
        // An interpreter that is a runtime Osprey knows needs its module trees as much as its
        // libraries: Python does not even start without its standard library.
        RuntimeAdditions runtime;
        if (!add_runtime_files(m_tree, program, runtime, error)) return false;
        m_notes.insert(m_notes.end(), runtime.notes.begin(), runtime.notes.end());
        m_runtime_directories.insert(m_runtime_directories.end(), runtime.directories.begin(),
                                     runtime.directories.end());
        return true;
    }

    bool resolve(const std::string& path, const LibrarySearch& search, std::string& error) {
        NodeContent content;
        std::string why;
        if (!content.open(*m_tree.find(path), why)) {
            m_notes.push_back(why);
            return true;
        }
        auto resolution = resolve_libraries(path, content.bytes(), m_files, search, why);
        if (!resolution) {
            // The first line says which library and who needs it; the places searched are
            // the usual ones.
            m_notes.push_back(why.substr(0, why.find("; searched")) + ": it will fail to load in the guest");
            return true;
        }
        for (auto& library : resolution->libraries) {
            if (in_tree(m_tree, library.path)) continue;
            if (!add_host_path_keeping_links(m_tree, library.path, error)) return false;
        }
        if (resolution->interpreter && !add_loader_files(m_tree, *resolution->interpreter, error)) return false;
        std::string companion;
        return add_libc_companions(m_tree, resolution->libraries, m_search, companion, error);
    }

    ImageTree& m_tree;
    const DependencyScan& m_scan;
    const LibrarySearch& m_search;
    std::vector<std::string>& m_notes;
    ImageFirstFiles m_files;
    std::vector<std::string> m_runtime_directories;  // of interpreters added for scripts
};

}  // namespace

bool add_tree_dependencies(ImageTree& tree, const DependencyScan& scan, const LibrarySearch& search,
                           std::vector<std::string>& notes, std::string& error) {
    return DependencyAdder(tree, scan, search, notes).run(error);
}

bool add_loader_files(ImageTree& tree, const std::string& interpreter, std::string& error) {
    if (!in_tree(tree, interpreter) && !add_host_path_keeping_links(tree, interpreter, error)) return false;
    // The loader consults the cache before the default directories, as on the host.
    if (!in_tree(tree, kLoaderCache) && access(kLoaderCache, R_OK) == 0 &&
        !add_host_path_keeping_links(tree, kLoaderCache, error))
        return false;
    // glibc's C.UTF-8 is a locale directory, not built in: with it a program whose LANG
    // names a locale the image lacks falls back as on the host (Python coerces to it).
    if (!in_tree(tree, kCUtf8Locale) && access(kCUtf8Locale, R_OK) == 0 &&
        !add_host_tree(tree, AddSpec{kCUtf8Locale, kCUtf8Locale}, error))
        return false;
    return true;
}

}  // namespace osprey
