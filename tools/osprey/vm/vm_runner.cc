#include "vm/vm_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "vm/stdin_forwarder.h"

extern char** environ;

namespace osprey {

namespace {

constexpr size_t kKeptLogLimit = 1 << 20;

// Signals that stop the run are turned into a byte on this pipe, so the event loop sees
// them in poll() like any other input.
int g_signal_pipe[2] = {-1, -1};

void on_stop_signal(int signal) {
    unsigned char byte = static_cast<unsigned char>(signal);
    int saved = errno;
    (void)!write(g_signal_pipe[1], &byte, 1);
    errno = saved;
}

class SignalRedirect {
public:
    SignalRedirect() {
        if (pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) g_signal_pipe[0] = g_signal_pipe[1] = -1;
        struct sigaction action {};
        action.sa_handler = on_stop_signal;
        sigemptyset(&action.sa_mask);
        for (int i = 0; i < kCount; i++) sigaction(kSignals[i], &action, &m_saved[i]);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &ignore, &m_saved_pipe);
    }
    ~SignalRedirect() {
        for (int i = 0; i < kCount; i++) sigaction(kSignals[i], &m_saved[i], nullptr);
        sigaction(SIGPIPE, &m_saved_pipe, nullptr);
        for (int& fd : g_signal_pipe)
            if (fd >= 0) close(fd), fd = -1;
    }

private:
    // SIGQUIT (Ctrl-\\) does not stop the run: it asks the guest for its state dump.
    static constexpr int kCount = 4;
    static constexpr int kSignals[kCount] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction m_saved[kCount];
    struct sigaction m_saved_pipe;
};

struct Pipe {
    int read_end = -1;
    int write_end = -1;
    bool open() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return false;
        read_end = fds[0];
        write_end = fds[1];
        return true;
    }
    // A connected socket pair instead, for a channel that goes both ways: `read_end` is
    // osprey's side (non-blocking, it also writes there), `write_end` QEMU's.
    bool open_two_way() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return false;
        read_end = fds[0];
        write_end = fds[1];
        return fcntl(read_end, F_SETFL, O_NONBLOCK) == 0;
    }
    void close_write() {
        if (write_end >= 0) ::close(write_end), write_end = -1;
    }
    void close_read() {
        if (read_end >= 0) ::close(read_end), read_end = -1;
    }
    ~Pipe() {
        close_write();
        close_read();
    }
};

// Writes everything, retrying short writes; gives up quietly if the reader is gone.
void write_all(int fd, const char* data, size_t size) {
    while (size) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        data += n;
        size -= static_cast<size_t>(n);
    }
}

void append_capped(std::string& kept, const char* data, size_t size) {
    kept.append(data, size);
    if (kept.size() > kKeptLogLimit) kept.erase(0, kept.size() - kKeptLogLimit);
}

// Stops QEMU: SIGTERM, a moment to exit, then SIGKILL. Always reaps it.
int stop_and_reap(pid_t pid) {
    kill(pid, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) return status;
        usleep(20000);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

}  // namespace

