// Notes SIGINT, SIGTERM and SIGHUP for as long as a command runs, so a Ctrl-C while an
// image is being written still lets the files be removed on the way out. The VM runner
// installs its own handlers while QEMU runs and puts these back afterwards.
#pragma once

#include <signal.h>

namespace osprey {

class StopSignalLatch {
public:
    StopSignalLatch();
    ~StopSignalLatch();
    StopSignalLatch(const StopSignalLatch&) = delete;
    StopSignalLatch& operator=(const StopSignalLatch&) = delete;
    // The last signal received, 0 if none.
    int signal() const;

private:
    static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
    struct sigaction m_saved[3];
};

// Prints "osprey: stopped by signal N (NAME)" and returns 128 + N.
int report_stop_signal(int signal);

}  // namespace osprey
