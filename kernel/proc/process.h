// Processes: each of one or more threads sharing an address space, a descriptor table and
// signal dispositions. The first (pid 1) is the application osprey started; fork makes
// the others. A process that ends stays a zombie holding its exit status until its parent
// waits for it; its children go to pid 1. When pid 1 ends, the VM powers off.
#pragma once

#include <optional>

#include "base/intrusive_list.h"
#include "base/result.h"
#include "fs/inode.h"
#include "fs/new_inode.h"
#include <span>
#include <string_view>

#include "lib/object_counts.h"
#include "linux/initial_stack.h"
#include "proc/limits.h"
#include "sched/thread.h"
#include "linux/signal_types.h"
#include "sync/spinlock.h"
#include "sync/wait_queue.h"

class Thread;
struct TrapFrame;
namespace fs {
class FdTable;
class File;
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
    bool stopped = false;  // waiting in Process::wait_while_stopped (counted in stopped_threads)
    // Whether the way back to user mode has more to do than restore registers: a signal
    // that may be deliverable, a stop or a continue of the process, rt_sigsuspend's mask to
    // put back. A system call's return looks at this flag only (linux/syscall.cc), so
    // whatever may create such work sets it (note_return_work), and only the full return
    // path (signals::deliver_pending) clears it, having found none left. Written under the
    // process's signal lock; read without it by the thread itself, interrupts off, on its
    // way out. Set at first: a new thread's first return checks everything.
    bool return_work = true;

    void note_return_work() { __atomic_store_n(&return_work, true, __ATOMIC_RELAXED); }
    // After `pending` or `blocked` changed.
    void note_signal_change() {
        if (pending & ~blocked) note_return_work();
    }
    bool has_return_work() const { return __atomic_load_n(&return_work, __ATOMIC_RELAXED); }
};

// How a process ended, as wait(2) encodes it.
struct ExitStatus {
    bool signaled = false;
    int code = 0;  // the exit code (0-255) or the signal
    int wait_status() const { return signaled ? code : (code & 0xff) << 8; }
};

// Which children a wait asks for (wait4's pid argument).
struct WaitMatch {
    enum class Kind { Any, Pid, Group } kind = Kind::Any;
    int id = 0;  // the pid or the process group
};

// A process as /proc/<pid>/stat shows its place among the others.
struct Relations {
    int ppid = 0, pgid = 0, sid = 0;
    bool zombie = false;
    int wait_status = 0;  // a zombie's, as wait(2) would report it
};

// What wait4/waitid look for (WEXITED, WSTOPPED/WUNTRACED, WCONTINUED, WNOHANG, WNOWAIT).
struct WaitOptions {
    bool exited = true, stopped = false, continued = false;
    bool no_hang = false;
    bool keep = false;  // WNOWAIT: the child stays waitable (a zombie unreaped, a stop unreported)
};

// A child wait() took: it ended, stopped (job control) or went on after a stop.
struct WaitResult {
    enum class Event : u8 { Exited, Stopped, Continued };
    int pid = 0;
    u32 uid = 0;
    Event event = Event::Exited;
    ExitStatus status;    // Exited
    int stop_signal = 0;  // Stopped
    // As wait4 encodes it: an exit's status, 0x7f | sig << 8 for a stop, 0xffff for a continue.
    int wait_status() const {
        if (event == Event::Stopped) return (stop_signal << 8) | 0x7f;
        if (event == Event::Continued) return 0xffff;
        return status.wait_status();
    }
};

class Process {
public:
    // State another layer keeps per process (the Linux layer's timers): deleted when the
    // process ends (before it becomes a zombie).
    class Extension {
    public:
        virtual ~Extension() = default;
    };

    // The calling thread's process; in kernel threads (timers, the console's reader) the
    // first process, the application's pid 1. Inline: most system calls start with it.
    static Process& current();
    static Process& first();  // pid 1
    static bool exists();
    // Creates the first process at boot (pid 1, before its first thread); it owns memory
    // and fds from then on.
    static Process& create(AddressSpace* memory, FdTable* fds);
    // fork: a child of the calling process with its own copies (memory and fds given),
    // the same credentials, directory, umask, dispositions, process group and session.
    // EAGAIN when the process table is full (the caller frees memory and fds then).
    static Result<Process*> fork(AddressSpace* memory, FdTable* fds);

