// Resource limits: getrlimit, setrlimit and prlimit64 on the limits a process owns
// (proc/limits.h), with Linux's checks. The kernel enforces RLIMIT_NOFILE (the descriptor
// table), RLIMIT_NPROC (fork and clone) and RLIMIT_STACK (the stack execve maps); the
// others are kept and reported.
#include "fs/fd_table.h"
#include "linux/syscall_adapter.h"
#include "proc/process.h"

namespace linux_abi {

using proc::Process;
using proc::ResourceLimit;

namespace {

// Raising a hard limit takes CAP_SYS_RESOURCE, which an effective uid 0 has here.
bool has_sys_resource(const Process& caller) { return caller.cred.euid == 0; }

// Linux's check_prlimit_permission: another process's limits are the caller's to see or
// change when all its user and group ids are the caller's real ones, or with CAP_SYS_RESOURCE.
bool may_use_limits_of(const Process& caller, const Process& target) {
    if (&caller == &target) return true;
    const auto& c = caller.cred;
    const auto& t = target.cred;
    bool same_ids = c.ruid == t.ruid && c.ruid == t.euid && c.ruid == t.suid && c.rgid == t.rgid &&
                    c.rgid == t.egid && c.rgid == t.sgid;
    return same_ids || has_sys_resource(caller);
}

// do_prlimit: reads the old value into `old` and, with `updated`, sets the new one. Runs
// under the process table's lock for another process: it must not sleep.
Result<void> exchange_limit(Process& caller, Process& target, u32 resource, const ResourceLimit* updated,
                            ResourceLimit& old) {
    if (!may_use_limits_of(caller, target)) return Error(EPERM);
    if (resource >= static_cast<u32>(proc::kLimitCount)) return Error(EINVAL);
    if (updated) {
        if (updated->soft > updated->hard) return Error(EINVAL);
        // The descriptor table's size is this kernel's nr_open.
        if (resource == proc::RLIMIT_NOFILE && updated->hard > static_cast<u64>(fs::FdTable::kMaxDescriptors))
            return Error(EPERM);
    }
    old = TRY(target.exchange_limit(static_cast<int>(resource), updated, has_sys_resource(caller)));
    return {};
}

Result<ResourceLimit> prlimit(int pid, u32 resource, const ResourceLimit* updated) {
    Process& caller = Process::current();
    ResourceLimit old{};
    if (pid == 0 || pid == caller.pid()) {
        TRY(exchange_limit(caller, caller, resource, updated, old));
        return old;
    }
    Result<void> exchanged{};
    TRY(Process::with_process(pid, [&](Process& target) {
        exchanged = exchange_limit(caller, target, resource, updated, old);
    }));
    TRY(exchanged);
    return old;
}

}  // namespace

// pid_t and unsigned int, as Linux declares them: the registers' low 32 bits.
Result<void> sys_prlimit64(int pid, u32 resource, UserPtr<ResourceLimit> new_limit, UserPtr<ResourceLimit> old_limit) {
    ResourceLimit updated{};
    if (!new_limit.is_null()) updated = TRY(new_limit.read());
    if (pid < 0) return Error(ESRCH);
    auto old = TRY(prlimit(pid, resource, new_limit.is_null() ? nullptr : &updated));
    if (!old_limit.is_null()) TRY(old_limit.write(old));
    return {};
}

Result<void> sys_getrlimit(u32 resource, UserPtr<ResourceLimit> limit) {
    auto old = TRY(prlimit(0, resource, nullptr));
    return limit.write(old);
}

Result<void> sys_setrlimit(u32 resource, UserPtr<ResourceLimit> limit) {
    ResourceLimit updated = TRY(limit.read());
    TRY(prlimit(0, resource, &updated));
    return {};
}

OSPREY_CALLS(prlimit64, getrlimit, setrlimit)

}  // namespace linux_abi
