#include "linux/signal_types.h"

namespace linux_abi {

const char* signal_name(int sig) {
    static constexpr const char* kNames[] = {
        "0",       "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",    "SIGTRAP", "SIGABRT", "SIGBUS",  "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV",   "SIGUSR2", "SIGPIPE",   "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
        "SIGCONT", "SIGSTOP", "SIGTSTP",   "SIGTTIN", "SIGTTOU",   "SIGURG",  "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
        "SIGPROF", "SIGWINCH", "SIGIO",    "SIGPWR",  "SIGSYS"};
    if (sig > 0 && sig < 32) return kNames[sig];
    if (sig >= 32 && sig <= 64) return "SIGRT";
    return "SIG?";
}

}  // namespace linux_abi
