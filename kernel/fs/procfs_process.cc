#include "fs/procfs_process.h"

#include <cstring>
#include <new>

#include "fs/fd_table.h"
#include "fs/procfs.h"
#include "fs/vfs.h"
#include "mm/address_space.h"
#include "drivers/console/console.h"
#include "proc/process.h"
#include "mm/heap.h"
#include "mm/vma_set.h"
#include "net/unix/table.h"
#include "sched/clock.h"
#include "text/proc_format.h"

namespace procfs {

namespace {

using fs::synthetic::Directory;
using fs::synthetic::Link;
using fs::synthetic::SyntheticFilesystem;
using fs::synthetic::TextFile;
using proc::Process;
using text::Sink;

// Inode numbers of entries made at read time, apart from the fixed ones (small numbers).
constexpr u64 kFdInoBase = 1ull << 32, kTaskInoBase = 2ull << 32, kTaskFileInoBase = 3ull << 32;
constexpr u64 kPage = 4096;

Process* process() { return Process::exists() ? &Process::current() : nullptr; }

std::string_view comm() {
    Process* p = process();
    return p ? text::proc::comm_of(p->exe_path) : std::string_view("osprey");
}

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

// Figures of the address space for status, stat and statm.
struct MemoryFigures {
    u64 size = 0, data = 0, stack = 0, exe = 0;
    u64 start_code = 0, end_code = 0, start_data = 0, end_data = 0, start_brk = 0;
    u64 resident_pages = 0;
};

MemoryFigures memory_figures(Process& p) {
    MemoryFigures m;
    p.memory().for_each_area([&](const mm::AddressSpace::AreaView& a) {
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
    m.resident_pages = p.memory().resident_pages();
    return m;
}

struct SignalFigures {
    u64 pending = 0, blocked = 0, ignored = 0, caught = 0;
    bool thread_found = false;
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
        s.thread_found = true;
    }
    return s;
}

bool thread_exists(Process& p, int tid) {
    IrqSpinLockGuard guard(p.signal_lock);
    return p.find_thread(tid) != nullptr;
}

// The next live thread ID at or after `position`.
// FIXME: Process has no way to walk its threads; this scans IDs, which are small and dense
// in practice, and stops once every thread was seen.
bool next_thread(Process& p, u64& position, int& tid_out) {
    usize total = p.thread_count(), seen = 0;
    for (int tid = 1; tid < (1 << 22) && seen < total; tid++) {
        if (!thread_exists(p, tid)) continue;
        if (static_cast<u64>(tid) >= position) {
            tid_out = tid;
            position = static_cast<u64>(tid) + 1;
            return true;
        }
        seen++;
    }
    return false;
}

bool parse_number(std::string_view name, u64& value) {
    if (name.empty() || name.size() > 9 || (name.size() > 1 && name[0] == '0')) return false;
    value = 0;
    for (char c : name) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<u64>(c - '0');
    }
    return true;
}

bool stdin_is_terminal() {
    RefPtr<fs::File> in = console::file(console::Stream::In);
    fs::Stat st;
    return in && in->stat(st).is_ok() && st.st_rdev == text::proc::encode_dev(136, 0);
}

// ---- links ----

void render_exe(Sink& out, u64) {
    Process* p = process();
    if (!p) return;
    // The canonical path, as Linux prints it (/usr/bin/cat for /bin/cat when /bin links to
    // usr/bin); exe_path keeps the path the program was started by.
    RefPtr<fs::Dentry> name;
    PathBuffer path;
    if (path.data() && fs::resolve(*fs::root(), p->exe_path, true, &name).is_ok() && name) {
        if (auto length = fs::path_of(*name, path.data(), fs::kPathMax); length.is_ok()) {
            out.write({path.data(), length.value()});
            return;
        }
    }
    out.write(p->exe_path);
}

void render_cwd(Sink& out, u64) {
    Process* p = process();
    RefPtr<fs::Inode> cwd;
    if (p) {
        MutexLocker lock(p->fs_lock);
        cwd = p->cwd;
    }
    PathBuffer path;
    if (cwd && path.data()) {
        auto length = fs::synthetic::path_of(*cwd, path.data(), fs::kPathMax);
        if (length.is_error()) length = fs::path_of_directory(*cwd, path.data(), fs::kPathMax);
        if (length.is_ok()) {
            out.write({path.data(), length.value()});
            return;
        }
    }
    out.write("/");
}

void render_root(Sink& out, u64) { out.write("/"); }

void render_fd_link(Sink& out, u64 fd) {
    Process* p = process();
    if (!p) return;
    auto file = p->fds().get(static_cast<int>(fd));
    if (file.is_ok()) describe_file(out, *file.value());
}

// ---- files ----

void render_strings(Sink& out, std::span<const std::string_view> strings) {
    for (std::string_view s : strings) {
        out.write(s);
        out.write({"", 1});
    }
}

void render_cmdline(Sink& out, u64) {
    if (Process* p = process()) render_strings(out, p->start.argv);
}
void render_environ(Sink& out, u64) {
    if (Process* p = process()) render_strings(out, p->start.env);
}

void render_auxv(Sink& out, u64) {
    Process* p = process();
    if (!p) return;
    for (const auto& entry : p->start.auxv) out.write({reinterpret_cast<const char*>(&entry), sizeof entry});
}

// One area of the address space as render_maps prints it, taken under the address-space
// lock and printed after it is released: naming a file takes inode locks, which a thread
// faulting on a file's page takes under the address-space lock already.
struct MapsArea {
    mm::AddressSpace::AreaView view;
    RefPtr<fs::Dentry> file;
    const char* label;
};

void render_maps(Sink& out, u64) {
    Process* p = process();
    if (!p) return;
    // The areas, counted, then copied (once more if some were added in between).
    MapsArea* areas = nullptr;
    usize count = 0;
    for (int attempt = 0; attempt < 4; attempt++) {
        usize total = 0;
        p->memory().for_each_area([&](const mm::AddressSpace::AreaView&) { total++; });
        usize capacity = total + 16;
        areas = new (std::nothrow) MapsArea[capacity];
        if (!areas) return;
        count = 0;
        bool overflow = false;
        p->memory().for_each_area([&](const mm::AddressSpace::AreaView& a) {
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
    if (!areas) return;
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
}

void render_status(Sink& out, u64 tid) {
    Process* p = process();
    if (!p) return;
    MemoryFigures m = memory_figures(*p);
    SignalFigures s = signal_figures(*p, static_cast<int>(tid));
    u32 umask;
    {
        MutexLocker lock(p->fs_lock);
        umask = p->umask;
    }
    bool running = static_cast<int>(tid) == proc::current_tid();
    text::format_to(out, "Name:\t{}\nUmask:\t0{}{}{}\nState:\t{}\n", comm(), (umask >> 6) & 7, (umask >> 3) & 7,
                    umask & 7, running ? "R (running)" : "S (sleeping)");
    text::format_to(out, "Tgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t0\nTracerPid:\t0\n", p->pid(), tid);
    const auto& c = p->cred;
    text::format_to(out, "Uid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\n", c.ruid, c.euid, c.suid, c.fsuid, c.rgid, c.egid,
                    c.sgid, c.fsgid);
    text::format_to(out, "FDSize:\t{}\nGroups:\t", fs::FdTable::kMaxDescriptors);
    {
        IrqSpinLockGuard guard(p->cred_lock);
        for (usize i = 0; i < c.group_count; i++) text::format_to(out, "{} ", c.groups[i]);
    }
    text::format_to(out, "\nNStgid:\t{}\nNSpid:\t{}\nNSpgid:\t1\nNSsid:\t1\n", p->pid(), tid);
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
    text::format_to(out, "CoreDumping:\t0\nTHP_enabled:\t0\nThreads:\t{}\nSigQ:\t0/{}\n", p->thread_count(), 31457);
    text::format_to(out, "SigPnd:\t{:016x}\nShdPnd:\t{:016x}\nSigBlk:\t{:016x}\nSigIgn:\t{:016x}\nSigCgt:\t{:016x}\n",
                    s.pending, 0u, s.blocked, s.ignored, s.caught);
    // Capabilities: all of them (cap_last_cap 40) for root, as Linux gives uid 0.
    u64 caps = p->cred.euid == 0 ? (1ull << 41) - 1 : 0;
    text::format_to(out, "CapInh:\t{:016x}\nCapPrm:\t{:016x}\nCapEff:\t{:016x}\nCapBnd:\t{:016x}\nCapAmb:\t{:016x}\n",
                    0u, caps, caps, (1ull << 41) - 1, 0u);
    out.write("NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
              "Speculation_Store_Bypass:\tthread vulnerable\nSpeculationIndirectBranch:\tconditional enabled\n"
              "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\nMems_allowed_list:\t0\n"
              "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

void render_stat(Sink& out, u64 tid) {
    Process* p = process();
    if (!p) return;
    MemoryFigures m = memory_figures(*p);
    SignalFigures s = signal_figures(*p, static_cast<int>(tid));
    const auto& start = p->start;
    bool running = static_cast<int>(tid) == proc::current_tid();
    bool tty = stdin_is_terminal();
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    text::format_to(out, "{} ({}) {} 0 1 1 {} {} 4194560 0 0 0 0 ", tid, comm(), running ? 'R' : 'S',
                    tty ? text::proc::encode_dev(136, 0) : 0u, tty ? 1 : -1);
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss rsslim
    // FIXME: no per-thread CPU time is kept yet; utime and stime read 0.
    text::format_to(out, "0 0 0 0 20 0 {} 0 0 {} {} 18446744073709551615 ", p->thread_count(), m.size,
                    m.resident_pages);
    // startcode endcode startstack kstkesp kstkeip signal blocked sigignore sigcatch wchan nswap
    // cnswap exit_signal processor rt_priority policy delayacct_blkio_ticks guest_time cguest_time
    text::format_to(out, "{} {} {} 0 0 {} {} {} {} 0 0 0 17 0 0 0 0 0 0 ", m.start_code, m.end_code, start.stack.rsp,
                    s.pending & 0xffffffff, s.blocked & 0xffffffff, s.ignored & 0xffffffff, s.caught & 0xffffffff);
    // start_data end_data start_brk arg_start arg_end env_start env_end exit_code
    text::format_to(out, "{} {} {} {} {} {} {} 0\n", m.start_data, m.end_data, m.start_brk, start.stack.arg_start,
                    start.stack.arg_end, start.stack.env_start, start.stack.env_end);
}

void render_statm(Sink& out, u64) {
    Process* p = process();
    if (!p) return;
    MemoryFigures m = memory_figures(*p);
    text::format_to(out, "{} {} 0 {} 0 {} 0\n", m.size / kPage, m.resident_pages, m.exe / kPage,
                    (m.data + m.stack) / kPage);
}

void render_comm(Sink& out, u64) { text::format_to(out, "{}\n", comm()); }
void render_cgroup(Sink& out, u64) { out.write("0::/\n"); }
void render_zero(Sink& out, u64) { out.write("0\n"); }

const char* mount_source(const char* type) {
    std::string_view t(type);
    if (t == "devtmpfs") return "udev";
    // The image in memory is the root device; as "rootfs" tools like df skip it (they
    // take that name for Linux's transient initramfs).
    if (t == "rootfs") return "/dev/root";
    return type;
}

void render_mounts(Sink& out, u64) {
    fs::MountInfo mounts[32];
    usize count = fs::mounts(mounts, 32);
    for (usize i = 0; i < count; i++) {
        const char* type = mounts[i].filesystem->name();
        text::format_to(out, "{} ", mount_source(type));
        text::proc::format_escaped_path(out, mounts[i].path);
        text::format_to(out, " {} rw,relatime 0 0\n", type);
    }
}

void render_mountinfo(Sink& out, u64) {
    fs::MountInfo mounts[32];
    usize count = fs::mounts(mounts, 32);
    constexpr usize kFirstId = 21;
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
        text::format_to(out, "{} {} {}:{} / ", kFirstId + i, kFirstId + parent, device >> 8, device & 0xff);
        text::proc::format_escaped_path(out, path);
        text::format_to(out, " rw,relatime - {} {} rw\n", type, mount_source(type));
    }
}

// ---- directories made at read time ----

// /proc/1/fd/N: its text names the file; a path walk through it reaches the open file
// itself (a magic link), even when the file has no name left.
class FdLink final : public Link {
public:
    FdLink(SyntheticFilesystem& filesystem, u64 fd, std::string_view name)
        : Link(filesystem, kFdInoBase + fd, name, render_fd_link, fd, nullptr), m_fd(fd) {}

    RefPtr<fs::File> magic_link() override {
        Process* p = process();
        if (!p) return nullptr;
        auto file = p->fds().get(static_cast<int>(m_fd));
        return file.is_ok() ? file.value() : nullptr;
    }

private:
    u64 m_fd;
};

// /proc/1/fd: a link per open descriptor.
class FdDirectory final : public Directory {
public:
    using Directory::Directory;

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        Process* p = process();
        u64 fd;
        if (!p || !parse_number(name, fd) || fd >= fs::FdTable::kMaxDescriptors) return Error(ENOENT);
        auto file = TRY(p->fds().get(static_cast<int>(fd)));
        auto& filesystem = static_cast<SyntheticFilesystem&>(this->filesystem());
        auto* link = new (std::nothrow) FdLink(filesystem, fd, name);
        if (!link) return Error(ENOMEM);
        auto result = RefPtr<fs::Inode>::adopt(link);
        u32 mode = file->status_flags() & fs::O_ACCMODE;
        link->m_permissions = (mode != fs::O_WRONLY ? 0500 : 0) | (mode != fs::O_RDONLY ? 0300 : 0);
        link->keep_parent(*this);
        return result;
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        Process* p = process();
        if (!p) return false;
        for (u64 fd = position; fd < fs::FdTable::kMaxDescriptors; fd++) {
            if (p->fds().get(static_cast<int>(fd)).is_error()) continue;
            out.ino = kFdInoBase + fd;
            out.type = fs::InodeType::Symlink;
            text::format_into(out.name, sizeof out.name, "{}", fd);
            position = fd + 1;
            return true;
        }
        return false;
    }
};

// /proc/1/task/<tid>: what a thread shows of itself.
struct TaskEntry {
    const char* name;
    fs::synthetic::Render render;
};
constexpr TaskEntry kTaskEntries[] = {{"comm", render_comm}, {"stat", render_stat}, {"status", render_status}};

class ThreadDirectory final : public Directory {
public:
    ThreadDirectory(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Directory& parent, u64 tid)
        : Directory(filesystem, ino, name, &parent, 0555), m_tid(tid) {
        keep_parent(parent);
    }

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        for (usize i = 0; i < sizeof kTaskEntries / sizeof kTaskEntries[0]; i++) {
            if (name != kTaskEntries[i].name) continue;
            auto& filesystem = static_cast<SyntheticFilesystem&>(this->filesystem());
            auto* file = new (std::nothrow)
                TextFile(filesystem, kTaskFileInoBase + m_tid * 8 + i, name, kTaskEntries[i].render, m_tid, 0444);
            if (!file) return Error(ENOMEM);
            auto result = RefPtr<fs::Inode>::adopt(file);
            file->keep_parent(*this);
            return result;
        }
        return Error(ENOENT);
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        if (position >= sizeof kTaskEntries / sizeof kTaskEntries[0]) return false;
        out.ino = kTaskFileInoBase + m_tid * 8 + position;
        out.type = fs::InodeType::Regular;
        text::format_into(out.name, sizeof out.name, "{}", kTaskEntries[position].name);
        position++;
        return true;
    }

private:
    u64 m_tid;
};

// /proc/1/task: a directory per thread.
class TaskDirectory final : public Directory {
public:
    using Directory::Directory;

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        Process* p = process();
        u64 tid;
        if (!p || !parse_number(name, tid) || !thread_exists(*p, static_cast<int>(tid))) return Error(ENOENT);
        auto& filesystem = static_cast<SyntheticFilesystem&>(this->filesystem());
        auto* directory = new (std::nothrow) ThreadDirectory(filesystem, kTaskInoBase + tid, name, *this, tid);
        if (!directory) return Error(ENOMEM);
        return RefPtr<fs::Inode>::adopt(directory);
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        Process* p = process();
        int tid;
        if (!p || !next_thread(*p, position, tid)) return false;
        out.ino = kTaskInoBase + static_cast<u64>(tid);
        out.type = fs::InodeType::Directory;
        text::format_into(out.name, sizeof out.name, "{}", tid);
        return true;
    }
};

}  // namespace

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

void render_self_link(Sink& out, u64) { text::format_to(out, "{}", process() ? process()->pid() : 1); }

void render_thread_self_link(Sink& out, u64) {
    text::format_to(out, "{}/task/{}", process() ? process()->pid() : 1, process() ? proc::current_tid() : 1);
}

Result<void> build_process_directory(Directory& pid) {
    auto& filesystem = static_cast<SyntheticFilesystem&>(pid.filesystem());
    TRY(pid.add_link("exe", render_exe));
    TRY(pid.add_link("cwd", render_cwd));
    TRY(pid.add_link("root", render_root));
    TRY(pid.add_file("cmdline", render_cmdline));
    TRY(pid.add_file("environ", render_environ, 0, 0400));
    TRY(pid.add_file("auxv", render_auxv, 0, 0400));
    TRY(pid.add_file("maps", render_maps));
    TRY(pid.add_file("status", render_status, 1));
    TRY(pid.add_file("stat", render_stat, 1));
    TRY(pid.add_file("statm", render_statm));
    TRY(pid.add_file("comm", render_comm, 0, 0644));
    TRY(pid.add_file("mounts", render_mounts));
    TRY(pid.add_file("mountinfo", render_mountinfo));
    TRY(pid.add_file("cgroup", render_cgroup));
    TRY(pid.add_file("oom_score_adj", render_zero, 0, 0644));
    auto* net = TRY(pid.add_directory("net"));
    TRY(build_net(*net));
    TRY(net->add_file("unix", [](text::Sink& out, u64) { net::af_unix::table::render_proc_net_unix(out); }));
    auto* fd = new (std::nothrow) FdDirectory(filesystem, filesystem.allocate_ino(), "fd", &pid, 0500);
    if (!fd) return Error(ENOMEM);
    pid.add_node(*fd);
    fd->unref();
    auto* task = new (std::nothrow) TaskDirectory(filesystem, filesystem.allocate_ino(), "task", &pid, 0555);
    if (!task) return Error(ENOMEM);
    pid.add_node(*task);
    task->unref();
    return {};
}

}  // namespace procfs
