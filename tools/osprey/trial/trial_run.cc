#include "trial/trial_run.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <unordered_map>

#include "base/types.h"

#if !defined(__x86_64__)
#error "the trial run reads x86-64 system calls"
#endif

namespace osprey {

namespace {

constexpr long kPageSize = 4096;

// What a traced call means for the record.
enum class CallKind {
    Use,     // the path is recorded when the call succeeds
    Create,  // may create the path: recorded as created when it did not exist before
};

struct PathCall {
    CallKind kind = CallKind::Use;
    int dirfd = AT_FDCWD;
    u64 path_address = 0;
    bool path_in_root = false;  // openat2 RESOLVE_IN_ROOT: "/" is the directory fd
};

// A call whose path the thread asked for, waiting for the call's result.
struct PendingCall {
    CallKind kind = CallKind::Use;
    std::string path;  // absolute, lexically normal
    bool existed = false;
};

struct ThreadState {
    std::optional<PendingCall> pending;
};

std::string lexically_normal(const std::string& path) {
    std::string normal = std::filesystem::path(path).lexically_normal().string();
    // lexically_normal keeps a trailing separator ("/usr/" for "/usr/."), and leaves a
    // leading "//" (an implementation-defined root on POSIX; Linux treats it as "/").
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    while (normal.size() > 1 && normal[0] == '/' && normal[1] == '/') normal.erase(0, 1);
    return normal;
}

std::optional<std::string> read_link(const std::string& path) {
    char buffer[PATH_MAX];
    ssize_t n = readlink(path.c_str(), buffer, sizeof buffer);
    if (n <= 0 || n == static_cast<ssize_t>(sizeof buffer)) return std::nullopt;
    return std::string(buffer, static_cast<size_t>(n));
}

bool exists_on_host(const std::string& path) {
    struct stat st;
    return lstat(path.c_str(), &st) == 0;
}

// Reads the tracee's memory: process_vm_readv, or word by word with PTRACE_PEEKDATA when
// that is not allowed. The range must not cross a page boundary (a string may end just
// before an unmapped page).
bool read_tracee(pid_t tid, u64 address, void* out, size_t length) {
    iovec local{out, length};
    iovec remote{reinterpret_cast<void*>(address), length};
    if (process_vm_readv(tid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(length)) return true;

    auto* bytes = static_cast<unsigned char*>(out);
    u64 word_address = address & ~u64{7};
    for (size_t done = 0; done < length;) {
        errno = 0;
        long word = ptrace(PTRACE_PEEKDATA, tid, reinterpret_cast<void*>(word_address), nullptr);
        if (errno != 0) return false;
        size_t skip = address + done - word_address;
        size_t take = std::min(sizeof word - skip, length - done);
        std::memcpy(bytes + done, reinterpret_cast<unsigned char*>(&word) + skip, take);
        done += take;
        word_address += sizeof word;
    }
    return true;
}

// A NUL-terminated string of at most PATH_MAX bytes, read a page at a time.
std::optional<std::string> read_tracee_string(pid_t tid, u64 address) {
    std::string text;
    char chunk[kPageSize];
    while (text.size() < PATH_MAX) {
        size_t length = kPageSize - (address % kPageSize);
        if (!read_tracee(tid, address, chunk, length)) return std::nullopt;
        const char* end = static_cast<const char*>(std::memchr(chunk, '\0', length));
        if (end) return text.append(chunk, static_cast<size_t>(end - chunk));
        text.append(chunk, length);
        address += length;
    }
    return std::nullopt;
}

bool opens_to_write_or_create(u64 flags) {
    if (flags & O_CREAT) return true;
    return (flags & O_ACCMODE) != O_RDONLY && (flags & O_TRUNC);
}

// The traced calls; nullopt for any other call and for opens that create or truncate
// without the O_CREAT check. `args` are the raw x86-64 arguments.
std::optional<PathCall> describe_call(pid_t tid, u64 nr, const u64* args) {
    auto use = [](int dirfd, u64 path) { return PathCall{CallKind::Use, dirfd, path}; };
    auto create = [](int dirfd, u64 path) { return PathCall{CallKind::Create, dirfd, path}; };
    auto open_call = [&](int dirfd, u64 path, u64 flags) -> std::optional<PathCall> {
        if (flags & O_CREAT) return create(dirfd, path);
        if (opens_to_write_or_create(flags)) return std::nullopt;
        return use(dirfd, path);
    };
    int dirfd = static_cast<int>(args[0]);
    switch (nr) {
    case SYS_open: return open_call(AT_FDCWD, args[0], args[1]);
    case SYS_openat: return open_call(dirfd, args[1], args[2]);
    case SYS_openat2: {
        open_how how{};
        if (args[3] < sizeof how || !read_tracee(tid, args[2], &how, sizeof how)) return std::nullopt;
        auto call = open_call(dirfd, args[1], how.flags);
        if (call) call->path_in_root = how.resolve & RESOLVE_IN_ROOT;
        return call;
    }
    case SYS_creat: return create(AT_FDCWD, args[0]);
    case SYS_mkdir: return create(AT_FDCWD, args[0]);
    case SYS_mkdirat: return create(dirfd, args[1]);
    case SYS_execve:
    case SYS_stat:
    case SYS_lstat:
    case SYS_access:
    case SYS_readlink:
    case SYS_chdir: return use(AT_FDCWD, args[0]);
    case SYS_execveat:
    case SYS_newfstatat:
    case SYS_statx:
    case SYS_faccessat:
    case SYS_faccessat2:
    case SYS_readlinkat: return use(dirfd, args[1]);
    default: return std::nullopt;
    }
}

// The files the kernel mapped itself at exec: the program and its interpreter.
std::vector<std::string> mapped_files(pid_t pid) {
    std::vector<std::string> files;
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    std::string line;
    while (std::getline(maps, line)) {
        auto slash = line.find('/');
        if (slash == std::string::npos) continue;
        std::string path = line.substr(slash);
        if (path.ends_with(" (deleted)")) continue;
        files.push_back(path);
    }
    return files;
}

enum class StartStep : int { Trace = 1, Chdir = 2, Exec = 3 };

struct StartFailure {
    StartStep step;
    int error;
};

[[noreturn]] void fail_in_child(int report_fd, StartStep step) {
    StartFailure failure{step, errno};
    ssize_t ignored = write(report_fd, &failure, sizeof failure);
    (void)ignored;
    _exit(127);
}

// Why the child could not start, as it reported on the pipe; nullopt when it did not.
std::optional<std::string> start_failure(int report_fd, const TrialRunOptions& options) {
    StartFailure failure;
    if (read(report_fd, &failure, sizeof failure) != sizeof failure) return std::nullopt;
    switch (failure.step) {
    case StartStep::Trace: return std::string("cannot trace the program (ptrace refused): ") + strerror(failure.error);
    case StartStep::Chdir: return "cannot change to " + options.workdir + ": " + strerror(failure.error);
    case StartStep::Exec: return "cannot run " + options.argv[0] + ": " + strerror(failure.error);
    }
    return std::nullopt;
}

// Follows every thread of the program from its first stop to its end. Runs on the thread
// that forked it: only that thread may use ptrace on it and wait for it.
//
// Locking: m_lock guards m_pidfds and m_finished, shared with the watchdog thread that
// kills the program at the time limit. m_time_up is set by the watchdog before it takes
// the lock, and read by the tracer after it has added a process to m_pidfds, so that a
// process is killed either by the watchdog (it is in m_pidfds) or by the tracer.
class Tracer {
public:
    Tracer(pid_t root, int seconds) : m_root(root), m_seconds(seconds) { m_threads[root]; }
    ~Tracer() {
        for (auto& [pid, fd] : m_pidfds) close(fd);
    }

    void run(TrialRunResult& result) {
        add_process(m_root);
        std::thread watchdog([this] { watch(); });
        resume(m_root, 0);
        loop();
        {
            std::lock_guard guard(m_lock);
            m_finished = true;
        }
        m_wake.notify_all();
        watchdog.join();

        result.exit_status = m_root_status;
        result.timed_out = m_time_up;  // the watchdog fires only while some tracee lives
        result.files.clear();
        for (auto& path : m_used) {
            if (m_created.contains(path) || is_under_virtual_fs(path) || !exists_on_host(path)) continue;
            result.files.push_back(path);  // m_used is sorted
        }
    }

private:
    static bool is_under_virtual_fs(const std::string& path) {
        for (const char* top : {"/proc", "/sys", "/dev"}) {
            if (path == top || path.starts_with(std::string(top) + "/")) return true;
        }
        return false;
    }

    void watch() {
        std::unique_lock lock(m_lock);
        if (m_seconds <= 0) {
            m_wake.wait(lock, [this] { return m_finished; });
            return;
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(m_seconds);
        if (m_wake.wait_until(lock, deadline, [this] { return m_finished; })) return;
        lock.unlock();
        m_time_up = true;
        lock.lock();
        for (auto& [pid, fd] : m_pidfds) syscall(SYS_pidfd_send_signal, fd, SIGKILL, nullptr, 0);
    }

    // A pidfd for each process (thread group leader) so the watchdog can kill it without
    // the risk of killing a reused pid. For other threads pidfd_open fails; their process
    // has one.
    void add_process(pid_t tid) {
        int fd = static_cast<int>(syscall(SYS_pidfd_open, tid, 0));
        if (fd < 0) return;
        std::lock_guard guard(m_lock);
        m_pidfds[tid] = fd;
    }

    void remove_process(pid_t tid) {
        std::lock_guard guard(m_lock);
        auto it = m_pidfds.find(tid);
        if (it == m_pidfds.end()) return;
        close(it->second);
        m_pidfds.erase(it);
    }

    void resume(pid_t tid, int signal) {
        // Fails with ESRCH when the tracee was killed meanwhile; its end is reported next.
        ptrace(PTRACE_SYSCALL, tid, nullptr, reinterpret_cast<void*>(static_cast<long>(signal)));
    }

    void loop() {
        for (;;) {
            int status;
            pid_t tid = waitpid(-1, &status, __WALL);
            if (tid < 0) {
                if (errno == EINTR) continue;
                return;  // ECHILD: every tracee has ended
            }
            if (WIFEXITED(status) || WIFSIGNALED(status)) {
                ended(tid, status);
            } else if (WIFSTOPPED(status)) {
                stopped(tid, status);
            }
        }
    }

    void ended(pid_t tid, int status) {
        m_threads.erase(tid);
        remove_process(tid);
        if (tid != m_root) return;
        if (WIFEXITED(status)) {
            m_root_status = WEXITSTATUS(status);
        } else if (m_time_up && WTERMSIG(status) == SIGKILL) {
            m_root_status = -1;
        } else {
            m_root_status = 128 + WTERMSIG(status);
        }
    }

    void stopped(pid_t tid, int status) {
        auto [thread, first_stop] = m_threads.try_emplace(tid);
        if (first_stop) add_process(tid);
        if (m_time_up) {
            // Whatever it was doing, it does no more: SIGKILL ends a stopped tracee too.
            kill(tid, SIGKILL);
            return;
        }

        int signal = WSTOPSIG(status);
        unsigned event = static_cast<unsigned>(status) >> 16;
        if (signal == (SIGTRAP | 0x80)) {
            syscall_stop(tid, thread->second);
            resume(tid, 0);
        } else if (signal == SIGTRAP && event != 0) {
            event_stop(tid, event);
            resume(tid, 0);
        } else if (first_stop && signal == SIGSTOP) {
            // A new thread or process, attached with PTRACE_O_TRACECLONE/FORK/VFORK, starts
            // with a SIGSTOP of ptrace's own.
            resume(tid, 0);
        } else if (is_group_stop(tid, signal)) {
            // The program stopped itself (or was stopped); nobody would continue it during
            // a trial run, so it just goes on.
            resume(tid, 0);
        } else {
            resume(tid, signal);  // signal-delivery-stop: deliver it
        }
    }

    // Under PTRACE_TRACEME a group-stop looks like a signal-delivery-stop of the stop
    // signal; PTRACE_GETSIGINFO tells them apart (ptrace(2)).
    static bool is_group_stop(pid_t tid, int signal) {
        if (signal != SIGSTOP && signal != SIGTSTP && signal != SIGTTIN && signal != SIGTTOU) return false;
        siginfo_t info;
        return ptrace(PTRACE_GETSIGINFO, tid, nullptr, &info) < 0 && errno == EINVAL;
    }

    void event_stop(pid_t tid, unsigned event) {
        if (event != PTRACE_EVENT_EXEC) return;  // new threads and processes: at their first stop
        // An exec from a thread other than the leader gives the thread the leader's id: its
        // pending execve moves with it.
        unsigned long former = 0;
        if (ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former) == 0 && static_cast<pid_t>(former) != tid) {
            auto it = m_threads.find(static_cast<pid_t>(former));
            if (it != m_threads.end()) {
                m_threads[tid] = std::move(it->second);
                m_threads.erase(it);
            }
        }
        for (auto& path : mapped_files(tid)) m_used.insert(lexically_normal(path));
    }

    void syscall_stop(pid_t tid, ThreadState& thread) {
        __ptrace_syscall_info info{};
        if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, reinterpret_cast<void*>(sizeof info), &info) <= 0) return;
        if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
            thread.pending.reset();
            if (info.arch != AUDIT_ARCH_X86_64) return;  // i386 numbers differ: not followed
            thread.pending = pending_call(tid, info.entry.nr, info.entry.args);
        } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
            if (!thread.pending) return;
            PendingCall call = std::move(*thread.pending);
            thread.pending.reset();
            if (info.exit.is_error) return;
            if (call.kind == CallKind::Use) {
                m_used.insert(call.path);
            } else if (!call.existed) {
                m_created.insert(call.path);
            }
        }
    }

    std::optional<PendingCall> pending_call(pid_t tid, u64 nr, const u64* args) {
        auto call = describe_call(tid, nr, args);
        if (!call) return std::nullopt;
        auto path = read_tracee_string(tid, call->path_address);
        if (!path || path->empty()) return std::nullopt;  // "" with AT_EMPTY_PATH: the fd itself

        std::string absolute;
        if ((*path)[0] == '/' && !call->path_in_root) {
            absolute = *path;
        } else {
            // Read now: by the call's exit the fd may be closed or the cwd changed.
            std::string proc = "/proc/" + std::to_string(tid);
            auto base = call->dirfd == AT_FDCWD ? read_link(proc + "/cwd")
                                                : read_link(proc + "/fd/" + std::to_string(call->dirfd));
            if (!base || base->empty() || (*base)[0] != '/') return std::nullopt;  // a pipe, a socket...
            absolute = *base + "/" + *path;
        }
        PendingCall pending{call->kind, lexically_normal(absolute)};
        if (pending.kind == CallKind::Create) pending.existed = exists_on_host(pending.path);
        return pending;
    }

    const pid_t m_root;
    const int m_seconds;
    int m_root_status = 0;
    std::unordered_map<pid_t, ThreadState> m_threads;  // every tracee seen and not yet ended
    std::set<std::string> m_used;
    std::set<std::string> m_created;

    std::atomic<bool> m_time_up = false;
    std::mutex m_lock;
    std::condition_variable m_wake;
    std::map<pid_t, int> m_pidfds;  // guarded by m_lock
    bool m_finished = false;        // guarded by m_lock
};

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& s : strings) pointers.push_back(const_cast<char*>(s.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

bool trial_run(const TrialRunOptions& options, TrialRunResult& result, std::string& error) {
    if (options.argv.empty() || options.argv[0].empty()) {
        error = "no program to run";
        return false;
    }
    const std::string& program = options.argv[0];
    if (program[0] != '/') {
        error = "the program's path must be absolute: " + program;
        return false;
    }
    struct stat st;
    if (stat(program.c_str(), &st) != 0 || access(program.c_str(), X_OK) != 0) {
        error = "cannot run " + program + ": " + strerror(errno);
        return false;
    }
    if (!S_ISREG(st.st_mode)) {
        error = "cannot run " + program + ": not a regular file";
        return false;
    }

    // The child reports on this pipe why it could not start; exec closes it.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) {
        error = std::string("cannot create a pipe: ") + strerror(errno);
        return false;
    }
    fcntl(report[0], F_SETFL, O_NONBLOCK);

    // Everything the child needs is made before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv = c_strings(options.argv);
    std::vector<char*> envp = c_strings(options.env);
    const char* workdir = options.workdir.empty() ? nullptr : options.workdir.c_str();

    pid_t pid = fork();
    if (pid < 0) {
        error = std::string("cannot fork: ") + strerror(errno);
        close(report[0]);
        close(report[1]);
        return false;
    }
    if (pid == 0) {
        close(report[0]);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_DFL);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd > 0) {
            dup2(null_fd, 0);
            close(null_fd);
        }
        if (ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) fail_in_child(report[1], StartStep::Trace);
        raise(SIGSTOP);  // the tracer sets its options here, before anything is run
        if (workdir && chdir(workdir) != 0) fail_in_child(report[1], StartStep::Chdir);
        execve(argv[0], argv.data(), envp.data());
        fail_in_child(report[1], StartStep::Exec);
    }
    close(report[1]);

    auto give_up = [&](const std::string& message) {
        error = message;
        close(report[0]);
        return false;
    };
    int status;
    while (waitpid(pid, &status, __WALL) < 0) {
        if (errno != EINTR) return give_up(std::string("cannot wait for the program: ") + strerror(errno));
    }
    if (!WIFSTOPPED(status)) {
        return give_up(start_failure(report[0], options).value_or("the program ended before it started"));
    }
    long trace_options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                         PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SETOPTIONS, pid, nullptr, reinterpret_cast<void*>(trace_options)) != 0) {
        std::string message = std::string("cannot set the ptrace options: ") + strerror(errno);
        kill(pid, SIGKILL);
        waitpid(pid, &status, __WALL);
        return give_up(message);
    }

    Tracer tracer(pid, options.seconds);
    tracer.run(result);

    if (auto failure = start_failure(report[0], options)) return give_up(*failure);
    close(report[0]);
    return true;
}

}  // namespace osprey
