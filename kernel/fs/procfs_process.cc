#include "fs/procfs_render.h"

#include <cstring>
#include <new>

#include "drivers/console/console.h"
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/procfs.h"
#include "fs/synthetic.h"
#include "fs/vfs.h"
#include "mm/address_space.h"
#include "mm/heap.h"
#include "mm/vma_set.h"
#include "proc/process.h"
#include "sched/clock.h"
#include "text/proc_format.h"

namespace procfs {

namespace {

using proc::Process;
using text::Sink;

constexpr u64 kPage = 4096;
constexpr u64 kProcessUserHz = 100;  // the clock ticks of /proc/<pid>/stat's times
constexpr usize kFirstMountId = 21;  // mountinfo's first mount id

// A heap buffer of kPathMax bytes for the length of a scope (kernel stacks are small).
class PathBuffer {
public:
    PathBuffer() {
        auto allocated = heap::allocate(fs::kPathMax, 1);
        m_data = allocated.is_ok() ? static_cast<char*>(allocated.value()) : nullptr;
    }
    ~PathBuffer() { heap::free(m_data); }
    char* data() { return m_data; }

private:
    char* m_data;
};

// A reference to a process's memory for the length of a scope; empty once it has ended.
class MemoryRef {
public:
    explicit MemoryRef(Process& process) : m_memory(process.retain_memory()) {}
    ~MemoryRef() { mm::AddressSpace::release(m_memory); }
    MemoryRef(const MemoryRef&) = delete;
    MemoryRef& operator=(const MemoryRef&) = delete;
    explicit operator bool() const { return m_memory != nullptr; }
    mm::AddressSpace* operator->() const { return m_memory; }

private:
    mm::AddressSpace* m_memory;
};

// The name /proc shows (comm): the program's file name, at most 15 bytes, copied under
// the image lock (an execve may replace the path meanwhile).
struct Comm {
    char text[16];
    usize length = 0;
    std::string_view view() const { return {text, length}; }
};

Comm comm_of(Process& p) {
    Comm comm;
    MutexLocker lock(p.image_lock);
    std::string_view name = text::proc::comm_of(p.exe_path);
    comm.length = name.size() < sizeof comm.text ? name.size() : sizeof comm.text - 1;
    memcpy(comm.text, name.data(), comm.length);
    return comm;
}

// Figures of the address space for status, stat and statm (all 0 without memory).
struct MemoryFigures {
    u64 size = 0, data = 0, stack = 0, exe = 0;
    u64 start_code = 0, end_code = 0, start_data = 0, end_data = 0, start_brk = 0;
    u64 resident_pages = 0;
};

MemoryFigures memory_figures(MemoryRef& memory) {
    MemoryFigures m;
    if (!memory) return m;
    memory->for_each_area([&](const mm::AddressSpace::AreaView& a) {
        u64 length = a.end - a.start;
        m.size += length;
        if (a.tag == mm::kTagStack) {
            m.stack += length;
        } else if (a.tag == mm::kTagImage && (a.prot & mm::kProtExec)) {
            m.exe += length;
            if (!m.start_code) m.start_code = a.start;
            m.end_code = a.end;
        } else if ((a.prot & mm::kProtWrite) && !(a.flags & mm::kVmaShared)) {
            m.data += length;
        }
        if (a.tag == mm::kTagImage && (a.prot & mm::kProtWrite)) {
            if (!m.start_data) m.start_data = a.start;
            m.end_data = a.end;
        }
        if (a.tag == mm::kTagHeap && !m.start_brk) m.start_brk = a.start;
    });
    if (!m.start_brk) m.start_brk = m.end_data;
    m.resident_pages = memory->resident_pages();
    return m;
}

struct SignalFigures {
    u64 pending = 0, blocked = 0, ignored = 0, caught = 0;
};

SignalFigures signal_figures(Process& p, int tid) {
    SignalFigures s;
    IrqSpinLockGuard guard(p.signal_lock);
    for (int sig = 1; sig <= linux_abi::kSignalCount; sig++) {
        u64 handler = p.actions[sig].handler;
        if (handler == linux_abi::SIG_IGN)
            s.ignored |= 1ull << (sig - 1);
        else if (handler != linux_abi::SIG_DFL)
            s.caught |= 1ull << (sig - 1);
    }
    if (proc::UserContext* user = p.find_thread(tid)) {
        s.pending = user->pending;
        s.blocked = user->blocked;
    }
    return s;
}

bool stdin_is_terminal() {
    RefPtr<fs::File> in = console::file(console::Stream::In);
    fs::Stat st;
    return in && in->stat(st).is_ok() && st.st_rdev == text::proc::encode_dev(136, 0);
}

// The state of thread tid with the process's relations: ESRCH once either is gone.
struct ThreadView {
    proc::Relations relations;
    char state;
};

Result<ThreadView> view_thread(Process& p, int tid) {
    ThreadView view{TRY(p.relations()), p.thread_state(tid)};
    // The process's own files outlive its first thread (pthread_exit in main): another
    // thread's state stands for it then.
    if (!view.state && tid == p.pid()) view.state = p.thread_state(p.next_tid(0));
    if (!view.state) return Error(ESRCH);
    return view;
}

const char* state_name(char state) {
    switch (state) {
        case 'R': return "R (running)";
        case 'T': return "T (stopped)";
        case 'Z': return "Z (zombie)";
        case 'X': return "X (dead)";
        default: return "S (sleeping)";
    }
}

void render_strings(Sink& out, std::span<const std::string_view> strings) {
    for (std::string_view s : strings) {
        out.write(s);
        out.write({"", 1});
    }
}

// argv or envp as the process started with them; nothing for a zombie (no memory left).
Result<void> render_start_strings(Sink& out, Process& p, bool environment) {
    if (TRY(p.relations()).zombie) return {};
    MutexLocker lock(p.image_lock);
    render_strings(out, environment ? p.start.env : p.start.argv);
    return {};
}

// One area of the address space as render_maps prints it, taken under the address-space
// lock and printed after it is released: naming a file takes inode locks, which a thread
// faulting on a file's page takes under the address-space lock already.
struct MapsArea {
    mm::AddressSpace::AreaView view;
    RefPtr<fs::Dentry> file;
    const char* label;
};

}  // namespace

bool may_inspect(Process& target) {
    Process& caller = Process::current();
    if (&caller == &target) return true;
    const Process::Credentials& c = caller.cred;
    const Process::Credentials& t = target.cred;
    if (c.euid == 0) return true;
    return c.fsuid == t.ruid && c.fsuid == t.euid && c.fsuid == t.suid && c.fsgid == t.rgid && c.fsgid == t.egid &&
           c.fsgid == t.sgid;
}

// ---- links ----

Result<void> render_exe(Sink& out, Process& p, int) {
    if (TRY(p.relations()).zombie) return Error(ENOENT);
    PathBuffer exe, path;
    if (!exe.data() || !path.data()) return Error(ENOMEM);
    {
        MutexLocker lock(p.image_lock);
        usize n = strlen(p.exe_path);
        if (n >= fs::kPathMax) n = fs::kPathMax - 1;
        memcpy(exe.data(), p.exe_path, n);
        exe.data()[n] = '\0';
    }
    // The canonical path, as Linux prints it (/usr/bin/cat for /bin/cat when /bin links to
    // usr/bin); exe_path keeps the path the program was started by.
    RefPtr<fs::Dentry> name;
    if (fs::resolve(*fs::root(), exe.data(), true, &name).is_ok() && name) {
        if (auto length = fs::path_of(*name, path.data(), fs::kPathMax); length.is_ok()) {
            out.write({path.data(), length.value()});
            return {};
        }
    }
    out.write(exe.data());
    return {};
}

Result<void> render_cwd(Sink& out, Process& p, int) {
    RefPtr<fs::Inode> cwd = p.working_directory();
    if (!cwd) return Error(ENOENT);  // ended
    PathBuffer path;
    if (!path.data()) return Error(ENOMEM);
    auto length = fs::synthetic::path_of(*cwd, path.data(), fs::kPathMax);
    if (length.is_error()) length = fs::path_of_directory(*cwd, path.data(), fs::kPathMax);
    if (length.is_error()) return Error(length.error());
    out.write({path.data(), length.value()});
    return {};
}

Result<void> render_root(Sink& out, Process& p, int) {
    if (TRY(p.relations()).zombie) return Error(ENOENT);
    out.write("/");
    return {};
}

Result<void> render_fd_target(Sink& out, Process& p, int fd) {
    auto file = p.file(fd);
    if (file.is_error()) return Error(ENOENT);
    describe_file(out, *file.value());
    return {};
}

// ---- files ----

Result<void> render_cmdline(Sink& out, Process& p, int) { return render_start_strings(out, p, false); }
Result<void> render_environ(Sink& out, Process& p, int) { return render_start_strings(out, p, true); }

Result<void> render_auxv(Sink& out, Process& p, int) {
    if (TRY(p.relations()).zombie) return {};
    MutexLocker lock(p.image_lock);
    for (const auto& entry : p.start.auxv) out.write({reinterpret_cast<const char*>(&entry), sizeof entry});
    return {};
}

Result<void> render_fdinfo(Sink& out, Process& p, int fd) {
    auto file = p.file(fd);
    if (file.is_error()) return Error(ENOENT);
    bool cloexec = p.cloexec(fd).value_or(false);
    u64 position = 0, ino = 0, mount_id = 0;
    if (fs::InodeFile* inode_file = file.value()->inode_file()) {
        // Read without the offset lock: the reader may be this very descriptor's file.
        position = __atomic_load_n(&inode_file->m_offset, __ATOMIC_RELAXED);
        fs::MountInfo mounts[32];
        usize count = fs::mounts(mounts, 32);
        for (usize i = 0; i < count; i++)
            if (mounts[i].filesystem == &inode_file->inode().filesystem()) mount_id = kFirstMountId + i;
    }
    fs::Stat st{};
    if (file.value()->stat(st).is_ok()) ino = st.st_ino;
    u32 flags = file.value()->status_flags() | (cloexec ? fs::O_CLOEXEC : 0);
    text::format_to(out, "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n", position, flags, mount_id, ino);
    return {};
}

Result<void> render_maps(Sink& out, Process& p, int) {
    TRY(p.relations());
    MemoryRef memory(p);
    if (!memory) return {};
    // The areas, counted, then copied (once more if some were added in between).
    MapsArea* areas = nullptr;
    usize count = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        usize total = 0;
        memory->for_each_area([&](const mm::AddressSpace::AreaView&) { total++; });
        usize capacity = total + 16;
        areas = new (std::nothrow) MapsArea[capacity];
        if (!areas) return Error(ENOMEM);
        count = 0;
        bool overflow = false;
        memory->for_each_area([&](const mm::AddressSpace::AreaView& a) {
            if (count == capacity) {
                overflow = true;
                return;
            }
            const mm::Backing* backing = a.backing;
            areas[count++] = {a, backing ? RefPtr<fs::Dentry>(backing->dentry()) : nullptr,
                              backing ? backing->path() : ""};
        });
        if (!overflow) break;
        delete[] areas;
        areas = nullptr;
    }
    if (!areas) return Error(ENOMEM);
    PathBuffer path;
    for (usize i = 0; i < count; i++) {
        const auto& a = areas[i].view;
        text::proc::MapsLine line;
        line.start = a.start;
        line.end = a.end;
        line.prot = a.prot;
        line.shared = a.flags & mm::kVmaShared;
        line.offset = a.offset;
        const fs::Dentry* file = areas[i].file.get();
        if (a.tag == mm::kTagHeap) {
            line.path = "[heap]";
        } else if (a.tag == mm::kTagStack) {
            line.path = "[stack]";
        } else if (a.tag == mm::kTagVdso) {
            line.path = "[vdso]";
            line.offset = 0;
        } else if (a.tag == mm::kTagVvar) {
            line.path = "[vvar]";
            line.offset = 0;
        } else if (file) {
            // The file's device and inode, and the path it was opened by (canonical).
            fs::Stat st;
            if (file->inode().stat(st).is_ok()) {
                line.dev_major = static_cast<u32>(st.st_dev >> 8) & 0xfff;
                line.dev_minor = static_cast<u32>(st.st_dev & 0xff);
                line.inode = st.st_ino;
            }
            if (path.data())
                if (auto length = fs::path_of(*file, path.data(), fs::kPathMax); length.is_ok())
                    line.path = {path.data(), length.value()};
        } else {
            line.path = areas[i].label;
        }
        text::proc::format_maps_line(out, line);
    }
    delete[] areas;
    return {};
}

