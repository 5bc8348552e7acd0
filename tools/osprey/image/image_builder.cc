#include "image/image_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "image/discovery.h"
#include "image/etc_files.h"
#include "image/initramfs.h"
#include "image/program_file.h"
#include "image/runtime_image.h"
#include "image/tree_dependencies.h"
#include "protocol/app_config.h"

namespace osprey {

namespace {

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
    for (auto& entry : env)
        if (entry.compare(0, name.size() + 1, name + "=") == 0) return entry.substr(name.size() + 1);
    return "";
}

// Where an --add landed in the image, for the scan of what its files need.
std::string scanned_directory(const AddSpec& add) {
    bool into = add.guest.size() > 1 && add.guest.back() == '/';
    return into ? add.guest.substr(0, add.guest.size() - 1) : add.guest;
}

bool add_workdir(ComposedImage& image, std::string& error) {
    return image.tree.add_directory(image.spec.workdir, 0755, 0, error);
}

bool normalise_workdir(const std::string& asked, std::string& out, std::string& error) {
    auto normal = normal_guest_path(asked);
    if (!normal) {
        error = "--workdir " + asked + ": must be an absolute path in the guest";
        return false;
    }
    out = *normal;
    return true;
}

// Shows "osprey: writing image: N files, X MiB" on a terminal once a write has taken
// more than half a second, at most ten times a second, and clears it at the end.
class ProgressLine {
public:
    ProgressLine() : m_enabled(isatty(2)), m_start(std::chrono::steady_clock::now()) {}
    ~ProgressLine() {
        if (m_shown) fprintf(stderr, "\r\033[K");
    }
    void update(const WriteProgress& progress) {
        if (!m_enabled) return;
        auto now = std::chrono::steady_clock::now();
        if (now - m_start < std::chrono::milliseconds(500) || now - m_last < std::chrono::milliseconds(100)) return;
        m_last = now;
        m_shown = true;
        fprintf(stderr, "\rosprey: writing image: %llu files, %s\033[K", static_cast<unsigned long long>(progress.files),
                human_size(progress.bytes).c_str());
    }

private:
    bool m_enabled;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_start, m_last;
};

// The interpreter of a script's "#!" line, loaded and checked like a program, and the
// argv it starts with: the interpreter as the line names it, the line's argument, the
// script's path (its absolute host path, which is its image path). "#!/usr/bin/env NAME"
// is resolved here, on the host's PATH, to NAME itself: the guest cannot start programs
// (no fork/exec yet), so env could not. Options to env (-S, -i) are refused.
std::optional<ProgramFile> load_script_interpreter(const ProgramFile& script, const std::string& path_variable,
                                                   const std::string& cwd, std::vector<std::string>& argv,
                                                   std::string& error) {
    const Shebang& line = *script.shebang;
    std::string interpreter = line.interpreter;
    std::optional<std::string> argument = line.argument;
    bool via_env = std::filesystem::path(interpreter).filename() == "env";
    if (via_env) {
        if (!argument || (*argument)[0] == '-' || argument->find_first_of(" \t") != std::string::npos) {
            error = script.display_name() + ": #!" + interpreter + (argument ? " " + *argument : "") +
                    ": only '#!" + interpreter + " NAME' is understood (env options need a program that can "
                    "start others); run the interpreter itself: osprey run INTERPRETER " + script.typed;
            return std::nullopt;
        }
        interpreter = *argument;
        argument.reset();
    } else if (interpreter[0] != '/') {
        error = script.display_name() + ": #! names a relative interpreter, " + interpreter;
        return std::nullopt;
    }
    std::string why;
    auto loaded = load_program(interpreter, path_variable, cwd, why);
    if (!loaded) {
        error = script.display_name() + ": its interpreter " + why;
        return std::nullopt;
    }
    if (loaded->shebang) {
        error = script.display_name() + ": its interpreter " + loaded->display_name() + " is itself a script";
        return std::nullopt;
    }
    argv = {via_env ? loaded->host_path : line.interpreter};
    if (argument) argv.push_back(*argument);
    argv.push_back(script.host_path);
    return loaded;
}

}  // namespace

std::string human_size(u64 bytes) {
    char text[32];
    if (bytes >= (u64{1} << 30))
        snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1 << 30));
    else if (bytes >= (u64{1} << 20))
        snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
    else if (bytes >= 1024)
        snprintf(text, sizeof text, "%.1f KiB", static_cast<double>(bytes) / 1024);
    else
        snprintf(text, sizeof text, "%llu B", static_cast<unsigned long long>(bytes));
    return text;
}

