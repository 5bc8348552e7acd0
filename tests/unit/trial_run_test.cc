// The trial run recorder on real host programs (Debian's coreutils and dash): what it
// records, what it leaves out, how it follows child processes and ends at the time limit.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "image/temp_dir.h"
#include "trial/trial_run.h"

namespace {

using osprey::TrialRunOptions;
using osprey::TrialRunResult;

const std::string kGpl2 = "/usr/share/common-licenses/GPL-2";
const std::string kGpl3 = "/usr/share/common-licenses/GPL-3";

// The programs' stdout goes to /dev/null while a run lasts, so the test log stays readable.
class QuietStdout {
public:
    QuietStdout() : m_saved(dup(1)) {
        int null_fd = open("/dev/null", O_WRONLY);
        dup2(null_fd, 1);
        close(null_fd);
    }
    ~QuietStdout() {
        dup2(m_saved, 1);
        close(m_saved);
    }

private:
    int m_saved;
};

TrialRunResult run_ok(TrialRunOptions options) {
    TrialRunResult result;
    std::string error;
    bool started;
    {
        QuietStdout quiet;
        started = osprey::trial_run(options, result, error);
    }
    EXPECT_TRUE(started) << error;
    return result;
}

TrialRunResult run_ok(std::vector<std::string> argv, int seconds = 60) {
    TrialRunOptions options;
    options.argv = std::move(argv);
    options.env = {"PATH=/usr/bin:/bin"};
    options.seconds = seconds;
    return run_ok(options);
}

TrialRunResult run_shell(const std::string& script, int seconds = 60) {
    return run_ok({"/bin/sh", "-c", script}, seconds);
}

bool has(const TrialRunResult& result, const std::string& path) {
    return std::find(result.files.begin(), result.files.end(), path) != result.files.end();
}

bool has_under(const TrialRunResult& result, const std::string& dir) {
    for (auto& f : result.files) {
        if (f == dir || f.starts_with(dir + "/")) return true;
    }
    return false;
}

std::string listing(const TrialRunResult& result) {
    std::string text;
    for (auto& f : result.files) text += "  " + f + "\n";
    return text;
}

osprey::TempDir make_temp_dir() {
    std::string error;
    auto dir = osprey::TempDir::create("osprey-trial-test", error);
    if (!dir) ADD_FAILURE() << error;
    return std::move(*dir);
}

TEST(TrialRun, CatRecordsTheFileItReadsItselfAndLibc) {
    auto result = run_ok({"/bin/cat", kGpl3});
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_FALSE(result.timed_out);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
    EXPECT_TRUE(has(result, "/bin/cat")) << listing(result);
    bool libc = std::any_of(result.files.begin(), result.files.end(),
                            [](const std::string& f) { return f.ends_with("/libc.so.6"); });
    EXPECT_TRUE(libc) << listing(result);
}

TEST(TrialRun, FilesAreAbsoluteNormalSortedAndUnique) {
    auto result = run_shell("/bin/cat /usr/share/../share//common-licenses/./GPL-3 " + kGpl3 + " >/dev/null");
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
    EXPECT_TRUE(std::is_sorted(result.files.begin(), result.files.end()));
    EXPECT_EQ(std::adjacent_find(result.files.begin(), result.files.end()), result.files.end());
    for (auto& f : result.files) {
        EXPECT_EQ(f, std::filesystem::path(f).lexically_normal().string());
        EXPECT_TRUE(f.starts_with("/")) << f;
        EXPECT_EQ(f.find("//"), std::string::npos) << f;
        if (f != "/") {
            EXPECT_FALSE(f.ends_with("/")) << f;
        }
    }
}

TEST(TrialRun, LsRecordsTheDirectoryItLists) {
    auto result = run_ok({"/bin/ls", "/usr/share/common-licenses"});
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(has(result, "/usr/share/common-licenses")) << listing(result);
}

TEST(TrialRun, StatAndAccessAreRecorded) {
    auto result = run_shell("test -e " + kGpl2 + " && /bin/stat " + kGpl3 + " >/dev/null");
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(has(result, kGpl2)) << listing(result);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
}

TEST(TrialRun, FilesTheProgramCreatesAreNotRecorded) {
    auto dir = make_temp_dir();
    {
        std::ofstream(dir.file("existing")) << "before\n";
    }
    auto result = run_shell("echo hi > " + dir.file("new") + " && /bin/cat " + dir.file("new") + " " +
                            dir.file("existing") + " >/dev/null && mkdir " + dir.file("sub") + " && /bin/ls " +
                            dir.file("sub") + " && /bin/touch " + dir.file("touched"));
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(std::filesystem::exists(dir.file("new")));
    EXPECT_TRUE(std::filesystem::exists(dir.file("touched")));
    EXPECT_TRUE(has(result, dir.file("existing"))) << listing(result);
    EXPECT_FALSE(has(result, dir.file("new"))) << listing(result);
    EXPECT_FALSE(has(result, dir.file("sub"))) << listing(result);
    EXPECT_FALSE(has(result, dir.file("touched"))) << listing(result);
}

TEST(TrialRun, FilesGoneAfterTheRunAreNotRecorded) {
    auto dir = make_temp_dir();
    {
        std::ofstream(dir.file("doomed")) << "x\n";
    }
    auto result = run_shell("/bin/cat " + dir.file("doomed") + " >/dev/null && rm " + dir.file("doomed"));
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_FALSE(has(result, dir.file("doomed"))) << listing(result);
}

TEST(TrialRun, RelativePathsResolveAgainstTheCwdAfterChdir) {
    auto result = run_shell("cd /usr/share && /bin/cat ./common-licenses/GPL-3 >/dev/null");
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
    EXPECT_FALSE(has(result, "/common-licenses/GPL-3")) << listing(result);
}

TEST(TrialRun, RelativePathsResolveAgainstTheWorkdir) {
    TrialRunOptions options;
    options.argv = {"/bin/cat", "GPL-2", "../common-licenses/GPL-3"};
    options.workdir = "/usr/share/common-licenses";
    auto result = run_ok(options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(has(result, kGpl2)) << listing(result);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
}

TEST(TrialRun, ChildProcessesAreFollowed) {
    auto result = run_shell("/bin/cat " + kGpl2 + " >/dev/null; /bin/cat " + kGpl3 + " >/dev/null; exit 3");
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_TRUE(has(result, kGpl2)) << listing(result);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
    EXPECT_TRUE(has(result, "/bin/cat")) << listing(result);
}

TEST(TrialRun, BackgroundProcessesAreWaitedFor) {
    auto result = run_shell("(sleep 0.2; /bin/cat " + kGpl3 + " >/dev/null) & exit 0");
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_FALSE(result.timed_out);
    EXPECT_TRUE(has(result, kGpl3)) << listing(result);
}

TEST(TrialRun, TheEnvironmentIsTheOneGiven) {
    TrialRunOptions options;
    options.argv = {"/bin/sh", "-c", "/bin/cat \"$TRIAL_FILE\" >/dev/null"};
    options.env = {"TRIAL_FILE=" + kGpl2};
    auto result = run_ok(options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_TRUE(has(result, kGpl2)) << listing(result);
}

TEST(TrialRun, StdinIsDevNull) {
    auto result = run_ok({"/bin/cat"}, 30);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_status, 0);
}

TEST(TrialRun, ProcSysAndDevAreLeftOut) {
    auto result = run_shell("/bin/cat /proc/self/status /sys/devices/system/cpu/online /dev/null >/dev/null; ls /dev >/dev/null");
    EXPECT_FALSE(has_under(result, "/proc")) << listing(result);
    EXPECT_FALSE(has_under(result, "/sys")) << listing(result);
    EXPECT_FALSE(has_under(result, "/dev")) << listing(result);
}

TEST(TrialRun, ExitStatusPassesThrough) {
    EXPECT_EQ(run_shell("exit 7").exit_status, 7);
    EXPECT_EQ(run_ok({"/bin/false"}).exit_status, 1);
}

TEST(TrialRun, DeathBySignalIsReportedAs128PlusTheSignal) {
    EXPECT_EQ(run_shell("kill -TERM $$").exit_status, 128 + SIGTERM);
}

TEST(TrialRun, SignalsReachTheProgramsHandlers) {
    // Without the signal passed on the shell would not run its trap and sleep to the limit.
    auto result = run_shell("trap 'exit 5' USR1; kill -USR1 $$; sleep 100", 30);
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_status, 5);
}

TEST(TrialRun, SleepIsKilledAtTheTimeLimit) {
    auto start = std::chrono::steady_clock::now();
    auto result = run_ok({"/bin/sleep", "100"}, 1);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_status, -1);
    EXPECT_LT(elapsed, std::chrono::seconds(30));
}

