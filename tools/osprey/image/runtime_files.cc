#include "image/runtime_files.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <regex>

namespace osprey {

namespace {

// How long an interpreter may take to print its search path: a cold start of a large one
// from a slow disk, with room to spare.
constexpr auto kQueryLimit = std::chrono::seconds(10);

// Runs `argv` with a minimal environment, stdin and stderr on /dev/null, and returns what
// it printed on stdout when it exited 0 within the limit.
std::optional<std::string> output_of(const std::vector<std::string>& argv) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return std::nullopt;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    // Nothing from the user's environment (PYTHONPATH, PERL5LIB, LUA_PATH) leaks in: the
    // guest gets its environment from the image, not from here.
    char path[] = "PATH=/usr/local/bin:/usr/bin:/bin";
    char locale[] = "LC_ALL=C";
    char* env[] = {path, locale, nullptr};
    pid_t pid;
    int spawned = posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, args.data(), env);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawned != 0) {
        close(pipe_fds[0]);
        return std::nullopt;
    }
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + kQueryLimit;
    bool timed_out = false;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd readable{pipe_fds[0], POLLIN, 0};
        int ready = poll(&readable, 1, static_cast<int>(left.count()));
        if (ready < 0 && errno == EINTR) continue;
        if (ready <= 0) {
            timed_out = ready == 0;
            break;
        }
        char buffer[4096];
        ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buffer, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
    if (timed_out) kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
    return out;
}

std::vector<std::string> split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= text.size()) {
        size_t end = text.find(separator, start);
        if (end == std::string::npos) end = text.size();
        if (end > start) parts.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

bool is_directory(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Absolute, existing directories from `candidates`, lexically normal, each once, in order;
// one inside another already listed is dropped (its files come with the outer one).
std::vector<std::string> existing_directories(const std::vector<std::string>& candidates) {
    std::vector<std::string> kept;
    for (auto& candidate : candidates) {
        if (candidate.empty() || candidate[0] != '/') continue;
        std::string normal = std::filesystem::path(candidate).lexically_normal().string();
        while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
        if (!is_directory(normal)) continue;
        kept.push_back(normal);
    }
    std::vector<std::string> outermost;
    for (auto& dir : kept) {
        bool inside = std::any_of(kept.begin(), kept.end(), [&](const std::string& other) {
            return other != dir && dir.size() > other.size() && dir.compare(0, other.size(), other) == 0 &&
                   (other == "/" || dir[other.size()] == '/');
        });
        if (!inside && std::find(outermost.begin(), outermost.end(), dir) == outermost.end()) outermost.push_back(dir);
    }
    return outermost;
}

}  // namespace

bool RuntimeFiles::skips(const std::string& directory_name) const {
    return std::any_of(skipped_directories.begin(), skipped_directories.end(), [&](const std::string& pattern) {
        if (!pattern.empty() && pattern.back() == '*')
            return directory_name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
        return directory_name == pattern;
    });
}

std::string runtime_for_name(const std::string& file_name) {
    static const std::regex python(R"(python[0-9]*(\.[0-9]+)*)");
    static const std::regex perl(R"(perl([0-9]+(\.[0-9]+)*)?)");
    static const std::regex lua(R"(lua[0-9]*(\.[0-9]+)*)");
    if (std::regex_match(file_name, python)) return "python";
    if (std::regex_match(file_name, perl)) return "perl";
    if (std::regex_match(file_name, lua)) return "lua";
    if (file_name == "java") return "java";
    return "";
}

std::vector<std::string> lua_template_directories(const std::string& templates) {
    std::vector<std::string> directories;
    for (auto& entry : split(templates, ';')) {
        if (entry[0] != '/') continue;  // "./?.lua": relative to the guest's working directory
        size_t mark = entry.find('?');
        std::string directory = mark == std::string::npos ? entry.substr(0, entry.rfind('/'))
                                                           : entry.substr(0, entry.rfind('/', mark));
        if (directory.empty()) directory = "/";
        if (std::find(directories.begin(), directories.end(), directory) == directories.end())
            directories.push_back(directory);
    }
    return directories;
}

std::optional<RuntimeFiles> recognise_runtime(const std::string& program, std::string& note) {
    std::string runtime = runtime_for_name(std::filesystem::path(program).filename().string());
    if (runtime.empty()) {
        std::error_code failed;
        auto real = std::filesystem::canonical(program, failed);
        if (!failed) runtime = runtime_for_name(real.filename().string());
    }
    if (runtime.empty()) return std::nullopt;

    RuntimeFiles files;
    files.runtime = runtime;
    if (runtime == "java") {
        // A JDK or JRE is one directory, JAVA_HOME, the parent of the launcher's bin/ (where
        // the launcher itself looks, through /proc/self/exe); its class library is
        // lib/modules. Nothing to ask.
        std::error_code failed;
        auto home = std::filesystem::canonical(program, failed).parent_path().parent_path();
        if (failed || !std::filesystem::exists(home / "lib" / "modules", failed)) {
            note = program + " looks like java but no lib/modules is beside its bin/; add its JAVA_HOME with --add";
            return std::nullopt;
        }
        files.directories = {home.string()};
        // What only developers and packagers use: jmods (jlink's input), headers, licences, manuals.
        files.skipped_directories = {"jmods", "include", "legal", "man", "demo", "sample"};
        return files;
    }
    std::optional<std::string> answer;
    std::vector<std::string> candidates;
    if (runtime == "python") {
        // -I: no user site, no PYTHON* variables; -S: no site directories (what pip or apt
        // installed there is for --add or --discover: it can be large).
        answer = output_of({program, "-I", "-S", "-c", "import sys; print('\\n'.join(sys.path))"});
        if (answer) candidates = split(*answer, '\n');
        // config-3.11-x86_64-linux-gnu holds libpython.a for embedding: half the stdlib's size.
        files.skipped_directories = {"test", "idlelib", "turtledemo", "tkinter", "config-*"};
    } else if (runtime == "perl") {
        answer = output_of({program, "-e", "print join(\"\\n\", @INC)"});
        if (answer) candidates = split(*answer, '\n');
    } else {
        answer = output_of({program, "-e", "print(package.path) print(package.cpath)"});
        if (answer)
            for (auto& line : split(*answer, '\n'))
                for (auto& dir : lua_template_directories(line)) candidates.push_back(dir);
    }
    if (!answer) {
        note = program + " looks like " + runtime + " but did not say where its modules are; add them with --add "
               "or record them with --discover";
        return std::nullopt;
    }
    files.directories = existing_directories(candidates);
    return files;
}

}  // namespace osprey