std::optional<ComposedImage> compose_image(const ImageRequest& request, const std::string& cwd, std::string& error) {
    ComposedImage image;
    const char* host_path_variable = std::getenv("PATH");
    const std::string path_variable = host_path_variable ? host_path_variable : "/usr/local/bin:/usr/bin:/bin";
    auto program = load_program(request.program, path_variable, cwd, error);
    if (!program) return std::nullopt;
    AppSpec& spec = image.spec;
    spec.env = request.default_env;
    if (!apply_environment_options(spec.env, request.env_options, request.host_getenv, error)) return std::nullopt;
    // A script runs as Linux runs it: its interpreter with the script's path as an argument.
    // "#!/usr/bin/env NAME" looks NAME up on the guest's PATH, as env would there.
    std::optional<ProgramFile> script;
    std::vector<std::string> interpreter_argv;
    if (program->shebang) {
        script = std::move(program);
        program = load_script_interpreter(*script, env_value(spec.env, "PATH"), cwd, interpreter_argv, error);
        if (!program) return std::nullopt;
    }
    spec.exe = program->host_path;
    spec.argv = script ? interpreter_argv : std::vector<std::string>{request.program};
    spec.argv.insert(spec.argv.end(), request.args.begin(), request.args.end());
    if (!normalise_workdir(request.workdir.value_or("/"), spec.workdir, error)) return std::nullopt;

    for (auto& [path, content] : default_etc_files())
        if (!image.tree.add_generated_file(path, content, 0644, error)) return std::nullopt;

    // The program is stored at its host path as typed, with the symlinks on the way kept as
    // symlinks (docs/cli.md): /proc/self/exe then names the file they lead to, as on the
    // host, and so do $ORIGIN and the runtimes that find their home from it (Java).
    if (!add_host_path_keeping_links(image.tree, program->host_path, error)) return std::nullopt;
    image.info.program = program->host_path;
    if (script) {
        if (!add_host_path_keeping_links(image.tree, script->host_path, error)) return std::nullopt;
        image.info.program = script->host_path;
    }

    // The guest's loader searches the guest's LD_LIBRARY_PATH: the one set with -e.
    LibrarySearch search = host_library_search(env_value(spec.env, "LD_LIBRARY_PATH"));
    HostLibraryFiles files;
    // $ORIGIN of the program is the directory of the file its path leads to: glibc takes it
    // from /proc/self/exe.
    std::error_code unresolved;
    std::string real_program = std::filesystem::canonical(program->host_path, unresolved).string();
    if (unresolved) real_program = program->host_path;
    auto resolution = resolve_libraries(real_program, program->bytes, files, search, error);
    if (!resolution) {
        error = program->display_name() + ": " + error;
        return std::nullopt;
    }
    if (resolution->interpreter) {
        image.info.interpreter = resolution->interpreter;
        if (!add_loader_files(image.tree, *resolution->interpreter, error)) return std::nullopt;
    }
    for (auto& library : resolution->libraries) {
        if (!add_host_path_keeping_links(image.tree, library.path, error)) return std::nullopt;
        image.info.libraries.emplace_back(library.name, library.path);
    }
    std::string companion;
    if (!add_libc_companions(image.tree, resolution->libraries, search, companion, error)) return std::nullopt;
    if (!companion.empty()) image.info.libraries.emplace_back("libgcc_s.so.1", companion);
    RuntimeAdditions runtime;
    if (!add_runtime_files(image.tree, program->host_path, runtime, error)) return std::nullopt;
    image.info.runtime = runtime.runtime;
    image.info.runtime_directories = runtime.directories;
    std::vector<std::string> module_directories = runtime.directories;
    DependencyScan added_trees{{}, true, env_value(spec.env, "PATH")};
    for (auto& add : request.add) {
        if (!add_host_tree(image.tree, add, error)) return std::nullopt;
        added_trees.directories.push_back(scanned_directory(add));
    }
    if (request.discover_seconds > 0) {
        DiscoveryRequest trial;
        trial.argv = spec.argv;
        trial.argv[0] = program->host_path;
        trial.env = spec.env;
        trial.seconds = request.discover_seconds;
        DiscoveryReport found;
        if (!add_discovered_files(image.tree, trial, found, error)) return std::nullopt;
        image.info.discovered = found.added;
        module_directories.insert(module_directories.end(), found.added.begin(), found.added.end());
        std::string how = found.timed_out ? "stopped after " + std::to_string(static_cast<int>(trial.seconds + 0.999)) + " s"
                                          : "exit status " + std::to_string(found.exit_status);
        fprintf(stderr, "osprey: --discover: the trial run on the host (%s) added %zu files\n", how.c_str(),
                found.added.size());
    }
    // Extension modules and plugins are dlopened, and the programs in --add trees may be
    // exec'ed: their libraries and interpreters must be there too. Only --add trees are the
    // user's programs: a runtime's library has scripts nobody execs.
    DependencyScan modules{module_directories, false, ""};
    if (!add_tree_dependencies(image.tree, modules, search, runtime.notes, error) ||
        !add_tree_dependencies(image.tree, added_trees, search, runtime.notes, error))
        return std::nullopt;
    for (auto& note : runtime.notes) fprintf(stderr, "osprey: note: %s\n", note.c_str());
    if (!add_workdir(image, error)) return std::nullopt;
    return image;
}

