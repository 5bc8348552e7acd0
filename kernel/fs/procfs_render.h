// The files of /proc/<pid> and /proc/<pid>/task/<tid>, rendered for the process they name
// (procfs_process.cc); procfs_pid.cc makes the directories and nodes that call them.
//
// A renderer gets the process pinned by a reference (its Process object stays, whatever
// happens to it meanwhile) and the thread the file belongs to (the pid for the process's
// own files). What the process owns may go at any moment (it ends, or execs): renderers
// reach it only through Process's accessors for other processes (relations, retain_memory,
// file, image_lock). They fail with ESRCH once the process is reaped; a zombie's files
// show what Linux shows for one (state Z, no memory, no descriptors).
#pragma once

#include "base/result.h"
#include "text/format.h"

namespace proc {
class Process;
}

namespace fs {
class File;
}

namespace procfs {

using ProcessRender = Result<void> (*)(text::Sink& out, proc::Process& process, int tid);

// Whether the calling process may look into `target`'s memory, descriptors and links:
// Linux's ptrace access check (PTRACE_MODE_READ_FSCREDS) for the plain cases: the process
// itself, root (CAP_SYS_PTRACE), or a caller whose fs uid and gid match all of the
// target's real, effective and saved ids.
bool may_inspect(proc::Process& target);

// Files.
Result<void> render_cmdline(text::Sink& out, proc::Process& process, int tid);
Result<void> render_environ(text::Sink& out, proc::Process& process, int tid);
Result<void> render_auxv(text::Sink& out, proc::Process& process, int tid);
Result<void> render_maps(text::Sink& out, proc::Process& process, int tid);
Result<void> render_status(text::Sink& out, proc::Process& process, int tid);
Result<void> render_stat(text::Sink& out, proc::Process& process, int tid);
Result<void> render_statm(text::Sink& out, proc::Process& process, int tid);
Result<void> render_comm(text::Sink& out, proc::Process& process, int tid);
Result<void> render_mounts(text::Sink& out, proc::Process& process, int tid);
Result<void> render_mountinfo(text::Sink& out, proc::Process& process, int tid);
Result<void> render_cgroup(text::Sink& out, proc::Process& process, int tid);
Result<void> render_limits(text::Sink& out, proc::Process& process, int tid);
Result<void> render_oom_score_adj(text::Sink& out, proc::Process& process, int tid);
// fd/N's target and fdinfo/N (the descriptor number is `fd`).
Result<void> render_fd_target(text::Sink& out, proc::Process& process, int fd);
Result<void> render_fdinfo(text::Sink& out, proc::Process& process, int fd);

// Links' targets.
Result<void> render_exe(text::Sink& out, proc::Process& process, int tid);
Result<void> render_cwd(text::Sink& out, proc::Process& process, int tid);
Result<void> render_root(text::Sink& out, proc::Process& process, int tid);

}  // namespace procfs
