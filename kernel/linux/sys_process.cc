// Process identity, groups and sessions, scheduling queries, prctl and waiting for children.
#include "proc/process.h"
#include "text/format.h"
#include "linux/syscall_adapter.h"
#include "proc/user_thread.h"
#include "mm/frames.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "version.h"

namespace linux_abi {

using proc::Process;
using proc::current_tid;

namespace {

struct Utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

void copy_field(char (&field)[65], const char* text) {
    usize i = 0;
    for (; text[i] && i < 64; i++) field[i] = text[i];
    field[i] = '\0';
}

struct Rusage {
    i64 utime_sec, utime_usec, stime_sec, stime_usec;
    i64 maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw,
        nivcsw;
};
static_assert(sizeof(Rusage) == 144);

struct SysInfo {
    u64 uptime;
    u64 loads[3];
    u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
    u16 procs, pad;
    u32 pad2;
    u64 totalhigh, freehigh;
    u32 mem_unit;
    char reserved[4];
};

struct CapHeader {
    u32 version;
    i32 pid;
};
struct CapData {
    u32 effective, permitted, inheritable;
};

}  // namespace

Result<void> sys_exit(int status) { proc::exit_current_thread(status & 0xff); }
Result<void> sys_exit_group(int status) { Process::current().exit_group(status & 0xff); }
Result<int> sys_getpid() { return Process::current().pid(); }
Result<int> sys_gettid() { return current_tid(); }
Result<int> sys_getppid() { return Process::current().ppid(); }  // pid 1: 0, as init
Result<int> sys_getpgrp() { return Process::current().pgid(); }
Result<int> sys_getpgid(int pid) {
    if (pid < 0) return Error(ESRCH);
    if (pid == 0) return Process::current().pgid();
    return Process::pgid_of(pid);
}
Result<int> sys_getsid(int pid) {
    if (pid < 0) return Error(ESRCH);
    if (pid == 0) return Process::current().sid();
    return Process::sid_of(pid);
}
Result<void> sys_setpgid(int pid, int pgid) {
    if (pid < 0) return Error(EINVAL);
    return Process::set_pgid(pid, pgid);
}
Result<int> sys_setsid() { return Process::current().set_sid(); }

Result<void> sys_uname(UserPtr<Utsname> user_name) {
    Utsname u{};
    copy_field(u.sysname, "Linux");
    copy_field(u.nodename, "osprey");
    copy_field(u.release, "6.1.0-osprey");
    char version[65];
    text::format_into(version, sizeof version, "#1 Osprey {}", kOspreyVersion);
    copy_field(u.version, version);
    copy_field(u.machine, "x86_64");
    copy_field(u.domainname, "(none)");
    return user_name.write(u);
}

namespace {
// The process holding thread `tid` (0: the caller), if the caller may look at or change
// its affinity: its own threads, or any as root (Linux asks for a matching uid or
// CAP_SYS_NICE to set, and nothing to read).
Result<RefPtr<Process>> affinity_target(int& tid, bool setting) {
    if (tid < 0) return Error(EINVAL);
    Process& self = Process::current();
    if (tid == 0) tid = proc::current_tid();
    RefPtr<Process> process = Process::find_by_thread(tid);
    if (!process) return Error(ESRCH);
    if (setting && process.get() != &self && self.cred.euid != 0 && self.cred.euid != process->cred.euid &&
        self.cred.euid != process->cred.ruid)
        return Error(EPERM);
    return process;
}
}  // namespace

// The kernel's cpumask is 64 bits (smp::kMaxCpus): a smaller buffer is EINVAL, as on
// Linux when it is smaller than nr_cpu_ids bits; the rest of a larger one is cleared.
Result<u64> sys_sched_getaffinity(int pid, u64 size, UserPtr<u64> mask) {
    if (size < sizeof(u64) || (size & 7)) return Error(EINVAL);
    RefPtr<Process> process = TRY(affinity_target(pid, false));
    u64 cpus = TRY(process->thread_affinity(pid, std::nullopt));
    TRY(user_memory::clear(mask.address(), size));
    TRY(mask.write(cpus & sched::cpu_mask()));
    return sizeof(u64);  // the kernel's cpumask size in bytes
}

Result<void> sys_sched_setaffinity(int pid, u64 size, UserPtr<u8> mask) {
    if (size == 0) return Error(EINVAL);
    u64 cpus = 0;  // the first bytes of the mask, little-endian as the kernel's cpumask
    TRY(user_memory::copy_from(&cpus, mask.address(), size < sizeof cpus ? size : sizeof cpus));
    RefPtr<Process> process = TRY(affinity_target(pid, true));
    TRY(process->thread_affinity(pid, cpus));  // EINVAL when it names no CPU there is
    return {};
}

Result<void> sys_sched_yield() {
    sched::yield();
    return {};
}

Result<u32> sys_umask(u32 mask) {
    Process& process = Process::current();
    MutexLocker lock(process.fs_lock);
    u32 old = process.umask;
    process.umask = mask & 0777;
    return old;
}

// The arguments after the option are numbers or pointers, as the option says.
Result<u64> sys_prctl(int option, u64 argument, u64 /*argument3*/, u64 /*argument4*/, u64 /*argument5*/) {
    constexpr int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
                  PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
    static char name[16] = "main";
    static bool no_new_privs = false;
    static int dumpable = 1;
    switch (option) {
        case PR_SET_NAME: {
            char buffer[16];
            auto length = user_memory::copy_string(buffer, sizeof buffer, argument);
            if (length.is_error() && length.error() != ENAMETOOLONG) return Error(length.error());
            if (length.is_error()) {
                TRY(user_memory::copy_from(buffer, argument, 15));
                buffer[15] = '\0';
            }
            for (int i = 0; i < 16; i++) name[i] = buffer[i];
            return 0;
        }
        case PR_GET_NAME: TRY(user_memory::copy_to(argument, name, 16)); return 0;
        case PR_GET_DUMPABLE: return dumpable;
        case PR_SET_DUMPABLE:
            if (argument > 1) return Error(EINVAL);
            dumpable = static_cast<int>(argument);
            return 0;
        // Sent when the parent process ends (proc::Process::finish); 0 turns it off.
        case PR_SET_PDEATHSIG:
            if (argument > static_cast<u64>(kSignalCount)) return Error(EINVAL);
            __atomic_store_n(&Process::current().parent_death_signal, static_cast<int>(argument), __ATOMIC_RELAXED);
            return 0;
        case PR_GET_PDEATHSIG:
            TRY(UserPtr<int>(argument).write(__atomic_load_n(&Process::current().parent_death_signal, __ATOMIC_RELAXED)));
            return 0;
        case PR_SET_NO_NEW_PRIVS: no_new_privs = true; return 0;
        case PR_GET_NO_NEW_PRIVS: return no_new_privs;
    }
    return Error(EINVAL);
}

Result<void> sys_getcpu(UserPtr<u32> cpu, UserPtr<u32> node, u64 /*cache*/) {
    if (!cpu.is_null()) TRY(cpu.write(this_cpu()->id));
    if (!node.is_null()) TRY(node.write(0));
    return {};
}

Result<void> sys_getrusage(int who, UserPtr<Rusage> user_usage) {
    constexpr int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return Error(EINVAL);
    // FIXME: per-thread CPU accounting; until then the process's time is the clock's.
    Rusage usage{};
    if (who != RUSAGE_CHILDREN) {
        u64 us = ktime::monotonic_ns() / 1000;
        usage.utime_sec = static_cast<i64>(us / 1000000);
        usage.utime_usec = static_cast<i64>(us % 1000000);
    }
    return user_usage.write(usage);
}

Result<void> sys_sysinfo(UserPtr<SysInfo> user_info) {
    SysInfo info{};
    info.uptime = ktime::monotonic_ns() / 1000000000;
    info.totalram = frames::total_count() * frames::kFrameSize;
    info.freeram = frames::free_count() * frames::kFrameSize;
    info.procs = 1;
    info.mem_unit = 1;
    return user_info.write(info);
}

// wait4: pid > 0 that child, 0 any in the caller's group, -1 any, < -1 any in group -pid.
// Exits always; stops with WUNTRACED, continues with WCONTINUED (status 0x7f | sig << 8 and
// 0xffff). The child's resource usage reads as zeros.
Result<int> sys_wait4(int pid, UserPtr<i32> status, u32 options, UserPtr<Rusage> user_usage) {
    constexpr u32 WNOHANG = 1, WUNTRACED = 2, WCONTINUED = 8, WNOTHREAD = 0x20000000, WALL = 0x40000000,
                  WCLONE = 0x80000000;
    if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE)) return Error(EINVAL);
    if (pid == INT32_MIN) return Error(ESRCH);
    Process& process = Process::current();
    proc::WaitMatch match;
    if (pid > 0) match = {proc::WaitMatch::Kind::Pid, pid};
    else if (pid == 0) match = {proc::WaitMatch::Kind::Group, process.pgid()};
    else if (pid < -1) match = {proc::WaitMatch::Kind::Group, -pid};
    proc::WaitOptions wanted;
    wanted.stopped = options & WUNTRACED;
    wanted.continued = options & WCONTINUED;
    wanted.no_hang = options & WNOHANG;
    auto waited = TRY(process.wait_child(match, wanted));
    if (waited.pid == 0) return 0;
    if (!status.is_null()) TRY(status.write(waited.wait_status()));
    if (!user_usage.is_null()) TRY(user_usage.write(Rusage{}));
    return waited.pid;
}