bool apply_run_overrides(ComposedImage& image, const RunOverrides& overrides, std::string& error) {
    AppSpec& spec = image.spec;
    if (!overrides.args.empty()) {
        spec.argv.resize(1);
        spec.argv.insert(spec.argv.end(), overrides.args.begin(), overrides.args.end());
    }
    if (!apply_environment_options(spec.env, overrides.env_options, overrides.host_getenv, error)) return false;
    DependencyScan added_trees{{}, true, env_value(spec.env, "PATH")};
    for (auto& add : overrides.add) {
        if (!add_host_tree(image.tree, add, error)) return false;
        added_trees.directories.push_back(scanned_directory(add));
    }
    if (!added_trees.directories.empty()) {
        // As at build time: programs added now may be exec'ed, and find what they need.
        std::vector<std::string> notes;
        LibrarySearch search = host_library_search(env_value(spec.env, "LD_LIBRARY_PATH"));
        if (!add_tree_dependencies(image.tree, added_trees, search, notes, error)) return false;
        for (auto& note : notes) fprintf(stderr, "osprey: note: %s\n", note.c_str());
    }
    if (overrides.workdir) {
        if (!normalise_workdir(*overrides.workdir, spec.workdir, error)) return false;
        if (!add_workdir(image, error)) return false;
    }
    return true;
}

bool finish_image(ComposedImage& image, std::string& error) {
    return image.tree.add_generated_file(std::string(protocol::kAppConfigPath), encode_app_config(image.spec), 0444,
                                         error) &&
           image.tree.add_generated_file(kImageInfoPath, encode_image_info(image.info), 0444, error);
}

bool write_image_file(const ImageTree& tree, const std::string& path, bool private_file, u64& bytes_written,
                      std::string& error, const std::function<bool()>& stopped) {
    int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, private_file ? 0600 : 0644);
    if (fd < 0) {
        error = "cannot create " + path + ": " + strerror(errno);
        return false;
    }
    FdSink sink(fd);
    ProgressLine progress;
    u64 written = 0;
    struct CountingSink final : cpio::ByteSink {
        FdSink& inner;
        u64& count;
        const std::function<bool()>& stopped;
        bool interrupted = false;
        CountingSink(FdSink& i, u64& c, const std::function<bool()>& s) : inner(i), count(c), stopped(s) {}
        // In pieces of at most 4 MiB, so a Ctrl-C stops even the write of a large file soon.
        bool write(std::span<const u8> bytes) override {
            constexpr size_t kPiece = 4 << 20;
            do {
                if (stopped && stopped()) {
                    interrupted = true;
                    return false;
                }
                auto piece = bytes.first(std::min(bytes.size(), kPiece));
                if (!inner.write(piece)) return false;
                count += piece.size();
                bytes = bytes.subspan(piece.size());
            } while (!bytes.empty());
            return true;
        }
    } counting(sink, written, stopped);
    bool ok = tree.write(counting, [&](const WriteProgress& p) { progress.update(p); }, error);
    if (counting.interrupted) error = "writing " + path + " was interrupted";
    if (ok && !sink.flush()) {
        error = "cannot write " + path + ": " + strerror(errno);
        ok = false;
    }
    if (close(fd) != 0 && ok) {
        error = "cannot write " + path + ": " + strerror(errno);
        ok = false;
    }
    bytes_written = written;
    if (!ok) unlink(path.c_str());
    return ok;
}

}  // namespace osprey
