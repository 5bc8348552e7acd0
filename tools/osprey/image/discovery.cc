#include "image/discovery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>

#include "image/host_files.h"
#include "trial/trial_run.h"

namespace osprey {

namespace {

// Points stdout and stderr at /dev/null while it lives, and back afterwards.
class SilencedOutput {
public:
    SilencedOutput() {
        fflush(stdout);
        fflush(stderr);
        int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (null < 0) return;
        for (int fd : {1, 2}) {
            m_saved[fd - 1] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
            if (m_saved[fd - 1] >= 0) dup2(null, fd);
        }
        close(null);
    }
    ~SilencedOutput() {
        for (int fd : {1, 2}) {
            if (m_saved[fd - 1] < 0) continue;
            dup2(m_saved[fd - 1], fd);
            close(m_saved[fd - 1]);
        }
    }
    SilencedOutput(const SilencedOutput&) = delete;
    SilencedOutput& operator=(const SilencedOutput&) = delete;

private:
    int m_saved[2] = {-1, -1};
};

bool below(const std::string& path, const char* directory) {
    std::string prefix = std::string(directory) + "/";
    return path == directory || path.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

bool worth_discovering(const std::string& path) {
    if (path.empty() || path[0] != '/' || path == "/") return false;
    for (const char* scratch : {"/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp"})
        if (below(path, scratch)) return false;
    return true;
}

bool add_discovered_files(ImageTree& tree, const DiscoveryRequest& request, DiscoveryReport& report,
                          std::string& error) {
    TrialRunOptions options;
    options.argv = request.argv;
    options.env = request.env;
    options.seconds = static_cast<int>(std::ceil(request.seconds));
    TrialRunResult result;
    {
        SilencedOutput quiet;
        if (!trial_run(options, result, error)) {
            error = "--discover: " + error;
            return false;
        }
    }
    report.exit_status = result.exit_status;
    report.timed_out = result.timed_out;
    for (auto& path : result.files) {
        if (!worth_discovering(path)) continue;
        auto where = tree.resolve(path);
        if (where && tree.find(*where)) continue;  // the image has it: never replaced
        struct stat st;
        if (stat(path.c_str(), &st) != 0) continue;
        if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) continue;
        // A directory is added by itself (a program that lists it sees what else was
        // found there), not with everything below it.
        std::string why;
        if (!add_host_path_keeping_links(tree, path, why)) continue;  // e.g. a file where the image has a directory
        report.added.push_back(path);
    }
    return true;
}

}  // namespace osprey
