// The application: one process (pid 1) of one or more threads, sharing an address space,
// a descriptor table and signal dispositions. Kept separate from Thread so several
// processes (fork/exec) can come later without a rewrite.
#pragma once

#include "base/intrusive_list.h"
#include "base/result.h"
#include "fs/inode.h"
#include <span>
#include <string_view>

#include "linux/initial_stack.h"
#include "linux/signal_types.h"
#include "sync/spinlock.h"

class Thread;
struct TrapFrame;
namespace fs {
class FdTable;
class Inode;
}

namespace mm {
class AddressSpace;
}

namespace proc {

using fs::FdTable;
using linux_abi::KernelSigaction;
using linux_abi::kSignalCount;
using linux_abi::SigInfo;
using linux_abi::StackT;
using mm::AddressSpace;

// A queued instance of a real-time signal: unlike standard signals, each one sent is
// delivered (up to the queue limit).
struct QueuedSignal {
    ListNode node;
    SigInfo info;
};

class Process;

// The part of a thread that belongs to the application.
struct UserContext {
    Thread* thread = nullptr;
    Process* process = nullptr;  // set before the thread first runs; never changes
    ListNode node;               // in the process's thread list
    int tid = 0;
    TrapFrame* frame = nullptr;  // the saved user registers (top of the kernel stack)
    u64 fs_base = 0;
    u64 gs_base = 0;
    u64 clear_child_tid = 0;     // set_tid_address / CLONE_CHILD_CLEARTID
    u64 robust_list = 0;
    u64 robust_list_length = 0;
    // Signals; guarded by the process's signal lock.
    u64 blocked = 0;
    u64 pending = 0;
    SigInfo pending_info[kSignalCount];   // standard signals: one pending instance each
    IntrusiveList<QueuedSignal, &QueuedSignal::node> realtime_queue;  // SIGRTMIN and up, in order
    usize realtime_queued = 0;
    StackT altstack{0, linux_abi::SS_DISABLE, 0, 0};
    // Set while a syscall's result is being returned: only then is a restart possible.
    bool in_syscall = false;
    // rt_sigsuspend: the mask to restore once the handler it waited for has run.
    bool has_saved_mask = false;
    u64 saved_mask = 0;
    u64 waiting_for = 0;  // in rt_sigtimedwait: the signals it takes (process-directed ones come here)
};

class Process {
public:
    // The calling thread's process; in kernel threads (timers, the console's reader) the
    // first process, the application's pid 1.
    static Process& current();
    static bool exists();
    // Creates the first process at boot (pid 1, before its first thread); it owns memory
    // and fds from then on.
    static Process& create(AddressSpace* memory, FdTable* fds);

    int pid() const { return m_pid; }
    AddressSpace& memory() { return *m_memory; }
    FdTable& fds() { return *m_fds; }

    // Signal dispositions, guarded by signal_lock (which also guards every thread's
    // UserContext signal fields).
    IrqSpinLock signal_lock;
    KernelSigaction actions[kSignalCount + 1] = {};

    // Who the process is (credentials(7)): real, effective, saved and file-system ids, and
    // the supplementary groups. Changed only by the set*id calls (linux/sys_credentials.cc)
    // under cred_lock; read without it (a racing reader sees the old or the new id).
    struct Credentials {
        u32 ruid = 0, euid = 0, suid = 0, fsuid = 0;
        u32 rgid = 0, egid = 0, sgid = 0, fsgid = 0;
        static constexpr usize kMaxGroups = 65536;  // NGROUPS_MAX
        u32* groups = nullptr;  // owned (heap), sorted as given
        usize group_count = 0;
        void set_all(u32 uid, u32 gid) {
            ruid = euid = suid = fsuid = uid;
            rgid = egid = sgid = fsgid = gid;
        }
    };
    IrqSpinLock cred_lock;
    Credentials cred;
    const char* exe_path = "";
    // The working directory and the file-creation mask, guarded by fs_lock.
    Mutex fs_lock;
    RefPtr<fs::Inode> cwd;
    u32 umask = 022;
    RefPtr<fs::Inode> working_directory() {
        MutexLocker lock(fs_lock);
        return cwd;
    }

    // What the program was started with, for /proc/[pid]/{cmdline,environ,auxv,stat}:
    // views of memory that outlives the process (the strings of the app config; the
    // loader's copy of the auxv as placed on the stack). Set by the loader, then fixed.
    struct Start {
        std::span<const std::string_view> argv, env;
        std::span<const linux_abi::AuxEntry> auxv;  // AT_NULL included
        linux_abi::StackLayout stack;
    };
    Start start;

    // Threads: the first one's ID is the pid.
    int allocate_tid();
    void add_thread(UserContext& user);
    // A thread ended with `status`; the last one ends the process with it.
    void remove_thread(UserContext& user, int status);
    // Takes back add_thread() for a thread that never started.
    void forget_thread(UserContext& user);
    usize thread_count();
    // Under signal_lock: the thread with this ID, or the first waiting for `mask` in
    // sigtimedwait, else the first that does not block it (else the first thread).
    UserContext* find_thread(int tid);
    UserContext* find_thread_accepting(u64 mask);

    // Ends the application and the VM with the exit record for `status`.
    [[noreturn]] void exit_group(int status);
    // Ends it as killed by a signal: a Linux-like report on its stderr, status 128 + sig.
    [[noreturn]] void killed_by_signal(int sig, u64 fault_address = 0);

private:
    int m_pid = 0;
    AddressSpace* m_memory = nullptr;
    FdTable* m_fds = nullptr;
    IrqSpinLock m_threads_lock;  // guards m_next_tid and m_threads (taken inside signal_lock)
    int m_next_tid = 1;
    IntrusiveList<UserContext, &UserContext::node> m_threads;
};

inline u64 user_fs_base(const UserContext& user) { return user.fs_base; }
inline u64 user_gs_base(const UserContext& user) { return user.gs_base; }
// Sets the current thread's FS/GS base (arch_prctl, clone's TLS) and loads it now.
void set_current_fs_base(u64 base);
void set_current_gs_base(u64 base);

UserContext& current_user();
int current_tid();

}  // namespace proc
