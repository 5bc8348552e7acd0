// Threads: clone/clone3 for threads, TLS (arch_prctl), and the bookkeeping glibc and musl
// do at thread start and exit (set_tid_address, robust lists).
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/frames.h"
#include "fs/fd_table.h"
#include "linux/futex.h"
#include "proc/process.h"
#include "linux/syscall_adapter.h"
#include "linux/thread_exit.h"
#include "proc/user_thread.h"
#include "sched/thread.h"

namespace linux_abi {

using proc::Process;
using proc::UserContext;
using proc::set_current_fs_base;
using proc::set_current_gs_base;
using proc::current_user;
using proc::current_tid;
using proc::UserThreadStart;
using proc::spawn_user_thread;

namespace {

constexpr u64 CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800, CLONE_PIDFD = 0x1000,
              CLONE_PTRACE = 0x2000, CLONE_VFORK = 0x4000, CLONE_PARENT = 0x8000, CLONE_THREAD = 0x10000,
              CLONE_NEWNS = 0x20000, CLONE_SYSVSEM = 0x40000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000,
              CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000, CLONE_UNTRACED = 0x800000,
              CLONE_CHILD_SETTID = 0x01000000, CLONE_IO = 0x80000000;
constexpr u64 kThreadFlags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD;
constexpr u64 kSupportedFlags = kThreadFlags | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |
                                CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID | CLONE_DETACHED | CLONE_IO | 0xff;

constexpr int ARCH_SET_GS = 0x1001, ARCH_SET_FS = 0x1002, ARCH_GET_FS = 0x1003, ARCH_GET_GS = 0x1004;

struct CloneRequest {
    u64 flags;
    u64 stack;
    u64 parent_tid;
    u64 child_tid;
    u64 tls;
};

bool canonical_user(u64 address) { return address < user_memory::kUserLimit; }

// The new thread's start, from the caller's registers: clone() returns 0 in it, on the
// stack and TLS the request gives (else the caller's), with the caller's signal mask.
UserThreadStart start_from_caller(const TrapFrame& frame, const CloneRequest& request) {
    UserContext& caller = current_user();
    UserThreadStart start;
    start.frame = frame;
    start.frame.rax = 0;
    if (request.stack) start.frame.rsp = request.stack;
    start.fs_base = (request.flags & CLONE_SETTLS) ? request.tls : caller.fs_base;
    start.gs_base = caller.gs_base;
    start.blocked = caller.blocked;
    start.clear_child_tid = (request.flags & CLONE_CHILD_CLEARTID) ? request.child_tid : 0;
    return start;
}

// What fork, vfork and clone without CLONE_VM may ask for.
constexpr u64 kForkFlags = CLONE_VFORK | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
                           CLONE_CHILD_SETTID | CLONE_DETACHED | CLONE_IO | CLONE_SYSVSEM | 0xff;

// A new process: a copy-on-write copy of the caller's memory, a copy of its descriptor
// table, its dispositions and credentials; its one thread resumes from the caller's
// registers with 0 in rax. vfork is a fork whose parent goes on at once (the child's
// writes to memory stay its own, which a vfork child may not rely on anyway).
Result<u64> fork_process(TrapFrame& frame, const CloneRequest& request) {
    u64 flags = request.flags;
    // CLONE_VM is taken with CLONE_VFORK only (glibc's posix_spawn): the child runs in the
    // parent's memory while the parent sleeps, until it calls execve or ends.
    bool shared_memory = flags & CLONE_VM;
    if ((flags & ~(kForkFlags | CLONE_VM)) || (shared_memory && !(flags & CLONE_VFORK))) {
        // CLONE_VM without CLONE_VFORK or CLONE_THREAD, CLONE_FILES/CLONE_FS/CLONE_SIGHAND
        // across processes, namespaces.
        static bool reported = false;
        if (!reported) {
            reported = true;
            klog::warn("clone flags {:#x} for a new process are not implemented: ENOSYS", flags);
        }
        return Error(ENOSYS);
    }
    if ((flags & CLONE_SETTLS) && !canonical_user(request.tls)) return Error(EPERM);
    if (shared_memory && !request.stack) return Error(EINVAL);  // two processes on one stack
    // fork keeps a reserve of memory free (1/32 of it, at least 1 MiB): a fork bomb meets
    // ENOMEM while the processes already running can still fault their pages in.
    usize reserve = frames::total_count() / 32 > 256 ? frames::total_count() / 32 : 256;
    if (frames::free_count() < reserve) return Error(ENOMEM);
    Process& parent = Process::current();
    mm::AddressSpace* memory;
    if (shared_memory) {
        memory = &parent.memory();
        memory->retain();
    } else {
        memory = TRY(parent.memory().fork());
    }
    auto fds = parent.fds().copy();
    if (fds.is_error()) {
        mm::AddressSpace::release(memory);
        return Error(fds.error());
    }
    auto created = Process::fork(memory, fds.value());
    if (created.is_error()) {
        delete fds.value();
        mm::AddressSpace::release(memory);
        return Error(created.error());
    }
    Process* child = created.value();
    child->exit_signal = static_cast<int>(flags & 0xff);
    UserThreadStart start = start_from_caller(frame, request);
    start.set_child_tid = (flags & CLONE_CHILD_SETTID) ? request.child_tid : 0;
    start.tid = child->pid();
    start.process = child;
    Result<int> spawned = start.tid;
    if (flags & CLONE_PARENT_SETTID) {
        if (auto written = UserPtr<i32>(request.parent_tid).write(start.tid); written.is_error())
            spawned = Error(written.error());
    }
    if (flags & CLONE_VFORK) parent.vfork_mark(start.tid);
    if (spawned.is_ok()) spawned = spawn_user_thread(start, "process");
    if (spawned.is_error()) {
        if (flags & CLONE_VFORK) parent.vfork_mark(0);
        Process::abandon_fork(child);
        delete fds.value();
        mm::AddressSpace::release(memory);
        return Error(spawned.error());
    }
    // The child may be gone already (it is not touched again); the parent sleeps until its
    // execve or end.
    if (flags & CLONE_VFORK) parent.vfork_wait(start.tid);
    return static_cast<u64>(start.tid);
}

Result<u64> do_clone(TrapFrame& frame, const CloneRequest& request) {
    u64 flags = request.flags;
    if (!(flags & CLONE_THREAD)) return fork_process(frame, request);
    if ((flags & kThreadFlags) != kThreadFlags) {
        static bool reported = false;
        if (!reported) {
            reported = true;
            klog::warn("clone flags {:#x} (shared memory without a shared thread group) are not implemented: ENOSYS",
                       flags);
        }
        return Error(ENOSYS);
    }
    if (flags & ~kSupportedFlags) return Error(EINVAL);
    if ((flags & CLONE_SETTLS) && !canonical_user(request.tls)) return Error(EPERM);
    TRY(Process::current().check_task_limit());  // RLIMIT_NPROC counts threads too
    UserThreadStart start = start_from_caller(frame, request);
    start.tid = Process::current().allocate_tid();
    if (!start.tid) return Error(EAGAIN);
    // The tid words are written before the child can run: threads share the memory.
    Result<void> written{};
    if (flags & CLONE_PARENT_SETTID) written = UserPtr<i32>(request.parent_tid).write(start.tid);
    if ((flags & CLONE_CHILD_SETTID) && written.is_ok()) written = UserPtr<i32>(request.child_tid).write(start.tid);
    auto spawned = written.is_ok() ? spawn_user_thread(start, "thread") : Result<int>(Error(written.error()));
    if (spawned.is_error()) {
        Process::current().release_tid(start.tid);
        return Error(spawned.error());
    }
    return static_cast<u64>(spawned.value());
}

struct CloneArgs {
    u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

}  // namespace

// fork, vfork, clone and clone3 start the child from the caller's registers.
Result<u64> sys_fork(TrapFrame& frame) { return fork_process(frame, {SIGCHLD, 0, 0, 0, 0}); }
Result<u64> sys_vfork(TrapFrame& frame) { return fork_process(frame, {CLONE_VFORK | SIGCHLD, 0, 0, 0, 0}); }

// x86-64 order: flags, stack, parent_tid, child_tid, tls.
Result<u64> sys_clone(TrapFrame& frame, u64 flags, u64 stack, UserPtr<i32> parent_tid, UserPtr<i32> child_tid, u64 tls) {
    return do_clone(frame, {flags, stack, parent_tid.address(), child_tid.address(), tls});
}

Result<u64> sys_clone3(TrapFrame& frame, UserPtr<CloneArgs> user_args, u64 size) {
    if (size < 64 || size > 4096) return Error(EINVAL);  // CLONE_ARGS_SIZE_VER0 is 64
    CloneArgs c{};
    TRY(user_memory::copy_from(&c, user_args.address(), size < sizeof c ? size : sizeof c));
    if (c.set_tid || c.set_tid_size || c.cgroup) return Error(EINVAL);
    if (c.exit_signal && (c.flags & CLONE_THREAD)) return Error(EINVAL);
    if ((c.flags & 0xff) || c.exit_signal > 64) return Error(EINVAL);  // CSIGNAL belongs in exit_signal
    if ((c.stack == 0) != (c.stack_size == 0)) return Error(EINVAL);
    return do_clone(frame,
                    {c.flags | c.exit_signal, c.stack ? c.stack + c.stack_size : 0, c.parent_tid, c.child_tid, c.tls});
}

// The argument is an address to set (ARCH_SET_*) or a pointer to write to (ARCH_GET_*).
Result<void> sys_arch_prctl(int code, u64 address) {
    switch (code) {
        case ARCH_SET_FS:
            if (!canonical_user(address)) return Error(EPERM);
            set_current_fs_base(address);
            return {};
        case ARCH_SET_GS:
            if (!canonical_user(address)) return Error(EPERM);
            set_current_gs_base(address);
            return {};
        case ARCH_GET_FS: return UserPtr<u64>(address).write(current_user().fs_base);
        case ARCH_GET_GS: return UserPtr<u64>(address).write(current_user().gs_base);
    }
    return Error(EINVAL);
}

Result<int> sys_set_tid_address(UserPtr<i32> tid_word) {
    current_user().clear_child_tid = tid_word.address();
    return current_tid();
}

// The list head's address is kept, not read here (it is walked at exit).
Result<void> sys_set_robust_list(u64 head, u64 length) {
    if (length != 24) return Error(EINVAL);  // sizeof(struct robust_list_head)
    current_user().robust_list = head;
    current_user().robust_list_length = length;
    return {};
}

// The tid is compared in all 64 bits first (Linux's is an int), as before handlers were typed.
Result<void> sys_get_robust_list(u64 tid, UserPtr<u64> head, UserPtr<u64> length) {
    if (tid != 0 && static_cast<i32>(tid) != current_tid()) return Error(ESRCH);
    TRY(head.write(current_user().robust_list));
    return length.write(24);
}

void clear_child_tid_at_exit(UserContext& user) {
    // FIXME: robust futex list walk (owner-died marking) for mutexes held at exit.
    if (user.clear_child_tid) {
        // A shared wake, as Linux's: the word may be in memory another process maps.
        if (UserPtr<i32>(user.clear_child_tid).write(0).is_ok()) futex::wake(user.clear_child_tid, 1, ~0u, true);
    }
}

OSPREY_CALLS(fork, vfork, clone, clone3, arch_prctl, set_tid_address, set_robust_list, get_robust_list)

}  // namespace linux_abi
