// Process identity, limits and scheduling queries.
#include "linux/process.h"
#include "text/format.h"
#include "linux/syscalls.h"
#include "linux/thread_exit.h"
#include "mm/frames.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "version.h"

namespace linux_abi {

namespace {

struct Utsname {
    char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

void copy_field(char (&field)[65], const char* text) {
    usize i = 0;
    for (; text[i] && i < 64; i++) field[i] = text[i];
    field[i] = '\0';
}

struct Rlimit {
    u64 current, maximum;
};
constexpr u64 kInfinity = ~0ull;
constexpr int RLIMIT_CPU = 0, RLIMIT_FSIZE = 1, RLIMIT_DATA = 2, RLIMIT_STACK = 3, RLIMIT_CORE = 4, RLIMIT_RSS = 5,
              RLIMIT_NPROC = 6, RLIMIT_NOFILE = 7, RLIMIT_MEMLOCK = 8, RLIMIT_AS = 9, RLIMIT_NLIMITS = 16;

// The limits an application sees; it may lower them (the soft ones) but they change
// nothing the kernel enforces beyond RLIMIT_NOFILE, which the descriptor table has anyway.
Rlimit g_limits[RLIMIT_NLIMITS] = {
    {kInfinity, kInfinity}, {kInfinity, kInfinity}, {kInfinity, kInfinity}, {8 * MiB, kInfinity},
    {0, kInfinity},         {kInfinity, kInfinity}, {4096, 4096},           {1024, 1024},
    {8 * MiB, 8 * MiB},     {kInfinity, kInfinity}, {kInfinity, kInfinity}, {kInfinity, kInfinity},
    {819200, 819200},       {0, 0},                 {0, 0},                 {kInfinity, kInfinity},
};

}  // namespace

Result<u64> sys_exit(SyscallArgs& args) { exit_current_thread(args.i32_arg(0) & 0xff); }
Result<u64> sys_exit_group(SyscallArgs& args) { Process::current().exit_group(args.i32_arg(0) & 0xff); }
Result<u64> sys_getpid(SyscallArgs&) { return Process::current().pid(); }
Result<u64> sys_gettid(SyscallArgs&) { return current_tid(); }
Result<u64> sys_getppid(SyscallArgs&) { return 0; }  // started by the kernel, like init
Result<u64> sys_getuid(SyscallArgs&) { return Process::current().uid; }
Result<u64> sys_geteuid(SyscallArgs&) { return Process::current().uid; }
Result<u64> sys_getgid(SyscallArgs&) { return Process::current().gid; }
Result<u64> sys_getegid(SyscallArgs&) { return Process::current().gid; }
Result<u64> sys_getpgrp(SyscallArgs&) { return Process::current().pid(); }
Result<u64> sys_getpgid(SyscallArgs& args) {
    if (args[0] != 0 && args[0] != static_cast<u64>(Process::current().pid())) return Error(ESRCH);
    return Process::current().pid();
}
Result<u64> sys_getsid(SyscallArgs& args) { return sys_getpgid(args); }

Result<u64> sys_getresuid(SyscallArgs& args) {
    u32 uid = Process::current().uid;
    for (unsigned i = 0; i < 3; i++) TRY(args.ptr<u32>(i).write(uid));
    return 0;
}
Result<u64> sys_getresgid(SyscallArgs& args) {
    u32 gid = Process::current().gid;
    for (unsigned i = 0; i < 3; i++) TRY(args.ptr<u32>(i).write(gid));
    return 0;
}

Result<u64> sys_uname(SyscallArgs& args) {
    Utsname u{};
    copy_field(u.sysname, "Linux");
    copy_field(u.nodename, "osprey");
    copy_field(u.release, "6.1.0-osprey");
    char version[65];
    text::format_into(version, sizeof version, "#1 Osprey {}", kOspreyVersion);
    copy_field(u.version, version);
    copy_field(u.machine, "x86_64");
    copy_field(u.domainname, "(none)");
    TRY(args.ptr<Utsname>(0).write(u));
    return 0;
}

Result<u64> sys_prlimit64(SyscallArgs& args) {
    if (args[0] != 0 && args[0] != static_cast<u64>(Process::current().pid())) return Error(ESRCH);
    u64 resource = args[1];
    if (resource >= RLIMIT_NLIMITS) return Error(EINVAL);
    Rlimit old = g_limits[resource];
    if (args[2]) {
        Rlimit updated = TRY(args.ptr<Rlimit>(2).read());
        if (updated.current > updated.maximum) return Error(EINVAL);
        if (updated.maximum > old.maximum) return Error(EPERM);
        g_limits[resource] = updated;
    }
    if (args[3]) TRY(args.ptr<Rlimit>(3).write(old));
    return 0;
}

Result<u64> sys_getrlimit(SyscallArgs& args) {
    if (args[0] >= RLIMIT_NLIMITS) return Error(EINVAL);
    TRY(args.ptr<Rlimit>(1).write(g_limits[args[0]]));
    return 0;
}

Result<u64> sys_setrlimit(SyscallArgs& args) {
    if (args[0] >= RLIMIT_NLIMITS) return Error(EINVAL);
    Rlimit updated = TRY(args.ptr<Rlimit>(1).read());
    if (updated.current > updated.maximum) return Error(EINVAL);
    if (updated.maximum > g_limits[args[0]].maximum) return Error(EPERM);
    g_limits[args[0]] = updated;
    return 0;
}

// One CPU today: the affinity mask has bit 0.
Result<u64> sys_sched_getaffinity(SyscallArgs& args) {
    u64 size = args[1];
    if (size < sizeof(u64) || (size & 7)) return Error(EINVAL);
    u64 mask = 1;
    TRY(user_memory::clear(args[2], size));
    TRY(args.ptr<u64>(2).write(mask));
    return sizeof(u64);  // the kernel's cpumask size in bytes
}

Result<u64> sys_sched_setaffinity(SyscallArgs& args) {
    u64 size = args[1];
    if (size == 0) return Error(EINVAL);
    u8 first = TRY(args.ptr<u8>(2).read());
    if (!(first & 1)) return Error(EINVAL);  // no CPU of the machine in the set
    return 0;
}

Result<u64> sys_sched_yield(SyscallArgs&) {
    sched::yield();
    return 0;
}

Result<u64> sys_umask(SyscallArgs& args) {
    Process& process = Process::current();
    MutexLocker lock(process.fs_lock);
    u32 old = process.umask;
    process.umask = args[0] & 0777;
    return old;
}

Result<u64> sys_prctl(SyscallArgs& args) {
    constexpr int PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4,
                  PR_SET_NAME = 15, PR_GET_NAME = 16, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
    static char name[16] = "main";
    static bool no_new_privs = false;
    static int dumpable = 1;
    static int death_signal = 0;
    switch (args.i32_arg(0)) {
        case PR_SET_NAME: {
            char buffer[16];
            auto length = user_memory::copy_string(buffer, sizeof buffer, args[1]);
            if (length.is_error() && length.error() != ENAMETOOLONG) return Error(length.error());
            if (length.is_error()) {
                TRY(user_memory::copy_from(buffer, args[1], 15));
                buffer[15] = '\0';
            }
            for (int i = 0; i < 16; i++) name[i] = buffer[i];
            return 0;
        }
        case PR_GET_NAME: TRY(user_memory::copy_to(args[1], name, 16)); return 0;
        case PR_GET_DUMPABLE: return dumpable;
        case PR_SET_DUMPABLE:
            if (args[1] > 1) return Error(EINVAL);
            dumpable = static_cast<int>(args[1]);
            return 0;
        // Kept and reported; the parent (the kernel) never dies before the application.
        case PR_SET_PDEATHSIG:
            if (args[1] > 64) return Error(EINVAL);
            death_signal = static_cast<int>(args[1]);
            return 0;
        case PR_GET_PDEATHSIG: TRY(args.ptr<int>(1).write(death_signal)); return 0;
        case PR_SET_NO_NEW_PRIVS: no_new_privs = true; return 0;
        case PR_GET_NO_NEW_PRIVS: return no_new_privs;
    }
    return Error(EINVAL);
}

Result<u64> sys_getcpu(SyscallArgs& args) {
    if (args[0]) TRY(args.ptr<u32>(0).write(0));
    if (args[1]) TRY(args.ptr<u32>(1).write(0));
    return 0;
}

Result<u64> sys_getrusage(SyscallArgs& args) {
    constexpr int RUSAGE_SELF = 0, RUSAGE_CHILDREN = -1, RUSAGE_THREAD = 1;
    int who = args.i32_arg(0);
    if (who != RUSAGE_SELF && who != RUSAGE_CHILDREN && who != RUSAGE_THREAD) return Error(EINVAL);
    // FIXME: per-thread CPU accounting; until then the process's time is the clock's.
    struct {
        u64 utime_sec, utime_usec, stime_sec, stime_usec;
        u64 rest[14];
    } usage{};
    if (who != RUSAGE_CHILDREN) {
        u64 us = ktime::monotonic_ns() / 1000;
        usage.utime_sec = us / 1000000;
        usage.utime_usec = us % 1000000;
    }
    TRY(user_memory::copy_to(args[1], &usage, sizeof usage));
    return 0;
}

Result<u64> sys_sysinfo(SyscallArgs& args) {
    struct {
        u64 uptime;
        u64 loads[3];
        u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
        u16 procs, pad;
        u32 pad2;
        u64 totalhigh, freehigh;
        u32 mem_unit;
        char reserved[4];
    } info{};
    info.uptime = ktime::monotonic_ns() / 1000000000;
    info.totalram = frames::total_count() * frames::kFrameSize;
    info.freeram = frames::free_count() * frames::kFrameSize;
    info.procs = 1;
    info.mem_unit = 1;
    TRY(user_memory::copy_to(args[0], &info, sizeof info));
    return 0;
}

}  // namespace linux_abi