Result<void> render_status(Sink& out, Process& p, int tid) {
    ThreadView view = TRY(view_thread(p, tid));
    MemoryRef memory(p);
    MemoryFigures m = memory_figures(memory);
    SignalFigures s = signal_figures(p, tid);
    text::format_to(out, "Name:\t{}\n", comm_of(p).view());
    if (!view.relations.zombie) {
        MutexLocker lock(p.fs_lock);
        u32 umask = p.umask;
        text::format_to(out, "Umask:\t0{}{}{}\n", (umask >> 6) & 7, (umask >> 3) & 7, umask & 7);
    }
    text::format_to(out, "State:\t{}\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\nTracerPid:\t0\n",
                    state_name(view.state), p.pid(), tid, view.relations.ppid);
    const auto& c = p.cred;
    text::format_to(out, "Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\n", c.ruid, c.euid, c.suid, c.fsuid, c.rgid, c.egid,
                    c.sgid, c.fsgid);
    text::format_to(out, "FDSize:\t{}\nGroups:\t", view.relations.zombie ? 0 : fs::FdTable::kMaxDescriptors);
    {
        IrqSpinLockGuard guard(p.cred_lock);
        for (usize i = 0; i < c.group_count; i++) text::format_to(out, "{} ", c.groups[i]);
    }
    text::format_to(out, "\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t{}\nNSsid:\t{}\n", p.pid(), tid, view.relations.pgid,
                    view.relations.sid);
    if (memory) {
        using text::proc::format_status_kb;
        u64 size_kb = m.size / 1024, rss_kb = m.resident_pages * (kPage / 1024);
        format_status_kb(out, "VmPeak", size_kb);
        format_status_kb(out, "VmSize", size_kb);
        format_status_kb(out, "VmLck", 0);
        format_status_kb(out, "VmPin", 0);
        format_status_kb(out, "VmHWM", rss_kb);
        format_status_kb(out, "VmRSS", rss_kb);
        format_status_kb(out, "RssAnon", rss_kb);
        format_status_kb(out, "RssFile", 0);
        format_status_kb(out, "RssShmem", 0);
        format_status_kb(out, "VmData", m.data / 1024);
        format_status_kb(out, "VmStk", m.stack / 1024);
        format_status_kb(out, "VmExe", m.exe / 1024);
        format_status_kb(out, "VmLib", 0);
        format_status_kb(out, "VmPTE", 0);
        format_status_kb(out, "VmSwap", 0);
        format_status_kb(out, "HugetlbPages", 0);
        out.write("CoreDumping:\t0\nTHP_enabled:\t0\n");
    }
    // A zombie still counts its one thread, as on Linux (until it is reaped).
    usize threads = view.relations.zombie ? 1 : p.thread_count();
    text::format_to(out, "Threads:\t{}\nSigQ:\t0/{}\n", threads, 31457);
    text::format_to(out, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n",
                    s.pending, 0u, s.blocked, s.ignored, s.caught);
    // Capabilities: all of them (cap_last_cap 40) for root, as Linux gives uid 0.
    u64 caps = p.cred.euid == 0 ? (1ull << 41) - 1 : 0;
    text::format_to(out, "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}\n",
                    0u, caps, caps, (1ull << 41) - 1, 0u);
    out.write("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
              "Speculation_Store_Bypass:\tthread vulnerable\nSpeculationIndirectBranch:\tconditional enabled\n"
              "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
              "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
    return {};
}

Result<void> render_stat(Sink& out, Process& p, int tid) {
    ThreadView view = TRY(view_thread(p, tid));
    MemoryRef memory(p);
    MemoryFigures m = memory_figures(memory);
    SignalFigures s = signal_figures(p, tid);
    linux_abi::StackLayout stack{};
    {
        MutexLocker lock(p.image_lock);
        stack = p.start.stack;
    }
    // Linux shows the addresses only to those who may inspect the process (startcode and
    // endcode then read 1), and none without memory.
    bool permitted = may_inspect(p);
    bool show = memory && permitted;
    bool tty = stdin_is_terminal();
    const proc::Relations& r = view.relations;
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    text::format_to(out, "{} ({}) {} {} {} {} {} {} 4194560 0 0 0 0 ", tid, comm_of(p).view(), view.state, r.ppid,
                    r.pgid, r.sid, tty ? text::proc::encode_dev(136, 0) : 0u, tty ? 1 : -1);
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss rsslim
    // FIXME: no per-thread CPU time is kept yet; utime and stime read 0.
    usize threads = r.zombie ? 1 : p.thread_count();
    text::format_to(out, "0 0 0 0 20 0 {} 0 {} {} {} 18446744073709551615 ", threads,
                    p.start_ns / (1'000'000'000 / kProcessUserHz), m.size, m.resident_pages);
    // startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap
    // cnswap exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time
    u64 hidden = memory ? 1 : 0;
    text::format_to(out, "{} {} {} 0 0 {} {} {} {} 0 0 0 {} 0 0 0 0 0 0 ", show ? m.start_code : hidden,
                    show ? m.end_code : hidden, show ? stack.rsp : 0, s.pending & 0xffffffff, s.blocked & 0xffffffff,
                    s.ignored & 0xffffffff, s.caught & 0xffffffff, p.exit_signal);
    // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
    if (show)
        text::format_to(out, "{} {} {} {} {} {} {} ", m.start_data, m.end_data, m.start_brk, stack.arg_start,
                        stack.arg_end, stack.env_start, stack.env_end);
    else
        out.write("0 0 0 0 0 0 0 ");
    text::format_to(out, "{}\n", permitted ? r.wait_status : 0);
    return {};
}

Result<void> render_statm(Sink& out, Process& p, int) {
    TRY(p.relations());
    MemoryRef memory(p);
    MemoryFigures m = memory_figures(memory);
    text::format_to(out, "{} {} 0 {} 0 {} 0\n", m.size / kPage, m.resident_pages, m.exe / kPage,
                    (m.data + m.stack) / kPage);
    return {};
}

Result<void> render_comm(Sink& out, Process& p, int) {
    TRY(p.relations());
    text::format_to(out, "{}\n", comm_of(p).view());
    return {};
}

Result<void> render_cgroup(Sink& out, Process& p, int) {
    TRY(p.relations());
    out.write("0::/\n");
    return {};
}

Result<void> render_limits(Sink& out, Process& p, int) {
    TRY(p.relations());
    u64 soft[proc::kLimitCount], hard[proc::kLimitCount];
    for (int i = 0; i < proc::kLimitCount; i++) {
        proc::ResourceLimit limit = p.limit(i);
        soft[i] = limit.soft;
        hard[i] = limit.hard;
    }
    text::proc::format_limits(out, soft, hard);
    return {};
}

Result<void> render_oom_score_adj(Sink& out, Process& p, int) {
    TRY(p.relations());
    out.write("0\n");
    return {};
}

namespace {

const char* mount_source(const fs::Filesystem& filesystem) {
    if (const char* device = filesystem.mount_source()) return device;
    const char* type = filesystem.name();
    std::string_view t(type);
    if (t == "devtmpfs") return "udev";
    // The image in memory is the root device; as "rootfs" tools like df skip it (they
    // take that name for Linux's transient initramfs).
    if (t == "rootfs") return "/dev/root";
    return type;
}

}  // namespace

Result<void> render_mounts(Sink& out, Process&, int) {
    fs::MountInfo mounts[32];
    usize count = fs::mounts(mounts, 32);
    for (usize i = 0; i < count; i++) {
        const char* type = mounts[i].filesystem->name();
        const char* mode = mounts[i].filesystem->mounted_read_only() ? "ro" : "rw";
        text::format_to(out, "{} ", mount_source(*mounts[i].filesystem));
        text::proc::format_escaped_path(out, mounts[i].path);
        text::format_to(out, " {} {},relatime 0 0\n", type, mode);
    }
    return {};
}

Result<void> render_mountinfo(Sink& out, Process&, int) {
    fs::MountInfo mounts[32];
    usize count = fs::mounts(mounts, 32);
    for (usize i = 0; i < count; i++) {
        // The parent: the mount with the longest path that contains this one.
        std::string_view path(mounts[i].path);
        usize parent = i, best = 0;
        for (usize j = 0; j < count; j++) {
            std::string_view other(mounts[j].path);
            if (j == i || other.size() >= path.size() || path.substr(0, other.size()) != other) continue;
            if (other != "/" && path[other.size()] != '/') continue;
            if (other.size() >= best) best = other.size(), parent = j;
        }
        u64 device = mounts[i].filesystem->device();
        const char* type = mounts[i].filesystem->name();
        text::format_to(out, "{} {} {}:{} / ", kFirstMountId + i, kFirstMountId + parent, device >> 8, device & 0xff);
        text::proc::format_escaped_path(out, path);
        const char* mode = mounts[i].filesystem->mounted_read_only() ? "ro" : "rw";
        text::format_to(out, " {},relatime - {} {} {}\n", mode, type, mount_source(*mounts[i].filesystem), mode);
    }
    return {};
}

void describe_file(Sink& out, fs::File& file) {
    if (fs::InodeFile* inode_file = file.inode_file()) {
        fs::Inode& inode = inode_file->inode();
        PathBuffer path;
        if (!path.data()) return;
        auto length = fs::synthetic::path_of(inode, path.data(), fs::kPathMax);
        if (length.is_error() && inode_file->dentry())
            length = fs::path_of(*inode_file->dentry(), path.data(), fs::kPathMax);
        if (length.is_error() && inode.is_directory()) length = fs::path_of_directory(inode, path.data(), fs::kPathMax);
        if (length.is_error()) length = fs::search_path(inode, path.data(), fs::kPathMax);
        if (length.is_ok()) {
            out.write({path.data(), length.value()});
            return;
        }
        // Opened by no name the kernel kept, and found nowhere: Linux's form for a file
        // without a path of its own.
        text::format_to(out, "/{}:[{}] (deleted)", inode.filesystem().name(), inode.ino());
        return;
    }
    std::string_view kind(file.kind());
    fs::Stat st{};
    (void)file.stat(st);
    if (kind == "console") {
        if (st.st_rdev == text::proc::encode_dev(136, 0))
            out.write("/dev/pts/0");
        else
            text::format_to(out, "/dev/ttyS{}", (st.st_rdev & 0xff) - 64);
    } else if (kind == "pipe") {
        text::format_to(out, "pipe:[{}]", st.st_ino);
    } else if (kind == "socket") {
        text::format_to(out, "socket:[{}]", st.st_ino);
    } else if (kind == "epoll") {
        out.write("anon_inode:[eventpoll]");
    } else {
        text::format_to(out, "anon_inode:[{}]", kind);
    }
}

}  // namespace procfs
