// FIXME: transitional. The calls whose handlers still take SyscallArgs&, with their argument
// counts written by hand; each family moves to typed handlers and its own OSPREY_CALLS list
// (linux/syscall_adapter.h), and this file goes with the last one.
#include "linux/syscalls.h"
#include "linux/syscall_numbers.h"

namespace linux_abi {

#define LEGACY(name, count)                                                  \
    namespace syscall_entries {                                              \
    extern const SyscallEntry name;                                          \
    constinit const SyscallEntry name = {                                    \
        [](TrapFrame& frame) -> i64 {                                        \
            SyscallArgs args{frame};                                         \
            auto r = sys_##name(args);                                       \
            return r.is_ok() ? static_cast<i64>(r.value()) : -static_cast<i64>(r.error()); \
        },                                                                   \
        count};                                                              \
    }

LEGACY(pause, 0)
LEGACY(wait4, 4)
LEGACY(waitid, 5)
LEGACY(setpgid, 2)
LEGACY(setsid, 0)
LEGACY(fork, 0)
LEGACY(vfork, 0)
LEGACY(execve, 3)
LEGACY(capget, 2)
LEGACY(rt_sigtimedwait, 4)
LEGACY(signalfd, 3)
LEGACY(signalfd4, 4)
LEGACY(rt_sigaction, 4)
LEGACY(rt_sigprocmask, 4)
LEGACY(rt_sigreturn, 0)
LEGACY(sched_yield, 0)
LEGACY(getpid, 0)
LEGACY(clone, 5)
LEGACY(exit, 1)
LEGACY(kill, 2)
LEGACY(uname, 1)
LEGACY(getrlimit, 2)
LEGACY(getrusage, 2)
LEGACY(sysinfo, 1)
LEGACY(getppid, 0)
LEGACY(getpgrp, 0)
LEGACY(getpgid, 1)
LEGACY(getsid, 1)
LEGACY(rt_sigpending, 2)
LEGACY(rt_sigsuspend, 2)
LEGACY(sigaltstack, 2)
LEGACY(umask, 1)
LEGACY(prctl, 5)
LEGACY(arch_prctl, 2)
LEGACY(setrlimit, 2)
LEGACY(gettid, 0)
LEGACY(tkill, 2)
LEGACY(sched_setaffinity, 3)
LEGACY(sched_getaffinity, 3)
LEGACY(set_tid_address, 1)
LEGACY(exit_group, 1)
LEGACY(tgkill, 3)
LEGACY(prlimit64, 4)
LEGACY(getcpu, 3)
LEGACY(set_robust_list, 2)
LEGACY(get_robust_list, 3)
LEGACY(clone3, 2)
LEGACY(rt_sigqueueinfo, 3)
LEGACY(rt_tgsigqueueinfo, 4)

#undef LEGACY

}  // namespace linux_abi
