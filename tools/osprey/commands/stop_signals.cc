#include "commands/stop_signals.h"

#include <cstdio>
#include <cstring>

namespace osprey {

namespace {
volatile sig_atomic_t g_stop_signal = 0;
}

StopSignalLatch::StopSignalLatch() {
    struct sigaction action {};
    action.sa_handler = [](int signal) { g_stop_signal = signal; };
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; i++) sigaction(kSignals[i], &action, &m_saved[i]);
}

StopSignalLatch::~StopSignalLatch() {
    for (int i = 0; i < 3; i++) sigaction(kSignals[i], &m_saved[i], nullptr);
}

int StopSignalLatch::signal() const { return g_stop_signal; }

int report_stop_signal(int signal) {
    fprintf(stderr, "osprey: stopped by signal %d (%s)\n", signal, strsignal(signal));
    return 128 + signal;
}

}  // namespace osprey