Result<void> sys_waitid(int type, int id, UserPtr<SigInfo> user_info, u32 options, UserPtr<Rusage> user_usage) {
    constexpr int P_ALL = 0, P_PID = 1, P_PGID = 2, P_PIDFD = 3;
    constexpr u32 WNOHANG = 1, WEXITED = 4, WSTOPPED = 2, WCONTINUED = 8, WNOWAIT = 0x01000000, WNOTHREAD = 0x20000000,
                  WALL = 0x40000000, WCLONE = 0x80000000;
    if (type != P_ALL && type != P_PID && type != P_PGID && type != P_PIDFD) return Error(EINVAL);
    if (options & ~(WNOHANG | WEXITED | WSTOPPED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL | WCLONE)) return Error(EINVAL);
    if (!(options & (WEXITED | WSTOPPED | WCONTINUED))) return Error(EINVAL);
    if (type == P_PIDFD) return Error(EBADF);  // pidfd_open is not there: no pidfd exists
    if ((type == P_PID && id <= 0) || (type == P_PGID && id < 0)) return Error(EINVAL);
    Process& process = Process::current();
    proc::WaitMatch match;
    if (type == P_PID) match = {proc::WaitMatch::Kind::Pid, id};
    else if (type == P_PGID) match = {proc::WaitMatch::Kind::Group, id ? id : process.pgid()};
    proc::WaitOptions wanted;
    wanted.exited = options & WEXITED;
    wanted.stopped = options & WSTOPPED;
    wanted.continued = options & WCONTINUED;
    wanted.no_hang = options & WNOHANG;
    wanted.keep = options & WNOWAIT;
    auto waited = TRY(process.wait_child(match, wanted));
    SigInfo info{};
    if (waited.pid) {
        using Event = proc::WaitResult::Event;
        info.si_signo = SIGCHLD;
        info.child.pid = waited.pid;
        info.child.uid = waited.uid;
        if (waited.event == Event::Stopped) {
            info.si_code = CLD_STOPPED;
            info.child.status = waited.stop_signal;
        } else if (waited.event == Event::Continued) {
            info.si_code = CLD_CONTINUED;
            info.child.status = SIGCONT;
        } else {
            info.si_code = waited.status.signaled ? CLD_KILLED : CLD_EXITED;
            info.child.status = waited.status.code;
        }
    }
    if (!user_info.is_null()) TRY(user_info.write(info));
    if (!user_usage.is_null()) TRY(user_usage.write(Rusage{}));
    return {};
}

