#include "proc/process.h"

#include <cstring>
#include <new>
#include <utility>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/trap_frame.h"
#include "drivers/console/console.h"
#include "fs/fd_table.h"
#include "fs/standard_mounts.h"
#include "lib/log.h"
#include "mm/address_space.h"
#include "mm/user_memory.h"
#include "proc/user_thread.h"
#include "sched/clock.h"
#include "sched/scheduler.h"
#include "sched/thread.h"

namespace proc {

namespace {
alignas(Process) u8 g_first_storage[sizeof(Process)];
Process* g_first = nullptr;  // pid 1

// The process table: every process, zombies included. Its lock also guards each
// process's parent, children, state, exit status, group and session (Process's fields
// marked so); a process's signal lock and threads lock may be taken inside it, never the
// reverse.
IrqSpinLock g_table_lock{"process table"};
using ProcessList = IntrusiveList<Process, &Process::m_table_node>;
alignas(ProcessList) u8 g_table_storage[sizeof(ProcessList)];
ProcessList* g_table = nullptr;
int g_next_pid = 2;
usize g_process_count = 0;
// pid_max: pids wrap past it. kMaxProcesses bounds the table (a fork bomb gets EAGAIN).
constexpr int kPidMax = 32768;
constexpr usize kMaxProcesses = 4096;

Process::SignalSender g_signal_sender = nullptr;

// vfork parents wait here for their child's execve or end (Process::m_vfork_child). One
// queue for all: a child may be gone (reaped) by the time its parent looks again.
WaitQueue g_vfork_waiters;

// Which ids (pids and tids: one space, as on Linux) are taken. Guarded by g_table_lock.
u64 g_ids_used[kPidMax / 64 + 1];
bool id_used(int id) { return g_ids_used[id / 64] & (1ull << (id % 64)); }
void mark_id(int id, bool used) {
    if (used) g_ids_used[id / 64] |= 1ull << (id % 64);
    else g_ids_used[id / 64] &= ~(1ull << (id % 64));
}

}  // namespace

IntrusiveList<Process, &Process::m_table_node>& Process::all() {
    if (!g_table) g_table = new (g_table_storage) ProcessList;
    return *g_table;
}
// The next id no thread, process, group or session uses (Linux skips those too); 0 when
// every one is taken. The table's lock held.
int Process::allocate_id_locked() {
    for (int tries = 0; tries < kPidMax; tries++) {
        int id = g_next_pid;
        g_next_pid = g_next_pid >= kPidMax - 1 ? 2 : g_next_pid + 1;
        if (id_used(id)) continue;
        bool group_or_session = false;
        all().for_each([&](Process& p) { group_or_session = group_or_session || p.m_pgid == id || p.m_sid == id; });
        if (group_or_session) continue;
        mark_id(id, true);
        return id;
    }
    return 0;
}

bool Process::lock_table() { return g_table_lock.lock(); }
void Process::unlock_table(bool restore) { g_table_lock.unlock(restore); }

Process* Process::find_locked(int pid) {
    Process* found = nullptr;
    all().for_each([&](Process& p) {
        if (p.m_pid == pid && p.m_state != State::Zombie) found = &p;
    });
    return found;
}

void Process::set_signal_sender(SignalSender sender) { g_signal_sender = sender; }

Process& Process::first() { return *g_first; }

bool Process::exists() { return g_first != nullptr; }

Process& Process::create(AddressSpace* memory, FdTable* fds) {
    g_first = new (g_first_storage) Process;
    g_first->m_pid = g_first->m_pgid = g_first->m_sid = 1;
    g_first->start_ns = ktime::monotonic_ns();
    g_first->m_memory = memory;
    g_first->m_fds = fds;
    fds->set_limit(g_first->limits.values[RLIMIT_NOFILE].soft);
    IrqSpinLockGuard guard(g_table_lock);
    all().push_back(*g_first);
    g_process_count = 1;
    mark_id(1, true);
    return *g_first;
}

Result<Process*> Process::fork(AddressSpace* memory, FdTable* fds) {
    Process& parent = current();
    auto* child = new (std::nothrow) Process;
    if (!child) return Error(ENOMEM);
    // What the child inherits; the rest starts empty (threads, timers, children). Its
    // memory and fds stay the caller's until the child is in the table.
    child->m_memory = memory;
    child->m_fds = fds;
    child->exe_path = parent.exe_path;
    child->cwd = parent.working_directory();
    child->umask = parent.umask;
    child->exit_signal = parent.exit_signal;
    child->start_ns = ktime::monotonic_ns();
    bool copied = child->set_start(parent.start).is_ok();
    if (copied && parent.m_exe_storage) {
        // The parent's own copy goes with its next execve: the child keeps one too.
        usize length = strlen(parent.exe_path);
        child->m_exe_storage = new (std::nothrow) char[length + 1];
        copied = child->m_exe_storage != nullptr;
        if (copied) {
            memcpy(child->m_exe_storage, parent.exe_path, length + 1);
            child->exe_path = child->m_exe_storage;
        }
    }
    {
        IrqSpinLockGuard guard(parent.cred_lock);
        child->cred = parent.cred;
        child->cred.groups = parent.cred.group_count ? new (std::nothrow) u32[parent.cred.group_count] : nullptr;
        if (child->cred.groups)
            for (usize i = 0; i < parent.cred.group_count; i++) child->cred.groups[i] = parent.cred.groups[i];
        else
            child->cred.group_count = 0;
        copied = copied && child->cred.group_count == parent.cred.group_count;
    }
    if (!copied) {
        free_unregistered(child);
        return Error(ENOMEM);
    }
    {
        IrqSpinLockGuard guard(parent.signal_lock);
        for (int sig = 0; sig <= kSignalCount; sig++) child->actions[sig] = parent.actions[sig];
    }
    {
        IrqSpinLockGuard guard(parent.limits_lock);
        child->limits = parent.limits;
    }
    fds->set_limit(child->limits.values[RLIMIT_NOFILE].soft);
    {
        IrqSpinLockGuard guard(g_table_lock);
        // RLIMIT_NPROC and a full table both refuse with EAGAIN.
        if (!over_task_limit_locked(parent) && g_process_count < kMaxProcesses) child->m_pid = allocate_id_locked();
        if (child->m_pid) {
            child->m_parent = &parent;
            child->m_pgid = parent.m_pgid;
            child->m_sid = parent.m_sid;
            parent.m_children.push_back(*child);
            all().push_back(*child);
            g_process_count++;
            return child;
        }
    }
    free_unregistered(child);
    return Error(EAGAIN);
}

void Process::abandon_fork(Process* child) {
    {
        IrqSpinLockGuard guard(g_table_lock);
        child->m_parent->m_children.remove(*child);
        all().remove(*child);
        g_process_count--;
    }
    child->m_memory = nullptr;  // the caller frees what it gave
    child->m_fds = nullptr;
    destroy(child);
}

// A reaped process's pid is free again (its table entry is gone already); the Process
// itself goes with the last reference (a /proc reader may hold one).
void Process::destroy(Process* process) {
    {
        IrqSpinLockGuard guard(g_table_lock);
        process->m_state = State::Reaped;
        mark_id(process->m_pid, false);
    }
    process->unref();
}

void Process::unref() {
    if (__atomic_sub_fetch(&m_refs, 1, __ATOMIC_ACQ_REL) == 0) free_unregistered(this);
}

RefPtr<Process> Process::find(int pid) {
    IrqSpinLockGuard guard(g_table_lock);
    Process* found = nullptr;
    all().for_each([&](Process& p) {
        if (p.m_pid == pid) found = &p;
    });
    return RefPtr<Process>(found);
}

RefPtr<Process> Process::find_by_thread(int tid) {
    IrqSpinLockGuard guard(g_table_lock);
    Process* found = nullptr;
    all().for_each([&](Process& p) {
        if (found || p.m_state == State::Zombie) return;
        IrqSpinLockGuard threads_guard(p.m_threads_lock);  // inside the table's lock, never the reverse
        p.m_threads.for_each([&](UserContext& u) {
            if (u.tid == tid) found = &p;
        });
    });
    return RefPtr<Process>(found);
}

int Process::next_pid(int from) {
    IrqSpinLockGuard guard(g_table_lock);
    int best = 0;
    all().for_each([&](Process& p) {
        if (p.m_pid >= from && (best == 0 || p.m_pid < best)) best = p.m_pid;
    });
    return best;
}

bool Process::reaped() {
    IrqSpinLockGuard guard(g_table_lock);
    return m_state == State::Reaped;
}

Result<Relations> Process::relations() {
    IrqSpinLockGuard guard(g_table_lock);
    // A reaped process's parent may be gone; one in the table has its parent there too
    // (children are handed to pid 1 before their parent becomes a zombie).
    if (m_state == State::Reaped) return Error(ESRCH);
    bool zombie = m_state == State::Zombie;
    return Relations{m_parent ? m_parent->m_pid : 0, m_pgid, m_sid, zombie, zombie ? m_exit.wait_status() : 0};
}

AddressSpace* Process::retain_memory() {
    IrqSpinLockGuard guard(m_resources_lock);
    if (m_memory) m_memory->retain();
    return m_memory;
}

Result<RefPtr<fs::File>> Process::file(int fd) {
    IrqSpinLockGuard guard(m_resources_lock);
    if (!m_fds) return Error(EBADF);
    return m_fds->get(fd);
}

Result<bool> Process::cloexec(int fd) {
    IrqSpinLockGuard guard(m_resources_lock);
    if (!m_fds) return Error(EBADF);
    return m_fds->cloexec(fd);
}

int Process::next_tid(int from) {
    IrqSpinLockGuard guard(m_threads_lock);
    int best = 0;
    m_threads.for_each([&](UserContext& u) {
        if (u.tid >= from && (best == 0 || u.tid < best)) best = u.tid;
    });
    return best;
}

char Process::thread_state(int tid) {
    {
        IrqSpinLockGuard guard(g_table_lock);
        if (m_state == State::Zombie || m_state == State::Reaped) return tid == m_pid ? 'Z' : 0;
    }
    IrqSpinLockGuard guard(m_threads_lock);
    // Fork puts a child in the table before its first thread joins it, and the last thread
    // leaves before the process is a zombie: in between, its pid names a running process.
    if (m_threads.empty()) return tid == m_pid ? 'R' : 0;
    char state = 0;
    m_threads.for_each([&](UserContext& u) {
        if (u.tid != tid) return;
        Thread* thread = __atomic_load_n(&u.thread, __ATOMIC_RELAXED);
        if (!thread) {
            state = 'R';  // spawned, not yet run (it sets u.thread when it first runs)
            return;
        }
        ThreadState s = thread->state();
        // `stopped` belongs to signal_lock: read racily, as a snapshot for /proc.
        if (__atomic_load_n(&u.stopped, __ATOMIC_RELAXED)) state = 'T';
        else state = s == ThreadState::Blocked ? 'S' : s == ThreadState::Dead ? 'X' : 'R';
    });
    return state;
}

int Process::next_fd(int from) {
    IrqSpinLockGuard guard(m_resources_lock);
    return m_fds ? m_fds->next_open(from) : -1;
}

void Process::free_unregistered(Process* process) {
    delete[] process->cred.groups;
    delete[] static_cast<u8*>(process->m_start_storage);
    delete[] process->m_exe_storage;
    delete process;
}

void Process::set_exe_path(char* owned) {
    char* old;
    {
        MutexLocker lock(image_lock);
        old = m_exe_storage;
        exe_path = m_exe_storage = owned;
    }
    delete[] old;
}

Result<void> Process::set_start(const Start& record) {
    // One block: the views, the auxv, then the strings.
    usize bytes = (record.argv.size() + record.env.size()) * sizeof(std::string_view) +
                  record.auxv.size() * sizeof(linux_abi::AuxEntry);
    for (auto s : record.argv) bytes += s.size();
    for (auto s : record.env) bytes += s.size();
    auto* block = new (std::nothrow) u8[bytes ? bytes : 1];
    if (!block) return Error(ENOMEM);
    auto* views = reinterpret_cast<std::string_view*>(block);
    auto* auxv = reinterpret_cast<linux_abi::AuxEntry*>(views + record.argv.size() + record.env.size());
    char* text = reinterpret_cast<char*>(auxv + record.auxv.size());
    usize i = 0;
    for (auto list : {record.argv, record.env}) {
        for (auto s : list) {
            memcpy(text, s.data(), s.size());
            views[i++] = {text, s.size()};
            text += s.size();
        }
    }
    for (usize a = 0; a < record.auxv.size(); a++) auxv[a] = record.auxv[a];
    Start copy{{views, record.argv.size()}, {views + record.argv.size(), record.env.size()}, {auxv, record.auxv.size()},
               record.stack};
    u8* old;
    {
        MutexLocker lock(image_lock);
        old = static_cast<u8*>(m_start_storage);
        m_start_storage = block;
        start = copy;
    }
    delete[] old;
    return {};
}

void Process::vfork_mark(int pid) {
    IrqSpinLockGuard guard(g_table_lock);
    m_vfork_child = pid;
}

void Process::vfork_wait(int pid) {
    (void)g_vfork_waiters.wait_until([&] { return __atomic_load_n(&m_vfork_child, __ATOMIC_ACQUIRE) != pid; });
}

void Process::vfork_release() {
    bool released = false;
    {
        IrqSpinLockGuard guard(g_table_lock);
        if (m_parent && m_parent->m_vfork_child == m_pid) {
            __atomic_store_n(&m_parent->m_vfork_child, 0, __ATOMIC_RELEASE);
            released = true;
        }
    }
    if (released) g_vfork_waiters.wake_all();
}

AddressSpace* Process::replace_memory(AddressSpace* memory) {
    // The lock also keeps interrupts off while the thread's table and CR3 disagree.
    IrqSpinLockGuard guard(m_resources_lock);
    AddressSpace* old = m_memory;
    m_memory = memory;
    current_thread()->m_page_table = &memory->page_table();
    memory->page_table().activate();
    return old;
}

void Process::kill_other_threads_for_exec() {
    if (thread_count() <= 1) return;
    {
        IrqSpinLockGuard guard(g_table_lock);
        m_exec_tid = current_tid();
    }
    kill_other_threads();
    // They leave on their way back to user mode; a blocked one is woken by the signal.
    while (thread_count() > 1) sched::sleep_ns(1'000'000);
    IrqSpinLockGuard guard(g_table_lock);
    m_exec_tid = 0;
}

int Process::ppid() {
    IrqSpinLockGuard guard(g_table_lock);
    return m_parent ? m_parent->m_pid : 0;
}

int Process::pgid() {
    IrqSpinLockGuard guard(g_table_lock);
    return m_pgid;
}

int Process::sid() {
    IrqSpinLockGuard guard(g_table_lock);
    return m_sid;
}

Result<int> Process::pgid_of(int pid) {
    IrqSpinLockGuard guard(g_table_lock);
    Process* p = find_locked(pid);
    if (!p) return Error(ESRCH);
    return p->m_pgid;
}

Result<int> Process::sid_of(int pid) {
    IrqSpinLockGuard guard(g_table_lock);
    Process* p = find_locked(pid);
    if (!p) return Error(ESRCH);
    return p->m_sid;
}

Result<void> Process::set_pgid(int pid, int pgid) {
    Process& caller = current();
    if (pgid < 0) return Error(EINVAL);
    IrqSpinLockGuard guard(g_table_lock);
    Process* target = pid == 0 ? &caller : find_locked(pid);
    if (!target || (target != &caller && target->m_parent != &caller)) return Error(ESRCH);
    if (target->m_sid != caller.m_sid) return Error(EPERM);
    if (target->m_pid == target->m_sid) return Error(EPERM);  // a session leader stays put
    if (pgid == 0) pgid = target->m_pid;
    if (pgid != target->m_pid) {
        // Joining a group: it must exist in the caller's session.
        bool exists = false;
        all().for_each([&](Process& p) {
            exists = exists || (p.m_state != State::Zombie && p.m_pgid == pgid && p.m_sid == caller.m_sid);
        });
        if (!exists) return Error(EPERM);
    }
    target->m_pgid = pgid;
    return {};
}

Result<int> Process::set_sid() {
    IrqSpinLockGuard guard(g_table_lock);
    bool leads_group = m_pgid == m_pid;
    all().for_each([&](Process& p) { leads_group = leads_group || (&p != this && p.m_pgid == m_pid); });
    if (leads_group) return Error(EPERM);
    m_sid = m_pgid = m_pid;
    return m_pid;
}

ResourceLimit Process::limit(int resource) {
    IrqSpinLockGuard guard(limits_lock);
    return limits.values[resource];
}

Result<ResourceLimit> Process::exchange_limit(int resource, const ResourceLimit* updated, bool may_raise_hard) {
    IrqSpinLockGuard guard(limits_lock);
    ResourceLimit old = limits.values[resource];
    if (!updated) return old;
    if (updated->hard > old.hard && !may_raise_hard) return Error(EPERM);
    limits.values[resource] = *updated;
    if (resource == RLIMIT_NOFILE) {
        // m_fds is gone (nullptr, under the resources lock) once the process has started to end.
        IrqSpinLockGuard resources(m_resources_lock);
        if (m_fds) m_fds->set_limit(updated->soft);
    }
    return old;
}

bool Process::over_task_limit_locked(Process& caller) {
    u32 uid = caller.cred.ruid;
    if (uid == 0 || caller.cred.euid == 0) return false;
    u64 allowed = caller.limit(RLIMIT_NPROC).soft;
    u64 tasks = 0;
    all().for_each([&](Process& p) {
        if (p.cred.ruid != uid) return;
        usize threads = p.thread_count();
        tasks += threads ? threads : 1;  // a zombie (or one ending) is one task until reaped
    });
    return tasks >= allowed;
}

Result<void> Process::check_task_limit() {
    IrqSpinLockGuard guard(g_table_lock);
    if (over_task_limit_locked(*this)) return Error(EAGAIN);
    return {};
}

int Process::allocate_tid() {
    IrqSpinLockGuard guard(g_table_lock);
    return allocate_id_locked();
}

void Process::release_tid(int tid) {
    if (tid == m_pid || tid <= 0) return;  // the pid goes when the process is reaped
    IrqSpinLockGuard guard(g_table_lock);
    mark_id(tid, false);
}

void Process::add_thread(UserContext& user) {
    IrqSpinLockGuard signal_guard(signal_lock);
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.push_back(user);
}

bool Process::remove_thread(UserContext& user) {
    IrqSpinLockGuard signal_guard(signal_lock);
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.remove(user);
    return m_threads.empty();
}

void Process::forget_thread(UserContext& user) {
    IrqSpinLockGuard signal_guard(signal_lock);
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.remove(user);
}

usize Process::thread_count() {
    IrqSpinLockGuard guard(m_threads_lock);
    return m_threads.size();
}

UserContext* Process::find_thread(int tid) {
    IrqSpinLockGuard guard(m_threads_lock);
    UserContext* found = nullptr;
    m_threads.for_each([&](UserContext& u) {
        if (u.tid == tid) found = &u;
    });
    return found;
}

Result<u64> Process::thread_affinity(int tid, std::optional<u64> mask) {
    u64 affinity;
    bool moves_self = false;
    {
        // Under the threads' lock the thread cannot leave the process (remove_thread
        // takes it).
        IrqSpinLockGuard guard(m_threads_lock);
        Thread* thread = nullptr;
        m_threads.for_each([&](UserContext& u) {
            if (u.tid == tid) thread = u.thread;
        });
        if (!thread) return Error(ESRCH);
        if (mask) TRY(sched::set_affinity(thread, *mask));
        affinity = sched::affinity(thread);
        moves_self = mask && thread == current_thread() && !(affinity & (1ull << this_cpu()->id));
    }
    if (moves_self) sched::yield();  // to an allowed CPU, now that no lock is held
    return affinity;
}

UserContext* Process::find_thread_accepting(u64 mask) {
    IrqSpinLockGuard guard(m_threads_lock);
    // A thread waiting for the signal in sigtimedwait takes it first, as on Linux (where it
    // would find it in the shared pending set).
    UserContext* found = nullptr;
    m_threads.for_each([&](UserContext& u) {
        if (!found && (u.waiting_for & mask)) found = &u;
    });
    m_threads.for_each([&](UserContext& u) {
        if (!found && !(u.blocked & mask)) found = &u;
    });
    return found ? found : m_threads.front();
}

void Process::for_each_thread(void (*visit)(UserContext& user, void* context), void* context) {
    IrqSpinLockGuard guard(m_threads_lock);
    m_threads.for_each([&](UserContext& u) { visit(u, context); });
}

Result<WaitResult> Process::wait_child(const WaitMatch& match, const WaitOptions& options) {
    auto matches = [&](const Process& child) {
        switch (match.kind) {
            case WaitMatch::Kind::Any: return true;
            case WaitMatch::Kind::Pid: return child.m_pid == match.id;
            case WaitMatch::Kind::Group: return child.m_pgid == match.id;
        }
        return false;
    };
    for (;;) {
        u64 seen;
        bool any = false;
        Process* found = nullptr;
        WaitResult result;
        {
            IrqSpinLockGuard guard(g_table_lock);
            seen = m_child_events;
            // The first child in order with something to report, as Linux looks.
            m_children.for_each([&](Process& child) {
                if (found || !matches(child)) return;
                any = true;
                if (child.m_state == State::Zombie) {
                    if (!options.exited) return;
                    found = &child;
                    result = {found->m_pid, found->cred.ruid, WaitResult::Event::Exited, found->m_exit, 0};
                    return;
                }
                if (!options.stopped && !options.continued) return;
                IrqSpinLockGuard signal_guard(child.signal_lock);
                if (options.stopped && child.m_stop_report) {
                    result = {child.m_pid, child.cred.ruid, WaitResult::Event::Stopped, {}, child.m_stop_report};
                    if (!options.keep) child.m_stop_report = 0;
                } else if (options.continued && child.m_continue_report) {
                    result = {child.m_pid, child.cred.ruid, WaitResult::Event::Continued, {}, 0};
                    if (!options.keep) child.m_continue_report = false;
                } else {
                    return;
                }
                found = &child;
            });
            if (found && result.event != WaitResult::Event::Exited) return result;
            if (found && !options.keep) {
                m_children.remove(*found);
                all().remove(*found);
                g_process_count--;
            }
        }
        if (found) {
            if (!options.keep) destroy(found);
            return result;
        }
        if (!any) return Error(ECHILD);
        if (options.no_hang) return WaitResult{};
        TRY(m_child_waiters.wait_interruptible([&] { return __atomic_load_n(&m_child_events, __ATOMIC_ACQUIRE) != seen; }));
    }
}

void Process::tell_parent_of_job_change(int code, int status) {
    IrqSpinLockGuard guard(g_table_lock);
    Process* parent = m_parent;
    if (!parent || m_state != State::Running) return;
    __atomic_add_fetch(&parent->m_child_events, 1, __ATOMIC_RELEASE);
    parent->m_child_waiters.wake_all();
    bool quiet;
    {
        IrqSpinLockGuard signal_guard(parent->signal_lock);
        quiet = parent->actions[linux_abi::SIGCHLD].flags & linux_abi::SA_NOCLDSTOP;
    }
    if (quiet || !g_signal_sender) return;
    // Always SIGCHLD, whatever the exit signal, as on Linux.
    SigInfo info{};
    info.si_signo = linux_abi::SIGCHLD;
    info.si_code = code;
    info.child.pid = m_pid;
    info.child.uid = cred.ruid;
    info.child.status = status;
    g_signal_sender(*parent, 0, info);
}

[[noreturn]] void Process::exit_group(int status) { end({false, status & 0xff}); }

[[noreturn]] void Process::end(ExitStatus status) {
    if (m_pid == 1) {
        // The application osprey started: its end is the VM's. The disks are left clean
        // first (their journals stopped, as at an unmount).
        fs::stop_volumes();
        if (status.signaled) {
            klog::info("application killed by signal {}", linux_abi::signal_name(status.code));
            power::shutdown({protocol::ExitReason::Signaled, static_cast<u8>(status.code)});
        }
        klog::info("application exited with status {}", status.code);
        power::shutdown({protocol::ExitReason::Exited, static_cast<u8>(status.code)});
    }
    bool first = false;
    {
        IrqSpinLockGuard guard(g_table_lock);
        // A thread killed by another thread's execve ends alone; the process lives on.
        bool for_exec = m_exec_tid && m_exec_tid != current_tid();
        if (!for_exec && m_state == State::Running) {
            first = true;
            m_state = State::Exiting;
            m_exit = status;
        }
    }
    // The other threads are killed; the last one out finishes the process.
    if (first) kill_other_threads();
    exit_current_thread(status.code);
}

void Process::kill_other_threads() {
    if (g_signal_sender) {
        struct Batch {
            int self;
            int count;
            int tids[32];
        };
        constexpr u64 kKill = 1ull << (linux_abi::SIGKILL - 1);
        for (;;) {
            Batch batch{current_tid(), 0, {}};
            for_each_thread(
                [](UserContext& u, void* context) {
                    auto& b = *static_cast<Batch*>(context);
                    if (u.tid != b.self && !(u.pending & kKill) && b.count < 32) b.tids[b.count++] = u.tid;
                },
                &batch);
            if (batch.count == 0) break;
            SigInfo kill{};
            kill.si_signo = linux_abi::SIGKILL;
            kill.si_code = linux_abi::SI_KERNEL;
            for (int i = 0; i < batch.count; i++) g_signal_sender(*this, batch.tids[i], kill);
        }
    }
}

void Process::finish(int status) {
    ExitStatus final;
    {
        IrqSpinLockGuard guard(g_table_lock);
        final = m_state == State::Exiting ? m_exit : ExitStatus{false, status & 0xff};
        m_state = State::Exiting;
        m_exit = final;
    }
    if (m_pid == 1) end(final);
    // What the process holds goes now; only its exit status waits for the parent.
    delete extension;
    extension = nullptr;
    m_fds->close_range(0, FdTable::kMaxDescriptors - 1);
    FdTable* fds;
    AddressSpace* memory;
    {
        IrqSpinLockGuard guard(m_resources_lock);
        fds = std::exchange(m_fds, nullptr);
        memory = std::exchange(m_memory, nullptr);
    }
    delete fds;
    {
        MutexLocker lock(fs_lock);
        cwd = nullptr;
    }
    vfork_release();
    // This thread already runs on the kernel's table (exit_current_thread), so the last
    // user's release may free it.
    AddressSpace::release(memory);

    // The parent is told under the table's lock: once it is released, the parent may reap
    // this process (and be reaped itself) at any moment.
    bool reap_now;
    {
        IrqSpinLockGuard guard(g_table_lock);
        m_state = State::Zombie;
        // Orphans go to pid 1, which may wait for them.
        bool orphan_zombies = false;
        while (Process* child = m_children.front()) {
            m_children.remove(*child);
            child->m_parent = g_first;
            g_first->m_children.push_back(*child);
            orphan_zombies = orphan_zombies || child->m_state == State::Zombie;
            int death_signal = __atomic_load_n(&child->parent_death_signal, __ATOMIC_RELAXED);
            if (death_signal && child->m_state == State::Running && g_signal_sender) {
                // As Linux sends it: from the parent, as if by kill(2).
                SigInfo info{};
                info.si_signo = death_signal;
                info.si_code = linux_abi::SI_USER;
                info.kill.pid = m_pid;
                info.kill.uid = cred.ruid;
                g_signal_sender(*child, 0, info);
            }
        }
        if (orphan_zombies) {
            __atomic_add_fetch(&g_first->m_child_events, 1, __ATOMIC_RELEASE);
            g_first->m_child_waiters.wake_all();
        }
        Process* parent = m_parent;
        // A parent that ignores SIGCHLD (or asked SA_NOCLDWAIT) never waits: no zombie.
        {
            IrqSpinLockGuard signal_guard(parent->signal_lock);
            const KernelSigaction& chld = parent->actions[linux_abi::SIGCHLD];
            reap_now = chld.handler == linux_abi::SIG_IGN || (chld.flags & linux_abi::SA_NOCLDWAIT);
        }
        if (reap_now) {
            parent->m_children.remove(*this);
            all().remove(*this);
            g_process_count--;
        }
        // A waiting parent looks again (a reaped child may have been its last: ECHILD).
        __atomic_add_fetch(&parent->m_child_events, 1, __ATOMIC_RELEASE);
        parent->m_child_waiters.wake_all();
        if (!reap_now && exit_signal && g_signal_sender) {
            SigInfo info{};
            info.si_signo = exit_signal;
            info.si_code = final.signaled ? linux_abi::CLD_KILLED : linux_abi::CLD_EXITED;
            info.child.pid = m_pid;
            info.child.uid = cred.ruid;
            info.child.status = final.code;
            g_signal_sender(*parent, 0, info);
        }
        // This thread is about to go; from now on it belongs to no process (a reaped one
        // would be gone under it).
        current_thread()->m_user->process = nullptr;
    }
    if (reap_now) destroy(this);
}

namespace {

// A few frames of the application's own stack, through its frame pointers when it keeps
// them; reading stops at the first address that is not mapped.
void print_user_frames(text::Sink& out, u64 rbp) {
    for (int depth = 0; depth < 8 && rbp; depth++) {
        u64 frame[2];
        if (user_memory::copy_from(frame, rbp, sizeof frame).is_error() || frame[1] == 0) return;
        text::format_to(out, "  #{} {:#018x}\n", depth + 1, frame[1]);
        if (frame[0] <= rbp) return;  // frames go up the stack
        rbp = frame[0];
    }
}

}  // namespace

[[noreturn]] void Process::killed_by_signal(int sig, u64 fault_address) {
    if (m_pid != 1) {
        // As on Linux, only the parent learns of it (the wait status); the log says so.
        klog::info("pid {} ({}) killed by signal {}", m_pid, exe_path, linux_abi::signal_name(sig));
        end({true, sig});
    }
    // Like the report a shell and the kernel log give on Linux, on the program's stderr.
    console::StderrSink err;
    UserContext* user = current_thread()->m_user;
    text::format_to(err, "osprey: {} (pid {}, tid {}) killed by signal {} ({})", exe_path, pid(), user ? user->tid : 0,
                    sig, linux_abi::signal_name(sig));
    if (sig == linux_abi::SIGSEGV || sig == linux_abi::SIGBUS) text::format_to(err, " at address {:#x}", fault_address);
    text::format_to(err, "\n");
    if (user && user->frame) {
        const TrapFrame& f = *user->frame;
        text::format_to(err, "  rip {:#018x} rsp {:#018x} rbp {:#018x} rflags {:#x}\n", f.rip, f.rsp, f.rbp, f.rflags);
        text::format_to(err, "  rax {:#018x} rbx {:#018x} rcx {:#018x} rdx {:#018x}\n", f.rax, f.rbx, f.rcx, f.rdx);
        text::format_to(err, "  rsi {:#018x} rdi {:#018x} r8  {:#018x} r9  {:#018x}\n", f.rsi, f.rdi, f.r8, f.r9);
        text::format_to(err, "  r10 {:#018x} r11 {:#018x} r12 {:#018x} r13 {:#018x}\n", f.r10, f.r11, f.r12, f.r13);
        text::format_to(err, "  r14 {:#018x} r15 {:#018x}\n", f.r14, f.r15);
        text::format_to(err, "  #0 {:#018x}\n", f.rip);
        print_user_frames(err, f.rbp);
    }
    end({true, sig});
}

int current_tid() {
    Thread* t = current_thread();
    return t && t->m_user ? t->m_user->tid : 0;
}

fs::NewInodeOwner Process::new_inode_owner(const fs::Inode& parent, bool directory, u32 permissions) {
    // Under cred_lock: setgroups frees the array it replaces.
    IrqSpinLockGuard guard(cred_lock);
    fs::Creator creator{cred.fsuid, cred.fsgid, {cred.groups, cred.group_count}};
    return fs::new_inode_owner(parent.m_permissions, parent.m_gid, directory, permissions, creator);
}

}  // namespace proc
