// A trial run: the program runs on the host for a short while under ptrace(2), and every
// file it (or any of its threads and child processes) opens, executes, stats, checks with
// access(2), reads as a link or changes directory into is recorded. It finds the run-time
// files Osprey cannot infer from the ELF files alone (data files, plugins, locale, ...).
//
// What is recorded is what the calls named, made absolute (relative names against the
// calling thread's cwd or the *at call's directory fd) and lexically normal, with symlinks
// kept as they are: the caller decides how to store a symlink and must follow it itself.
// At each exec the files the kernel maps itself, the program and its ELF (or #!)
// interpreter, are recorded too, by their real paths (from /proc/PID/maps).
//
// Left out: failed calls, opens that may create or truncate (O_CREAT, or writable with
// O_TRUNC), paths the run itself created (open with O_CREAT, creat, mkdir of a path that did
// not exist), paths under /proc, /sys and /dev, and paths that no longer exist afterwards.
//
// x86-64 hosts, Linux 5.3 or later (PTRACE_GET_SYSCALL_INFO, pidfd_open).
#pragma once

#include <string>
#include <vector>

namespace osprey {

struct TrialRunOptions {
    std::vector<std::string> argv;  // argv[0] is the program's host path (absolute)
    std::vector<std::string> env;   // "NAME=value": the whole environment the program gets
    std::string workdir;            // host directory to run in ("" = the current one)
    int seconds = 10;               // then the program, all its processes, is killed (SIGKILL);
                                    // 0 or less: no limit
};

struct TrialRunResult {
    // Absolute, lexically normal host paths, sorted and unique.
    std::vector<std::string> files;
    // The first process's status as a shell reports it (128+signal for a signal); -1 when
    // it was killed at the time limit.
    int exit_status = 0;
    // Some process was still running at the time limit and was killed.
    bool timed_out = false;
};

// Runs the program on the host under ptrace, stdin from /dev/null, stdout and stderr
// inherited. Waits until every process of the program has ended or been killed at the
// limit. false with a message in `error` when it cannot start it (not found, not
// executable, ptrace refused).
//
// The calling thread becomes the tracer and waits with waitpid(-1): the caller must not
// have other child processes it waits for at the same time, since this would reap them.
bool trial_run(const TrialRunOptions& options, TrialRunResult& result, std::string& error);

}  // namespace osprey