TEST(TrialRun, EveryProcessIsKilledAtTheTimeLimit) {
    auto dir = make_temp_dir();
    auto result = run_shell("sleep 100 & echo $! > " + dir.file("pid") + "; wait", 1);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_status, -1);
    pid_t background = 0;
    std::ifstream(dir.file("pid")) >> background;
    ASSERT_GT(background, 0);
    // Gone, or a zombie left to its new parent to reap.
    std::ifstream stat("/proc/" + std::to_string(background) + "/stat");
    std::string pid, name, state;
    if (stat >> pid >> name >> state) {
        EXPECT_EQ(state, "Z");
    }
}

TEST(TrialRun, MissingProgramIsAnError) {
    TrialRunOptions options;
    options.argv = {"/nonexistent/program"};
    TrialRunResult result;
    std::string error;
    EXPECT_FALSE(osprey::trial_run(options, result, error));
    EXPECT_NE(error.find("/nonexistent/program"), std::string::npos) << error;
}

TEST(TrialRun, MissingWorkdirIsAnError) {
    TrialRunOptions options;
    options.argv = {"/bin/true"};
    options.workdir = "/nonexistent/dir";
    TrialRunResult result;
    std::string error;
    EXPECT_FALSE(osprey::trial_run(options, result, error));
    EXPECT_NE(error.find("/nonexistent/dir"), std::string::npos) << error;
}

}  // namespace
