// The per-process part of /proc (procfs.cc builds the tree): /proc/<pid> for every process,
// zombies included, with task/<tid> for each thread (procfs_pid.cc makes the directories,
// procfs_process.cc renders their files), and the /proc/self and /proc/thread-self links.
#pragma once

#include "fs/synthetic.h"

namespace procfs {

// Makes the root list and look up the pids, and the net/ directory they share.
Result<void> add_process_directories(fs::synthetic::Directory& root);
// /proc/<pid>/net: the network tables (procfs.cc).
Result<void> build_net(fs::synthetic::Directory& net);

// Targets of /proc/self and /proc/thread-self: the caller's.
void render_self_link(text::Sink& out, u64);
void render_thread_self_link(text::Sink& out, u64);

}  // namespace procfs
