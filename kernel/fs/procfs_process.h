// The per-process part of /proc (procfs.cc builds the tree): /proc/1 and its task/<tid>.
#pragma once

#include "fs/synthetic.h"

namespace procfs {

// Fills /proc/1 (the directory `pid`).
Result<void> build_process_directory(fs::synthetic::Directory& pid);
// /proc/<pid>/net: the network tables (procfs.cc).
Result<void> build_net(fs::synthetic::Directory& net);

// Targets of /proc/self and /proc/thread-self.
void render_self_link(text::Sink& out, u64);
void render_thread_self_link(text::Sink& out, u64);

}  // namespace procfs
