// /proc: what runtimes and tools read about the process and the machine, rendered from
// live kernel state when a file is opened.
//
//   self -> <pid>, thread-self -> <pid>/task/<tid> (the caller's), mounts -> self/mounts,
//   net -> self/net
//   <pid>/ for every process, zombies included: exe cwd root (links), cmdline environ
//       auxv maps status stat statm comm mountinfo mounts cgroup oom_score_adj, fd/ (a
//       link per open descriptor), fdinfo/, net/ (tcp udp ... unix), task/<tid>/ (the
//       same for each thread)
//   cpuinfo meminfo stat uptime loadavg version filesystems
//   sys/kernel/{osrelease ostype hostname domainname version pid_max threads-max
//       ngroups_max cap_last_cap random/{boot_id uuid entropy_avail poolsize} ...},
//   sys/vm/{overcommit_memory max_map_count ...}, sys/fs/{file-max nr_open ...},
//   sys/net/core/somaxconn, sys/net/unix/max_dgram_qlen
//
// Every file is read-only. Another process's environ, auxv, maps, fd/, fdinfo/ and links
// are shown only to a caller that may inspect it (procfs_render.h: may_inspect).
#pragma once

#include <string_view>

#include "base/result.h"
#include "text/format.h"

namespace fs {
class File;
}

namespace procfs {

// Creates the proc file system and mounts it on `path`, an existing directory ("/proc").
Result<void> mount_at(std::string_view path);

// What /proc/self/fd/N shows for an open file: its path, "pipe:[ino]", "anon_inode:[...]".
void describe_file(text::Sink& out, fs::File& file);

}  // namespace procfs