RunOutcome run_vm(const VmConfig& config, const RunOptions& options) {
    RunOutcome outcome;
    SignalRedirect signals;

    // The guest channels arrive through pipes that QEMU opens as /dev/fd/N.
    enum { kLog, kControl, kStdout, kStderr, kQemuStderr, kChannelCount };
    // Poll entries for standard input (the channels use 0..kChannelCount-1, signals -1).
    constexpr int kStdinSource = -2, kStdinSink = -3;
    Pipe pipes[kChannelCount];
    for (int c = 0; c < kChannelCount; c++) {
        // Standard input travels on the control channel, which then goes both ways.
        bool two_way = c == kControl && options.forward_stdin;
        if (!(two_way ? pipes[c].open_two_way() : pipes[c].open())) {
            outcome.kind = RunOutcome::Kind::LaunchFailed;
            outcome.launch_error = std::string("cannot create pipes: ") + strerror(errno);
            return outcome;
        }
    }
    // QEMU's monitor, to ask for the kernel's state when the run times out.
    Pipe monitor;
    bool have_monitor = monitor.open_two_way();
    // Fixed descriptor numbers in the child, above anything QEMU opens early.
    constexpr int kChildFd[] = {100, 101, 102, 103};
    constexpr int kChildMonitorFd = 104;
    auto fd_path = [&](int channel) { return "/dev/fd/" + std::to_string(kChildFd[channel]); };
    ChannelPaths paths{fd_path(kLog), fd_path(kControl), fd_path(kStdout), fd_path(kStderr), std::nullopt, std::nullopt, std::nullopt};
    if (options.forward_stdin) paths.control_socket_fd = kChildFd[kControl];
    if (have_monitor) paths.monitor_socket_fd = kChildMonitorFd;
    std::vector<std::string> args = qemu_arguments(config, paths);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipes[kQemuStderr].write_end, 1);
    posix_spawn_file_actions_adddup2(&actions, pipes[kQemuStderr].write_end, 2);
    for (int c = kLog; c <= kStderr; c++) posix_spawn_file_actions_adddup2(&actions, pipes[c].write_end, kChildFd[c]);
    if (have_monitor) posix_spawn_file_actions_adddup2(&actions, monitor.write_end, kChildMonitorFd);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    // Its own process group: a Ctrl-C at the terminal reaches osprey, which stops QEMU
    // in order, instead of reaching QEMU behind osprey's back.
    posix_spawnattr_setpgroup(&attributes, 0);
    sigset_t default_signals;
    sigemptyset(&default_signals);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT}) sigaddset(&default_signals, s);
    posix_spawnattr_setsigdefault(&attributes, &default_signals);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF);

    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    int spawn_error = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (spawn_error) {
        outcome.kind = RunOutcome::Kind::LaunchFailed;
        outcome.launch_error = spawn_error == ENOENT
                                   ? config.qemu_binary + " is not installed; install it with: sudo apt-get install qemu-system-x86"
                                   : "cannot start " + config.qemu_binary + ": " + strerror(spawn_error);
        return outcome;
    }
    outcome.spawned = std::chrono::steady_clock::now();
    for (auto& p : pipes) p.close_write();
    monitor.close_write();
    // Frames go into osprey's end of the control socket; it is never shut down, because
    // QEMU's socket backend drops the whole channel (the exit record with it) on EOF.
    std::optional<StdinForwarder> stdin_forwarder;
    if (options.forward_stdin) stdin_forwarder.emplace(STDIN_FILENO, pipes[kControl].read_end);

    std::string control;
    bool timed = options.timeout_seconds.has_value();
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>(options.timeout_seconds.value_or(0)));
    bool exited = false;
    int status = 0;
    int open_channels = kChannelCount;
    // The kernel's state dump (an NMI makes every CPU say what it runs and where each
    // thread stopped), asked for through QEMU's monitor: once the time is up, when the run
    // ends as the dump completes (or after a grace period if the guest does not answer);
    // and on SIGQUIT, when it goes to standard error as it arrives and the run goes on.
    constexpr std::string_view kDumpEnd = "--- end of state dump ---";
    constexpr auto kDumpGrace = std::chrono::seconds(3);
    bool dump_asked = false, dump_done = false, dump_echoed = false, timeout_dump_asked = false;
    std::string dump_tail;  // the kernel log's last bytes while a dump is awaited
    auto ask_for_dump = [&](bool echo) {
        static constexpr char kAsk[] = "nmi\n";
        write_all(monitor.read_end, kAsk, sizeof kAsk - 1);
        dump_asked = true;
        dump_done = false;
        dump_echoed = echo;
        dump_tail.clear();
    };
    char buffer[65536];

    // Runs until QEMU has exited and every channel has reached end-of-file (so the last
    // bytes the guest sent are never lost), or until a timeout or signal stops it.
    while (!exited || open_channels > 0) {
        std::vector<pollfd> fds;
        std::vector<int> which;
        for (int c = 0; c < kChannelCount; c++) {
            if (pipes[c].read_end < 0) continue;
            fds.push_back({pipes[c].read_end, POLLIN, 0});
            which.push_back(c);
        }
        if (g_signal_pipe[0] >= 0) {
            fds.push_back({g_signal_pipe[0], POLLIN, 0});
            which.push_back(-1);
        }
        // Standard input only while QEMU runs (after that nobody will read it), and only
        // once the guest said its receiver is ready: bytes sent before the kernel set up
        // the UART would be lost (enabling the FIFO clears it).
        bool guest_ready = control.find(protocol::kGuestReadyLine) != std::string::npos;
        if (stdin_forwarder && guest_ready && !exited && pipes[kControl].read_end >= 0 && !stdin_forwarder->finished()) {
            if (int source = stdin_forwarder->source_to_poll(); source >= 0) {
                fds.push_back({source, POLLIN, 0});
                which.push_back(kStdinSource);
            }
            if (stdin_forwarder->wants_to_write()) {
                fds.push_back({pipes[kControl].read_end, POLLOUT, 0});
                which.push_back(kStdinSink);
            }
        }
        int wait_ms = 50;  // also the pace at which QEMU's exit is noticed
        if (timed) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
            if (left <= 0 && !timeout_dump_asked && have_monitor && !exited) {
                ask_for_dump(false);
                timeout_dump_asked = true;
                deadline = std::chrono::steady_clock::now() + kDumpGrace;
                left = std::chrono::duration_cast<std::chrono::milliseconds>(kDumpGrace).count();
            }
            if (left <= 0 || (timeout_dump_asked && dump_done)) {
                status = stop_and_reap(pid);
                outcome.kind = RunOutcome::Kind::TimedOut;
                return outcome;
            }
            if (left < wait_ms) wait_ms = static_cast<int>(left);
        }
        int ready = poll(fds.data(), fds.size(), wait_ms);
        if (ready < 0 && errno != EINTR) break;
        for (size_t i = 0; ready > 0 && i < fds.size(); i++) {
            int c = which[i];
            if (c == kStdinSource || c == kStdinSink) {
                if (!fds[i].revents || !stdin_forwarder) continue;
                if (c == kStdinSource)
                    stdin_forwarder->on_source_ready();
                else
                    stdin_forwarder->on_sink_ready();
                continue;
            }
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (c < 0) {
                unsigned char sig = 0;
                if (read(g_signal_pipe[0], &sig, 1) == 1 && sig == SIGQUIT) {
                    if (have_monitor && !exited) {
                        fprintf(stderr, "osprey: asking the guest for its state (SIGQUIT)\n");
                        ask_for_dump(!options.verbose && !options.kernel_log_to_stdout);
                    }
                    continue;
                }
                if (sig) {
                    outcome.kind = RunOutcome::Kind::Interrupted;
                    outcome.interrupt_signal = sig;
                    if (!exited) stop_and_reap(pid);
                    return outcome;
                }
                continue;
            }
            ssize_t n = read(pipes[c].read_end, buffer, sizeof buffer);
            if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
            if (n <= 0) {
                if (c == kControl) stdin_forwarder.reset();  // its descriptor is going away
                pipes[c].close_read();
                open_channels--;
                continue;
            }
            if ((c == kStdout || c == kStderr) && !outcome.first_output) outcome.first_output = std::chrono::steady_clock::now();
            switch (c) {
                case kStdout: write_all(STDOUT_FILENO, buffer, n); break;
                case kStderr: write_all(STDERR_FILENO, buffer, n); break;
                case kControl: control.append(buffer, n); break;
                case kQemuStderr: outcome.qemu_stderr.append(buffer, n); break;
                case kLog:
                    if (options.kernel_log_to_stdout)
                        write_all(STDOUT_FILENO, buffer, n);
                    else if (options.verbose)
                        write_all(STDERR_FILENO, buffer, n);
                    append_capped(outcome.kernel_log, buffer, n);
                    if (dump_asked && !dump_done) {
                        if (dump_echoed) write_all(STDERR_FILENO, buffer, n);
                        dump_tail.append(buffer, n);
                        dump_done = dump_tail.find(kDumpEnd) != std::string::npos;
                        if (dump_tail.size() > kDumpEnd.size()) dump_tail.erase(0, dump_tail.size() - kDumpEnd.size());
                    }
                    break;
            }
        }
        if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = true;
        // Every channel closed: QEMU is on its way out. Wait for it here rather than poll
        // again, which would sleep out the 50 ms with nothing left to wake it.
        if (!exited && open_channels == 0 && waitpid(pid, &status, 0) == pid) exited = true;
    }
    if (!exited) status = stop_and_reap(pid);
    outcome.exited = std::chrono::steady_clock::now();

    if (WIFEXITED(status)) outcome.qemu_status = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) outcome.qemu_signal = WTERMSIG(status);
    outcome.record = protocol::find_exit_record(control);
    outcome.startup = protocol::find_startup_timeline(control);
    outcome.kind = outcome.record ? RunOutcome::Kind::Exited : RunOutcome::Kind::NoRecord;
    return outcome;
}