// capget: the application runs as root with every capability, as root does on Linux by
// default (effective = permitted = all of them, none inheritable).
Result<void> sys_capget(UserPtr<CapHeader> user_header, UserPtr<CapData> user_data) {
    constexpr u32 kVersion1 = 0x19980330, kVersion2 = 0x20071026, kVersion3 = 0x20080522;
    constexpr int kLastCap = 40;  // CAP_CHECKPOINT_RESTORE
    CapHeader header = TRY(user_header.read());
    if (header.version != kVersion1 && header.version != kVersion2 && header.version != kVersion3) {
        // Linux writes the version it prefers back, so a caller can probe with version 0.
        header.version = kVersion3;
        TRY(user_header.write(header));
        return user_data.is_null() ? Result<void>() : Result<void>(Error(EINVAL));
    }
    if (header.pid < 0) return Error(EINVAL);
    if (header.pid != 0 && header.pid != Process::current().pid()) {
        Process& process = Process::current();
        IrqSpinLockGuard guard(process.signal_lock);
        if (!process.find_thread(header.pid)) return Error(ESRCH);
    }
    if (user_data.is_null()) return {};
    u64 all = (u64{1} << (kLastCap + 1)) - 1;
    if (Process::current().cred.euid != 0) all = 0;
    CapData data[2] = {{static_cast<u32>(all), static_cast<u32>(all), 0},
                       {static_cast<u32>(all >> 32), static_cast<u32>(all >> 32), 0}};
    return user_data.write_array(data, header.version == kVersion1 ? 1 : 2);
}

OSPREY_CALLS(exit, exit_group, getpid, gettid, getppid, getpgrp, getpgid, getsid, setpgid, setsid, uname,
             sched_getaffinity, sched_setaffinity, sched_yield, umask, prctl, getcpu, getrusage,
             sysinfo, wait4, waitid, capget)

}  // namespace linux_abi