    int pid() const { return m_pid; }
    int ppid();
    int pgid();
    int sid();
    int pgid_locked() const { return m_pgid; }  // inside for_each/with_process (the table's lock held)
    // setpgid(2) on this process or one of its children (checks as Linux: ESRCH, EPERM,
    // EACCES after the child's exec is not tracked yet).
    static Result<void> set_pgid(int pid, int pgid);
    // setsid(2): a new session and group led by the caller; EPERM for a group leader.
    Result<int> set_sid();
    // The process with this pid (not a zombie) visited under the process table's lock:
    // visit must not sleep. ESRCH when there is none.
    template <typename F>
    static Result<void> with_process(int pid, F&& visit);
    // Visits every live process (not zombies) under the table's lock.
    template <typename F>
    static void for_each(F&& visit);
    // The process's own memory and descriptors, for its threads (another process's
    // reader uses retain_memory and file below).
    AddressSpace& memory() { return *m_memory; }
    FdTable& fds() { return *m_fds; }

    // A reference keeps the Process object (not what it owns) alive after its parent has
    // reaped it: /proc's files and directories of a process hold one. The table holds one
    // while the process is in it.
    void ref() { __atomic_fetch_add(&m_refs, 1, __ATOMIC_RELAXED); }
    void unref();
    // The process with this pid, zombies included; null when there is none.
    static RefPtr<Process> find(int pid);
    // The live process one of whose threads has this ID; null when none.
    static RefPtr<Process> find_by_thread(int tid);
    // The CPUs thread `tid` of this process may run on, after setting them to `mask` if
    // given (sched::set_affinity). ESRCH when no such thread is in the process.
    Result<u64> thread_affinity(int tid, std::optional<u64> mask);
    // The lowest pid >= from of a process in the table (zombies included); 0 when none.
    static int next_pid(int from);
    // Once the parent has waited for it: its pid may already name another process.
    bool reaped();
    // Its parent, group and session; ESRCH once reaped.
    Result<Relations> relations();
    // What /proc shows of another process's memory and descriptors: they go when the
    // process ends (or, memory, with an execve), so a reader takes its own reference.
    // retain_memory: null once ended; the caller gives it back with AddressSpace::release.
    AddressSpace* retain_memory();
    // The open file of descriptor fd (EBADF, also once the process has ended), and the
    // lowest open descriptor >= from (-1 when none).
    Result<RefPtr<fs::File>> file(int fd);
    int next_fd(int from);
    // Whether descriptor fd is close-on-exec (EBADF as file()).
    Result<bool> cloexec(int fd);
    // The lowest thread ID >= from among the process's threads; 0 when none.
    int next_tid(int from);
    // The letter /proc shows for thread tid's state: 'R' running or runnable, 'S' asleep,
    // 'T' stopped by a job-control signal, 'Z' for a zombie; 0 when the process has no such
    // thread.
    char thread_state(int tid);

    // Signal dispositions, guarded by signal_lock (which also guards every thread's
    // UserContext signal fields).
    IrqSpinLock signal_lock{"signal"};
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
    IrqSpinLock cred_lock{"credentials"};
    Credentials cred;
    // The mode bits and group of an inode this process makes in `parent`, with the umask
    // already applied to `permissions`: set-group-ID directories (libs/fs/new_inode.h).
    fs::NewInodeOwner new_inode_owner(const fs::Inode& parent, bool directory, u32 permissions);
    // The program's path and `start` below: the process's own threads read them freely
    // (only its execve changes them); another process (/proc/<pid>) holds image_lock, which
    // set_exe_path and set_start take to replace them.
    Mutex image_lock{"process image"};

    // Resource limits, guarded by limits_lock (which may be taken inside the process
    // table's lock; only m_resources_lock is taken inside it). RLIMIT_NOFILE's soft value is also the
    // descriptor table's bound, which set_limit keeps equal.
    IrqSpinLock limits_lock{"limits"};
    ResourceLimits limits;
    ResourceLimit limit(int resource);
    // set/getrlimit: returns the old value and sets `updated` when given, unless it raises
    // the hard limit and !may_raise_hard (EPERM, nothing changed). resource < kLimitCount.
    Result<ResourceLimit> exchange_limit(int resource, const ResourceLimit* updated, bool may_raise_hard);
    // RLIMIT_NPROC for one more thread or process of the caller's real user: EAGAIN when that
    // user already has as many (threads, as Linux counts them, zombies included), unless
    // the caller is root (real uid 0, or the capabilities an effective uid 0 has).
    Result<void> check_task_limit();
    const char* exe_path = "";
    // execve: the new program's path, a heap string the process owns from now on.
    void set_exe_path(char* owned);
    // The working directory and the file-creation mask, guarded by fs_lock.
    Mutex fs_lock{"process fs"};
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
    // Replaces `start` with a copy of it that the process owns (one heap block, freed with
    // the process or the next set_start): fork and execve. ENOMEM leaves it as it was.
    Result<void> set_start(const Start& record);