int report_outcome(const RunOutcome& outcome, const RunOptions& options) {
    auto show_kernel_log = [&] {
        if (options.verbose || options.kernel_log_to_stdout || outcome.kernel_log.empty()) return;
        fprintf(stderr, "osprey: kernel log:\n%s", outcome.kernel_log.c_str());
        if (outcome.kernel_log.back() != '\n') fputc('\n', stderr);
    };
    auto show_qemu_stderr = [&] {
        if (!outcome.qemu_stderr.empty()) fprintf(stderr, "osprey: QEMU said:\n%s", outcome.qemu_stderr.c_str());
    };
    switch (outcome.kind) {
        case RunOutcome::Kind::Exited:
            if (outcome.record->reason == protocol::ExitReason::Panic) {
                show_kernel_log();
                fprintf(stderr, "osprey: the kernel panicked (see the kernel log above)\n");
            }
            if (outcome.record->reason == protocol::ExitReason::Hang) {
                show_kernel_log();
                fprintf(stderr, "osprey: kernel hang: the kernel's watchdog stopped the VM (see the kernel log above)\n");
            }
            return protocol::host_exit_status(*outcome.record);
        case RunOutcome::Kind::NoRecord:
            show_kernel_log();
            show_qemu_stderr();
            if (outcome.qemu_signal)
                fprintf(stderr, "osprey: QEMU was killed by signal %d before the guest sent an exit status\n",
                        outcome.qemu_signal);
            else if (outcome.qemu_status == 0)
                // -no-reboot turns a guest reset into QEMU's normal exit, and the kernel
                // writes its record before every power-off and panic it can reach.
                fprintf(stderr,
                        "osprey: the VM ended without an exit record (QEMU exited with status 0): the guest CPU "
                        "reset, most likely a triple fault the kernel could not report\n");
            else
                fprintf(stderr, "osprey: the VM ended without an exit record (QEMU exited with status %d)\n",
                        outcome.qemu_status);
            return protocol::kOspreyFailureStatus;
        case RunOutcome::Kind::TimedOut:
            show_kernel_log();
            fprintf(stderr, "osprey: timed out after %g s; the VM was stopped\n", *options.timeout_seconds);
            return protocol::kTimeoutStatus;
        case RunOutcome::Kind::Interrupted:
            fprintf(stderr, "osprey: stopped by signal %d (%s); the VM was stopped\n", outcome.interrupt_signal,
                    strsignal(outcome.interrupt_signal));
            return 128 + outcome.interrupt_signal;
        case RunOutcome::Kind::LaunchFailed:
            fprintf(stderr, "osprey: %s\n", outcome.launch_error.c_str());
            return protocol::kOspreyFailureStatus;
    }
    return protocol::kOspreyFailureStatus;
}

}  // namespace osprey
