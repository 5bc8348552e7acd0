// --discover: the general way to find the files a program needs that Osprey cannot infer
// (docs/runtime-files.md). The program runs once on the host for a short while under
// ptrace (trial/trial_run.h) with the image's arguments and environment, and every file it
// opened, executed or looked at that still exists goes into the image, with the symlinks
// on the way. Files the image already holds (the generated /etc files among them) are
// kept, never replaced, and nothing under /proc, /sys, /dev or /tmp is taken.
#pragma once

#include <string>
#include <vector>

#include "image/image_tree.h"

namespace osprey {

struct DiscoveryRequest {
    std::vector<std::string> argv;  // argv[0]: the program's absolute host path
    std::vector<std::string> env;
    double seconds = 10;
};

struct DiscoveryReport {
    std::vector<std::string> added;  // host paths added to the tree, sorted
    int exit_status = 0;             // of the trial run; -1 when stopped at the limit
    bool timed_out = false;
};

// Runs the trial and adds what it found. The program's own output on the host is thrown
// away (it is a rehearsal, not the run). false with a message when the trial cannot start.
bool add_discovered_files(ImageTree& tree, const DiscoveryRequest& request, DiscoveryReport& report,
                          std::string& error);

// Whether a path the trial recorded belongs in an image: not a kernel interface or a
// scratch area (/proc, /sys, /dev, /run, /tmp, /var/tmp).
bool worth_discovering(const std::string& path);

}  // namespace osprey