    // Threads: the first one's ID is the pid; others take ids from the pids' space (0 when
    // none is left), given back when they end.
    int allocate_tid();
    void release_tid(int tid);
    void add_thread(UserContext& user);
    // A thread leaves; true when it was the last (the caller then calls finish()).
    bool remove_thread(UserContext& user);
    // The last thread of a process ends it here (exit_current_thread): pid 1 powers the
    // VM off; another releases its files, memory and timers, gives its children to pid
    // 1, becomes a zombie and tells its parent (or is reaped at once when the parent
    // ignores SIGCHLD; then the Process is gone when this returns).
    void finish(int status);
    // Visits the threads under the threads' lock (visit must not take the signal lock).
    void for_each_thread(void (*visit)(UserContext& user, void* context), void* context);
    // fork failed after Process::fork: the child goes (its memory and fds are the caller's).
    static void abandon_fork(Process* child);
    static Result<int> pgid_of(int pid);
    static Result<int> sid_of(int pid);
    // Takes back add_thread() for a thread that never started.
    void forget_thread(UserContext& user);
    usize thread_count();
    // Under signal_lock: the thread with this ID, or the first waiting for `mask` in
    // sigtimedwait, else the first that does not block it (else the first thread).
    UserContext* find_thread(int tid);
    UserContext* find_thread_accepting(u64 mask);

    // execve: the new image's memory replaces the old (returned, for the caller to free);
    // the calling thread runs on it from now.
    AddressSpace* replace_memory(AddressSpace* memory);
    // vfork: the parent sleeps until its child `pid` has called execve or ended
    // (vfork_release); a signal does not end the wait, as on Linux.
    void vfork_wait(int pid);
    void vfork_mark(int pid);  // before the child can run
    // The child side: its vfork parent, if one waits for it, goes on.
    void vfork_release();

    // execve's point of no return: every other thread of the process is killed and gone
    // when this returns (they leave quietly; the process lives on).
    void kill_other_threads_for_exec();

    // exit_group(2): ends every thread of the process with `status`; pid 1 ends the VM
    // with it (the exit record).
    [[noreturn]] void exit_group(int status);
    // Killed by a signal: pid 1 with a Linux-like report on its stderr and the VM's status
    // 128 + sig; another process silently, its parent learning of the signal.
    [[noreturn]] void killed_by_signal(int sig, u64 fault_address = 0);

    // wait4/waitid: a child matching `match` that has ended (reaped unless keep), or stopped
    // or continued when the options ask (reported once unless keep). Blocks (interruptibly)
    // unless no_hang, then returns pid 0. ECHILD when no child matches.
    Result<WaitResult> wait_child(const WaitMatch& match, const WaitOptions& options);

    // Job control (proc/job_control.cc; the Linux layer's signal code drives it). A stop
    // signal's default action stops every thread: each waits in wait_while_stopped on its
    // way back to user mode (a thread blocked in an interruptible wait is woken and comes
    // out with ERESTARTSYS, to restart after), until SIGCONT or SIGKILL. The last thread to
    // stop tells the parent (SIGCHLD with CLD_STOPPED unless it asked SA_NOCLDSTOP, and a
    // wait with WUNTRACED); after SIGCONT one of the threads tells it of the continue.
    // Granularity and limits: the stop is the process's, as on Linux; the orphaned process
    // group rule (SIGTSTP/TTIN/TTOU discarded) is not applied; pid 1 ignores stop signals
    // it has no handler for, as Linux's init does.
    //
    // The calling thread takes a stop signal's default action: signal_lock held.
    void begin_stop_locked(int sig);
    // SIGCONT was sent (whatever its disposition): pending stop signals are dropped and a
    // stopped process goes on. signal_lock held.
    void continue_locked();
    // A stop signal was sent: pending SIGCONTs are dropped. signal_lock held.
    void drop_pending_continue_locked();
    // No lock held, on the way back to user mode: waits while the process is stopped (until
    // continued or until this thread has SIGKILL pending) and tells the parent.
    void wait_while_stopped(UserContext& user);
    bool stopping() const { return __atomic_load_n(&m_stop_signal, __ATOMIC_RELAXED) != 0; }
    // Whether wait_while_stopped has anything to do for `user`: stop, go on from a stop, or
    // tell the parent of a continue.
    bool job_control_due(const UserContext& user) const {
        return stopping() || __atomic_load_n(&m_continue_untold, __ATOMIC_RELAXED) || user.stopped;
    }

    // When it was made (fork; boot for pid 1), in ns of the monotonic clock: /proc's
    // start time.
    u64 start_ns = 0;

    // The exit signal the parent gets (clone's low byte; SIGCHLD for fork).
    int exit_signal = linux_abi::SIGCHLD;
    // prctl(PR_SET_PDEATHSIG): sent to this process when its parent process ends (Linux
    // sends it when the parent *thread* that forked it ends: here the whole process must).
    // 0 after fork. Read and written atomically.
    int parent_death_signal = 0;
    Extension* extension = nullptr;  // owned

    // Links of the process table and of the parent's children (proc/process.cc's lists).
    ListNode m_table_node;
    ListNode m_sibling_node;

