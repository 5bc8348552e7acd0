// Credentials (credentials(7)): getuid and friends, the set*id calls with Linux's rules
// (a privileged caller — effective uid 0, the only capability model here — may take any
// id; others only ids they already hold as real, effective or saved), the file-system ids
// that follow the effective ones, and the supplementary groups.
#include <new>

#include "proc/process.h"
#include "linux/syscall_adapter.h"

namespace linux_abi {

using proc::Process;

namespace {

using Credentials = Process::Credentials;
constexpr u32 kUnchanged = ~0u;  // (uid_t)-1: leave this id as it is

Credentials& creds() { return Process::current().cred; }

// As Linux's commit_creds: a process whose effective or file-system ids change no longer
// gets its parent-death signal (the parent may not signal the new identity).
void forget_death_signal_if_changed(Process& process, const Credentials& old, const Credentials& next) {
    if (old.euid != next.euid || old.egid != next.egid || old.fsuid != next.fsuid || old.fsgid != next.fsgid)
        __atomic_store_n(&process.parent_death_signal, 0, __ATOMIC_RELAXED);
}

// Runs `change` on a copy of the credentials under the lock, and keeps it when it succeeds.
template <typename Change>
Result<void> update(Change&& change) {
    Process& process = Process::current();
    IrqSpinLockGuard guard(process.cred_lock);
    Credentials next = process.cred;
    TRY(change(next));
    // The file-system ids follow the effective ones (setfsuid changes them alone).
    next.fsuid = next.euid;
    next.fsgid = next.egid;
    forget_death_signal_if_changed(process, process.cred, next);
    process.cred = next;
    return {};
}

bool holds_uid(const Credentials& c, u32 id) { return id == c.ruid || id == c.euid || id == c.suid; }
bool holds_gid(const Credentials& c, u32 id) { return id == c.rgid || id == c.egid || id == c.sgid; }

Result<void> set_ids(u32& real, u32& effective, u32& saved, u32 r, u32 e, u32 s, bool privileged, bool (*holds)(const Credentials&, u32),
                     const Credentials& c) {
    for (u32 id : {r, e, s})
        if (id != kUnchanged && !privileged && !holds(c, id)) return Error(EPERM);
    if (r != kUnchanged) real = r;
    if (e != kUnchanged) effective = e;
    if (s != kUnchanged) saved = s;
    return {};
}

}  // namespace

Result<u32> sys_getuid() { return creds().ruid; }
Result<u32> sys_geteuid() { return creds().euid; }
Result<u32> sys_getgid() { return creds().rgid; }
Result<u32> sys_getegid() { return creds().egid; }

Result<void> sys_getresuid(UserPtr<u32> real, UserPtr<u32> effective, UserPtr<u32> saved) {
    Credentials c = creds();
    TRY(real.write(c.ruid));
    TRY(effective.write(c.euid));
    return saved.write(c.suid);
}

Result<void> sys_getresgid(UserPtr<u32> real, UserPtr<u32> effective, UserPtr<u32> saved) {
    Credentials c = creds();
    TRY(real.write(c.rgid));
    TRY(effective.write(c.egid));
    return saved.write(c.sgid);
}

// setuid: privileged, all three ids; otherwise only the effective one, to the real or saved.
Result<void> sys_setuid(u32 id) {
    if (id == kUnchanged) return Error(EINVAL);
    return update([&](Credentials& c) -> Result<void> {
        if (c.euid == 0) {
            c.ruid = c.euid = c.suid = id;
            return {};
        }
        if (id != c.ruid && id != c.suid) return Error(EPERM);
        c.euid = id;
        return {};
    });
}

Result<void> sys_setgid(u32 id) {
    if (id == kUnchanged) return Error(EINVAL);
    return update([&](Credentials& c) -> Result<void> {
        if (c.euid == 0) {
            c.rgid = c.egid = c.sgid = id;
            return {};
        }
        if (id != c.rgid && id != c.sgid) return Error(EPERM);
        c.egid = id;
        return {};
    });
}

// setreuid: the saved id becomes the new effective one when the real id is set, or the
// effective one is set to something other than the old real id (Linux's rule).
Result<void> sys_setreuid(u32 r, u32 e) {
    return update([&](Credentials& c) -> Result<void> {
        bool privileged = c.euid == 0;
        if (r != kUnchanged && !privileged && r != c.ruid && r != c.euid) return Error(EPERM);
        if (e != kUnchanged && !privileged && !holds_uid(c, e)) return Error(EPERM);
        u32 old_real = c.ruid;
        if (r != kUnchanged) c.ruid = r;
        if (e != kUnchanged) c.euid = e;
        if (r != kUnchanged || (e != kUnchanged && e != old_real)) c.suid = c.euid;
        return {};
    });
}

Result<void> sys_setregid(u32 r, u32 e) {
    return update([&](Credentials& c) -> Result<void> {
        bool privileged = c.euid == 0;
        if (r != kUnchanged && !privileged && r != c.rgid && r != c.egid) return Error(EPERM);
        if (e != kUnchanged && !privileged && !holds_gid(c, e)) return Error(EPERM);
        u32 old_real = c.rgid;
        if (r != kUnchanged) c.rgid = r;
        if (e != kUnchanged) c.egid = e;
        if (r != kUnchanged || (e != kUnchanged && e != old_real)) c.sgid = c.egid;
        return {};
    });
}

Result<void> sys_setresuid(u32 r, u32 e, u32 s) {
    return update([&](Credentials& c) {
        return set_ids(c.ruid, c.euid, c.suid, r, e, s, c.euid == 0, holds_uid, c);
    });
}

Result<void> sys_setresgid(u32 r, u32 e, u32 s) {
    return update([&](Credentials& c) {
        return set_ids(c.rgid, c.egid, c.sgid, r, e, s, c.euid == 0, holds_gid, c);
    });
}

// setfsuid/setfsgid always return the previous id; the change happens only when allowed.
Result<u32> sys_setfsuid(u32 id) {
    Process& process = Process::current();
    IrqSpinLockGuard guard(process.cred_lock);
    Credentials& c = process.cred;
    u32 old = c.fsuid;
    Credentials previous = c;
    if (id != kUnchanged && (c.euid == 0 || holds_uid(c, id) || id == c.fsuid)) c.fsuid = id;
    forget_death_signal_if_changed(process, previous, c);
    return old;
}

Result<u32> sys_setfsgid(u32 id) {
    Process& process = Process::current();
    IrqSpinLockGuard guard(process.cred_lock);
    Credentials& c = process.cred;
    u32 old = c.fsgid;
    Credentials previous = c;
    if (id != kUnchanged && (c.euid == 0 || holds_gid(c, id) || id == c.fsgid)) c.fsgid = id;
    forget_death_signal_if_changed(process, previous, c);
    return old;
}

Result<u64> sys_getgroups(i32 size, UserPtr<u32> list) {
    if (size < 0) return Error(EINVAL);
    Process& process = Process::current();
    // Copied out of the lock: a user copy may fault.
    u32* copy = nullptr;
    usize count;
    {
        IrqSpinLockGuard guard(process.cred_lock);
        count = process.cred.group_count;
        if (size == 0) return count;
        if (static_cast<usize>(size) < count) return Error(EINVAL);
    }
    if (count == 0) return 0;
    copy = new (std::nothrow) u32[count];
    if (!copy) return Error(ENOMEM);
    {
        IrqSpinLockGuard guard(process.cred_lock);
        count = process.cred.group_count < count ? process.cred.group_count : count;
        for (usize i = 0; i < count; i++) copy[i] = process.cred.groups[i];
    }
    auto written = list.write_array(copy, count);
    delete[] copy;
    TRY(written);
    return count;
}

Result<void> sys_setgroups(i32 size, UserPtr<u32> list) {
    if (size < 0 || static_cast<usize>(size) > Credentials::kMaxGroups) return Error(EINVAL);
    Process& process = Process::current();
    if (process.cred.euid != 0) return Error(EPERM);
    u32* groups = nullptr;
    if (size > 0) {
        groups = new (std::nothrow) u32[static_cast<usize>(size)];
        if (!groups) return Error(ENOMEM);
        if (list.read_array(groups, static_cast<usize>(size)).is_error()) {
            delete[] groups;
            return Error(EFAULT);
        }
    }
    u32* old;
    {
        IrqSpinLockGuard guard(process.cred_lock);
        old = process.cred.groups;
        process.cred.groups = groups;
        process.cred.group_count = static_cast<usize>(size);
    }
    delete[] old;
    return {};
}

OSPREY_CALLS(getuid, geteuid, getgid, getegid, getresuid, getresgid, setuid, setgid, setreuid, setregid, setresuid,
             setresgid, setfsuid, setfsgid, getgroups, setgroups)

}  // namespace linux_abi
