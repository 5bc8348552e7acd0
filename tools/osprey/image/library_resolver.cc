#include "image/library_resolver.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <filesystem>
#include <map>
#include <set>

#include "elf/dynamic.h"
#include "elf/elf64.h"

namespace osprey {

namespace {

// What the resolver keeps of each loaded object.
struct LoadedObject {
    std::string path;
    std::vector<std::string> needed;
    std::optional<std::string> rpath;
    std::optional<std::string> runpath;
    std::optional<std::string> soname;
    bool nodeflib = false;
    int loader = -1;  // index of the object that loaded it; -1 for the program
};

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string normal_path(const std::string& path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    return normal;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
}

// Expands the loader's dynamic string tokens in one RPATH/RUNPATH entry.
std::string expand_tokens(std::string entry, const std::string& origin) {
    for (auto [name, value] : {std::pair<std::string, std::string>{"ORIGIN", origin},
                               {"LIB", "lib/x86_64-linux-gnu"},
                               {"PLATFORM", "x86_64"}}) {
        replace_all(entry, "${" + name + "}", value);
        replace_all(entry, "$" + name, value);
    }
    return entry;
}

// A file the loader would accept as a library: a 64-bit x86-64 ELF.
bool loadable_library(std::span<const u8> bytes) {
    auto parsed = elf::ElfFile::parse(bytes);
    return parsed.is_ok();
}

bool describe(const std::string& path, std::span<const u8> bytes, LoadedObject& object, std::string& error) {
    elf::Diagnosis diagnosis;
    auto parsed = elf::ElfFile::parse(bytes, &diagnosis);
    if (parsed.is_error()) {
        error = path + ": " + diagnosis.reason;
        return false;
    }
    object.path = path;
    auto dynamic = elf::DynamicSection::parse(parsed.value());
    if (dynamic.is_error()) {
        if (dynamic.error() == ENOENT) return true;  // static: needs nothing
        error = path + ": malformed dynamic section";
        return false;
    }
    const elf::DynamicSection& section = dynamic.value();
    for (elf::Dyn d : section.entries()) {
        if (d.d_tag != elf::DT_NEEDED) continue;
        auto name = section.string(d.d_val);
        if (!name || name->empty()) {
            error = path + ": malformed DT_NEEDED entry";
            return false;
        }
        object.needed.emplace_back(*name);
    }
    if (auto s = section.find_string(elf::DT_RPATH)) object.rpath = std::string(*s);
    if (auto s = section.find_string(elf::DT_RUNPATH)) object.runpath = std::string(*s);
    if (auto s = section.find_string(elf::DT_SONAME)) object.soname = std::string(*s);
    object.nodeflib = section.value(elf::DT_FLAGS_1) & elf::DF_1_NODEFLIB;
    return true;
}

struct Candidate {
    std::string directory;
    std::string found_by;
};

class Resolver {
public:
    Resolver(LibraryFiles& files, const LibrarySearch& search) : m_files(files), m_search(search) {}

    std::optional<LibraryResolution> run(const std::string& program_path, std::span<const u8> program,
                                         std::string& error) {
        LibraryResolution result;
        LoadedObject root;
        if (!describe(program_path, program, root, error)) return std::nullopt;
        auto parsed = elf::ElfFile::parse(program);
        if (auto interp = parsed.value().interpreter()) {
            result.interpreter = std::string(*interp);
            // The interpreter is loaded first; libc's DT_NEEDED on it (by its soname)
            // finds it already there.
            auto bytes = m_files.read(*result.interpreter);
            if (!bytes) {
                error = program_path + " needs the interpreter " + *result.interpreter + ", which is not on this host";
                return std::nullopt;
            }
            LoadedObject interpreter;
            if (!describe(*result.interpreter, *bytes, interpreter, error)) return std::nullopt;
            m_loaded_names[std::filesystem::path(*result.interpreter).filename().string()] = *result.interpreter;
            if (interpreter.soname) m_loaded_names[*interpreter.soname] = *result.interpreter;
        }
        m_objects.push_back(std::move(root));
        std::deque<int> queue = {0};
        while (!queue.empty()) {
            int index = queue.front();
            queue.pop_front();
            // Copied: m_objects grows below.
            std::vector<std::string> needed = m_objects[index].needed;
            for (const auto& name : needed) {
                if (m_loaded_names.count(name)) continue;
                auto found = find(name, index, error);
                if (!found) return std::nullopt;
                auto& [path, found_by, bytes] = *found;
                m_loaded_names[name] = path;
                if (m_loaded_paths.count(path)) continue;  // the same file under another name
                LoadedObject object;
                if (!describe(path, bytes, object, error)) return std::nullopt;
                object.loader = index;
                if (object.soname) m_loaded_names.emplace(*object.soname, path);
                m_loaded_paths.insert(path);
                result.libraries.push_back({name, path, m_objects[index].path, found_by});
                m_objects.push_back(std::move(object));
                queue.push_back(static_cast<int>(m_objects.size() - 1));
            }
        }
        return result;
    }

private:
    struct Found {
        std::string path;
        std::string found_by;
        std::vector<u8> bytes;
    };