    // Registered once by the Linux layer: sends info.si_signo with `info` to a process
    // (tid 0) or one of its threads: SIGCHLD to a parent, SIGKILL to the threads of a
    // process that exits, the parent-death signal. May be called under the process table's
    // lock (it takes the target's signal lock).
    using SignalSender = void (*)(Process& target, int tid, const SigInfo& info);
    static void set_signal_sender(SignalSender sender);

private:
    // Reaped: out of the table, kept only by references (Process::find's).
    enum class State : u8 { Running, Exiting, Zombie, Reaped };
    // Guarded by the process table's lock (proc/process.cc):
    Process* m_parent = nullptr;
    IntrusiveList<Process, &Process::m_sibling_node> m_children;
    State m_state = State::Running;
    ExitStatus m_exit;
    objects::Counted<objects::Kind::Process> m_counted;
    int m_pgid = 0;
    int m_sid = 0;
    int m_exec_tid = 0;  // while an execve kills the other threads: its thread
    int m_vfork_child = 0;  // the child this process waits for in vfork (0: none)
    // Bumped (under the table's lock) whenever a child ends, stops or continues; wait_child
    // sleeps on it.
    u64 m_child_events = 0;
    WaitQueue m_child_waiters;

    // Job control, guarded by signal_lock (m_stop_signal is also read atomically without it).
    int m_stop_signal = 0;        // stopped (or stopping) by this signal; 0: running
    usize m_stopped_threads = 0;  // threads waiting in wait_while_stopped
    bool m_stop_told = false;     // the parent knows of this stop: every thread had stopped
    int m_stop_report = 0;        // a stop no wait(WUNTRACED) has reported yet: its signal
    bool m_continue_report = false;  // likewise a continue (WCONTINUED)
    bool m_continue_untold = false;  // a continue the parent is yet to be told of
    WaitQueue m_stop_waiters;
    // SIGCHLD to the parent with si_code `code` and `status` for a stop or continue, and its
    // waits woken. No lock held.
    void tell_parent_of_job_change(int code, int status);

    // exit_group and fatal signals: the first sets the status, the other threads are
    // killed, the calling thread leaves.
    [[noreturn]] void end(ExitStatus status);
    static void destroy(Process* process);
    // Frees what a process owns apart from its memory and fds (its groups, /proc start
    // record and exe path) and the Process: for one not (or no longer) in the table.
    static void free_unregistered(Process* process);
    void kill_other_threads();
    static bool lock_table();  // returns what unlock_table needs (interrupts were on)
    static void unlock_table(bool restore);
    static Process* find_locked(int pid);
    // RLIMIT_NPROC: whether `caller` may not have one more task (the table's lock held).
    static bool over_task_limit_locked(Process& caller);
    static int allocate_id_locked();
    static IntrusiveList<Process, &Process::m_table_node>& all();

    int m_pid = 0;
    u32 m_refs = 1;  // the table's
    void* m_start_storage = nullptr;  // owns start's contents when set (heap)
    char* m_exe_storage = nullptr;    // owns exe_path after an execve
    // Guarded by m_resources_lock for readers in other processes (retain_memory, file):
    // finish() and replace_memory() change them under it. The descriptor table's lock is
    // taken inside it; nothing else is. It nests in limits_lock (exchange_limit).
    IrqSpinLock m_resources_lock{"process resources"};
    AddressSpace* m_memory = nullptr;
    FdTable* m_fds = nullptr;
    IrqSpinLock m_threads_lock{"process threads"};  // guards m_threads (taken inside signal_lock)
    IntrusiveList<UserContext, &UserContext::node> m_threads;
};

inline u64 user_fs_base(const UserContext& user) { return user.fs_base; }
inline u64 user_gs_base(const UserContext& user) { return user.gs_base; }
// Sets the current thread's FS/GS base (arch_prctl, clone's TLS) and loads it now.
void set_current_fs_base(u64 base);
void set_current_gs_base(u64 base);

// The calling application thread's user context (system calls: there always is one).
inline UserContext& current_user() { return *current_thread()->m_user; }
int current_tid();

inline Process& Process::current() {
    Thread* thread = current_thread();
    // A thread's user context names its process from before the thread first runs.
    if (thread && thread->m_user) [[likely]] return *thread->m_user->process;
    return first();
}

template <typename F>
Result<void> Process::with_process(int pid, F&& visit) {
    bool restore = lock_table();
    Process* process = find_locked(pid);
    if (process) visit(*process);
    unlock_table(restore);
    if (!process) return Error(ESRCH);
    return {};
}

template <typename F>
void Process::for_each(F&& visit) {
    bool restore = lock_table();
    all().for_each([&](Process& p) {
        if (p.m_state != State::Zombie) visit(p);
    });
    unlock_table(restore);
}

}  // namespace proc