    void add_list(std::vector<Candidate>& out, const std::string& list, const std::string& origin,
                  const std::string& found_by) {
        for (auto& entry : split_search_path(list)) out.push_back({expand_tokens(entry, origin), found_by});
    }

    std::optional<Found> find(const std::string& name, int loader_index, std::string& error) {
        const LoadedObject& loader = m_objects[loader_index];
        std::vector<std::string> searched;
        auto try_path = [&](const std::string& path, const std::string& found_by) -> std::optional<Found> {
            std::string normal = normal_path(path);
            auto bytes = m_files.read(normal);
            if (!bytes || !loadable_library(*bytes)) return std::nullopt;
            return Found{normal, found_by, std::move(*bytes)};
        };
        if (name.find('/') != std::string::npos) {
            if (auto found = try_path(name, "path")) return found;
            error = name + " (needed by " + loader.path + "): no such library";
            return std::nullopt;
        }

        std::vector<Candidate> directories;
        if (!loader.runpath) {
            for (int i = loader_index; i >= 0; i = m_objects[i].loader)
                if (m_objects[i].rpath) add_list(directories, *m_objects[i].rpath, directory_of(m_objects[i].path),
                                                 "RPATH of " + m_objects[i].path);
        }
        for (auto& dir : m_search.library_path) directories.push_back({dir, "LD_LIBRARY_PATH"});
        if (loader.runpath) add_list(directories, *loader.runpath, directory_of(loader.path), "RUNPATH of " + loader.path);
        for (auto& candidate : directories) {
            searched.push_back(candidate.directory + " (" + candidate.found_by + ")");
            if (auto found = try_path(candidate.directory + "/" + name, candidate.found_by)) return found;
        }
        if (!loader.nodeflib) {
            searched.push_back("/etc/ld.so.cache");
            for (auto& entry : m_search.cache)
                if (entry.soname == name)
                    if (auto found = try_path(entry.path, "ld.so.cache")) return found;
            for (auto& dir : m_search.default_directories) {
                searched.push_back(dir);
                if (auto found = try_path(dir + "/" + name, "default")) return found;
            }
        }
        error = "shared library " + name + " (needed by " + loader.path + ") not found; searched:";
        for (auto& place : searched) error += "\n  " + place;
        return std::nullopt;
    }

    LibraryFiles& m_files;
    const LibrarySearch& m_search;
    std::vector<LoadedObject> m_objects;
    std::map<std::string, std::string> m_loaded_names;  // needed name or soname -> path
    std::set<std::string> m_loaded_paths;
};

}  // namespace

std::optional<std::vector<u8>> HostLibraryFiles::read(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return std::nullopt;
    }
    std::vector<u8> bytes(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    close(fd);
    if (done != bytes.size()) return std::nullopt;
    return bytes;
}

std::vector<std::string> split_search_path(const std::string& list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size()) {
        size_t end = list.find(':', start);
        if (end == std::string::npos) end = list.size();
        if (end > start) out.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

std::optional<LibraryResolution> resolve_libraries(const std::string& program_path, std::span<const u8> program,
                                                   LibraryFiles& files, const LibrarySearch& search,
                                                   std::string& error) {
    return Resolver(files, search).run(program_path, program, error);
}

LibrarySearch host_library_search(const std::string& ld_library_path) {
    LibrarySearch search;
    search.library_path = split_search_path(ld_library_path);
    HostLibraryFiles files;
    if (auto bytes = files.read("/etc/ld.so.cache")) {
        std::string ignored;
        if (auto entries = parse_ld_cache(*bytes, ignored)) search.cache = std::move(*entries);
    }
    return search;
}

}  // namespace osprey
