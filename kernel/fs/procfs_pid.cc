// /proc/<pid> for every process in the table (zombies included), made when looked up: a
// directory per process, its entries made from one table when they are looked up in turn,
// and task/<tid> for each thread with the same entries for that thread.
//
// Every node holds a reference to its Process, so it can never reach freed memory; once the
// parent has reaped the process its nodes fail (reads and lookups in its directory ESRCH,
// as Linux) even if the pid names another process by then: a pid is looked up in the table only when
// /proc's root is searched.
#include "fs/procfs_process.h"

#include <new>

#include "fs/fd_table.h"
#include "fs/procfs_render.h"
#include "net/unix/table.h"
#include "proc/process.h"

namespace procfs {

namespace {

using fs::synthetic::Directory;
using fs::synthetic::DynamicEntries;
using fs::synthetic::Link;
using fs::synthetic::Node;
using fs::synthetic::RenderedFile;
using fs::synthetic::SyntheticFilesystem;
using proc::Process;
using text::Sink;

// Inode numbers of the nodes made here: above the fixed entries' small numbers, one range
// per process and thread (pids and tids are below 2^20), a slot per entry.
constexpr u32 kFdSlot = 0x1000, kFdinfoSlot = 0x2000;
u64 process_ino(int pid, int tid, u32 slot) {
    return (1ull << 60) | (static_cast<u64>(pid) << 36) | (static_cast<u64>(tid) << 16) | slot;
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

SyntheticFilesystem& filesystem_of(Directory& directory) {
    return static_cast<SyntheticFilesystem&>(directory.filesystem());
}

// A node made for a process: owned, as on Linux, by the process's effective ids.
template <typename NodeType>
RefPtr<fs::Inode> adopt_for(NodeType* node, Process& process, Directory& parent) {
    if (!node) return nullptr;
    auto result = RefPtr<fs::Inode>::adopt(node);
    node->m_uid = process.cred.euid;
    node->m_gid = process.cred.egid;
    node->keep_parent(parent);
    return result;
}

// A file of /proc/<pid>: `argument` is the thread (or, in fdinfo/, the descriptor).
// Private ones (environ, maps...) open only for those who may inspect the process.
class ProcessFile final : public RenderedFile {
public:
    ProcessFile(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, u32 permissions,
                RefPtr<Process> process, int argument, ProcessRender render, bool is_private)
        : RenderedFile(filesystem, ino, name, permissions), m_process(static_cast<RefPtr<Process>&&>(process)),
          m_argument(argument), m_render(render), m_private(is_private) {}

    Result<void> render(Sink& out) override {
        if (m_process->reaped()) return Error(ESRCH);
        return m_render(out, *m_process, m_argument);
    }

protected:
    Result<void> may_open() override {
        if (m_process->reaped()) return Error(ESRCH);
        if (m_private && !may_inspect(*m_process)) return Error(EACCES);
        return {};
    }

private:
    RefPtr<Process> m_process;
    int m_argument;
    ProcessRender m_render;
    bool m_private;
};

// A link of /proc/<pid> (exe, cwd, root, fd/N): its target shown only to those who may
// inspect the process, as Linux.
class ProcessLink : public Link {
public:
    ProcessLink(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, RefPtr<Process> process,
                int argument, ProcessRender render)
        : Link(filesystem, ino, name, nullptr, 0, nullptr), m_process(static_cast<RefPtr<Process>&&>(process)),
          m_argument(argument), m_render(render) {}

    Result<void> render_target(Sink& out) override {
        if (m_process->reaped()) return Error(ENOENT);
        if (!may_inspect(*m_process)) return Error(EACCES);
        return m_render(out, *m_process, m_argument);
    }

protected:
    RefPtr<Process> m_process;
    int m_argument;

private:
    ProcessRender m_render;
};

// fd/N: its text names the file; a path walk through it reaches the open file itself (a
// magic link), even when the file has no name left.
class FdLink final : public ProcessLink {
public:
    using ProcessLink::ProcessLink;
    RefPtr<fs::File> magic_link() override {
        if (m_process->reaped() || !may_inspect(*m_process)) return nullptr;
        auto file = m_process->file(m_argument);
        return file.is_ok() ? file.value() : nullptr;
    }
};

// fd/ and fdinfo/: an entry per open descriptor, for those who may inspect the process.
class FdDirectory final : public Directory {
public:
    FdDirectory(SyntheticFilesystem& filesystem, u64 ino, std::string_view name, Directory& parent,
                RefPtr<Process> process, bool info)
        : Directory(filesystem, ino, name, &parent, 0500), m_process(static_cast<RefPtr<Process>&&>(process)),
          m_info(info) {}

    Result<RefPtr<fs::File>> open(u32 flags) override {
        TRY(check_access());
        return Directory::open(flags);
    }
    Result<bool> read_dir(u64& cursor, fs::DirEntry& out) override {
        TRY(check_access());
        return Directory::read_dir(cursor, out);
    }

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        TRY(check_access());
        u64 fd;
        if (!parse_number(name, fd) || fd >= fs::FdTable::kMaxDescriptors) return Error(ENOENT);
        auto file = m_process->file(static_cast<int>(fd));
        if (file.is_error()) return Error(ENOENT);
        auto& filesystem = filesystem_of(*this);
        int pid = m_process->pid();
        if (m_info) {
            auto* node = new (std::nothrow) ProcessFile(filesystem, process_ino(pid, 0, kFdinfoSlot + fd), name, 0444,
                                                        m_process, static_cast<int>(fd), render_fdinfo, true);
            auto result = adopt_for(node, *m_process, *this);
            return result ? Result<RefPtr<fs::Inode>>(result) : Error(ENOMEM);
        }
        auto* link = new (std::nothrow)
            FdLink(filesystem, process_ino(pid, 0, kFdSlot + fd), name, m_process, static_cast<int>(fd), render_fd_target);
        auto result = adopt_for(link, *m_process, *this);
        if (!result) return Error(ENOMEM);
        // As Linux: the link's mode says how the descriptor was opened.
        u32 mode = file.value()->status_flags() & fs::O_ACCMODE;
        link->m_permissions = (mode != fs::O_WRONLY ? 0500 : 0) | (mode != fs::O_RDONLY ? 0300 : 0);
        return result;
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        int fd = m_process->next_fd(static_cast<int>(position));
        if (fd < 0) return false;
        out.ino = process_ino(m_process->pid(), 0, (m_info ? kFdinfoSlot : kFdSlot) + static_cast<u32>(fd));
        out.type = m_info ? fs::InodeType::Regular : fs::InodeType::Symlink;
        text::format_into(out.name, sizeof out.name, "{}", fd);
        position = static_cast<u64>(fd) + 1;
        return true;
    }

private:
    Result<void> check_access() {
        if (m_process->reaped()) return Error(ENOENT);
        if (!may_inspect(*m_process)) return Error(EACCES);
        return {};
    }

    RefPtr<Process> m_process;
    bool m_info;
};

Directory* g_net = nullptr;  // /proc/<pid>/net: the same tables for every process

// The entries of /proc/<pid> (and, but for task/, of /proc/<pid>/task/<tid>), in Linux's order.
enum class Kind : u8 { File, Link, Fd, Fdinfo, Task, Net };
struct Entry {
    const char* name;
    Kind kind;
    u32 permissions;
    ProcessRender render;
    bool is_private;  // shown only to those who may inspect the process
};
constexpr Entry kEntries[] = {
    {"task", Kind::Task, 0555, nullptr, false},
    {"fd", Kind::Fd, 0500, nullptr, true},
    {"fdinfo", Kind::Fdinfo, 0500, nullptr, true},
    {"net", Kind::Net, 0555, nullptr, false},
    {"environ", Kind::File, 0400, render_environ, true},
    {"auxv", Kind::File, 0400, render_auxv, true},
    {"status", Kind::File, 0444, render_status, false},
    {"comm", Kind::File, 0644, render_comm, false},
    {"cmdline", Kind::File, 0444, render_cmdline, false},
    {"stat", Kind::File, 0444, render_stat, false},
    {"statm", Kind::File, 0444, render_statm, false},
    {"maps", Kind::File, 0444, render_maps, true},
    {"cwd", Kind::Link, 0777, render_cwd, true},
    {"root", Kind::Link, 0777, render_root, true},
    {"exe", Kind::Link, 0777, render_exe, true},
    {"mounts", Kind::File, 0444, render_mounts, false},
    {"mountinfo", Kind::File, 0444, render_mountinfo, false},
    {"cgroup", Kind::File, 0444, render_cgroup, false},
    {"limits", Kind::File, 0444, render_limits, false},
    {"oom_score_adj", Kind::File, 0644, render_oom_score_adj, false},
};
constexpr usize kEntryCount = sizeof kEntries / sizeof kEntries[0];

fs::InodeType type_of(Kind kind) {
    switch (kind) {
        case Kind::File: return fs::InodeType::Regular;
        case Kind::Link: return fs::InodeType::Symlink;
        default: return fs::InodeType::Directory;
    }
}

// /proc/<pid> (tid is the pid; another thread's ID when looked up as /proc/<tid>) or
// /proc/<pid>/task/<tid> (is_thread: no task/ then).
class ProcessDirectory final : public Directory {
public:
    ProcessDirectory(SyntheticFilesystem& filesystem, std::string_view name, Directory& parent,
                     RefPtr<Process> process, int tid, bool is_thread)
        : Directory(filesystem, process_ino(process->pid(), tid == process->pid() ? 0 : tid, 0), name, &parent, 0555),
          m_process(static_cast<RefPtr<Process>&&>(process)), m_tid(tid), m_is_thread(is_thread) {
        m_uid = m_process->cred.euid;
        m_gid = m_process->cred.egid;
        keep_parent(parent);
    }

    Result<bool> read_dir(u64& cursor, fs::DirEntry& out) override {
        if (m_process->reaped()) return Error(ENOENT);
        return Directory::read_dir(cursor, out);
    }

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        if (m_process->reaped()) return Error(ESRCH);  // as Linux, in a directory opened before
        for (usize i = m_is_thread ? 1 : 0; i < kEntryCount; i++)
            if (name == kEntries[i].name) return make(i);
        return Error(ENOENT);
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        if (m_is_thread && position == 0) position = 1;  // no task/ in a thread's directory
        if (position >= kEntryCount) return false;
        const Entry& entry = kEntries[position];
        out.ino = entry.kind == Kind::Net ? g_net->ino() : ino_of(position);
        out.type = type_of(entry.kind);
        text::format_into(out.name, sizeof out.name, "{}", entry.name);
        position++;
        return true;
    }

private:
    u64 ino_of(usize index) const {
        return process_ino(m_process->pid(), m_tid == m_process->pid() ? 0 : m_tid, static_cast<u32>(index) + 1);
    }

    Result<RefPtr<fs::Inode>> make(usize index);

    RefPtr<Process> m_process;
    int m_tid;
    bool m_is_thread;
};

// /proc/<pid>/task: a directory per thread.
class TaskDirectory final : public Directory {
public:
    TaskDirectory(SyntheticFilesystem& filesystem, u64 ino, Directory& parent, RefPtr<Process> process)
        : Directory(filesystem, ino, "task", &parent, 0555), m_process(static_cast<RefPtr<Process>&&>(process)) {}

protected:
    Result<RefPtr<fs::Inode>> lookup_dynamic(std::string_view name) override {
        u64 tid;
        if (m_process->reaped() || !parse_number(name, tid) || !m_process->thread_state(static_cast<int>(tid)))
            return Error(ENOENT);
        auto* directory = new (std::nothrow)
            ProcessDirectory(filesystem_of(*this), name, *this, m_process, static_cast<int>(tid), true);
        if (!directory) return Error(ENOMEM);
        return RefPtr<fs::Inode>::adopt(directory);
    }

    bool next_dynamic(u64& position, fs::DirEntry& out) override {
        int tid = m_process->next_tid(static_cast<int>(position));
        if (!tid) return false;
        out.ino = process_ino(m_process->pid(), tid, 0);
        out.type = fs::InodeType::Directory;
        text::format_into(out.name, sizeof out.name, "{}", tid);
        position = static_cast<u64>(tid) + 1;
        return true;
    }

private:
    RefPtr<Process> m_process;
};

Result<RefPtr<fs::Inode>> ProcessDirectory::make(usize index) {
    const Entry& entry = kEntries[index];
    auto& filesystem = filesystem_of(*this);
    RefPtr<fs::Inode> node;
    switch (entry.kind) {
        case Kind::Net: return RefPtr<fs::Inode>(g_net);
        case Kind::File:
            node = adopt_for(new (std::nothrow) ProcessFile(filesystem, ino_of(index), entry.name, entry.permissions,
                                                            m_process, m_tid, entry.render, entry.is_private),
                             *m_process, *this);
            break;
        case Kind::Link:
            node = adopt_for(new (std::nothrow)
                                 ProcessLink(filesystem, ino_of(index), entry.name, m_process, m_tid, entry.render),
                             *m_process, *this);
            break;
        case Kind::Fd:
        case Kind::Fdinfo:
            node = adopt_for(new (std::nothrow) FdDirectory(filesystem, ino_of(index), entry.name, *this, m_process,
                                                            entry.kind == Kind::Fdinfo),
                             *m_process, *this);
            break;
        case Kind::Task:
            node = adopt_for(new (std::nothrow) TaskDirectory(filesystem, ino_of(index), *this, m_process), *m_process,
                             *this);
            break;
    }
    if (!node) return Error(ENOMEM);
    return node;
}

// The root's pids; as on Linux, another thread's ID finds its process too (shown for that
// thread), though the listing holds only pids.
Result<RefPtr<fs::Inode>> lookup_pid(Directory& root, std::string_view name) {
    u64 pid;
    if (!parse_number(name, pid)) return Error(ENOENT);
    RefPtr<Process> process = Process::find(static_cast<int>(pid));
    if (!process) process = Process::find_by_thread(static_cast<int>(pid));
    if (!process) return Error(ENOENT);
    auto* directory = new (std::nothrow)
        ProcessDirectory(filesystem_of(root), name, root, process, static_cast<int>(pid), false);
    if (!directory) return Error(ENOMEM);
    return RefPtr<fs::Inode>::adopt(directory);
}

bool next_pid(Directory&, u64& position, fs::DirEntry& out) {
    int pid = Process::next_pid(static_cast<int>(position));
    if (!pid) return false;
    out.ino = process_ino(pid, 0, 0);
    out.type = fs::InodeType::Directory;
    text::format_into(out.name, sizeof out.name, "{}", pid);
    position = static_cast<u64>(pid) + 1;
    return true;
}

constexpr DynamicEntries kPids = {lookup_pid, next_pid};

}  // namespace

Result<void> add_process_directories(Directory& root) {
    auto& filesystem = filesystem_of(root);
    // Not one of the root's entries (/proc/net is a link to self/net): reached only from
    // a process's directory, so its path names /proc/net.
    auto* net = new (std::nothrow) Directory(filesystem, filesystem.allocate_ino(), "net", &root, 0555);
    if (!net) return Error(ENOMEM);
    TRY(build_net(*net));
    TRY(net->add_file("unix", [](text::Sink& out, u64) { net::af_unix::table::render_proc_net_unix(out); }));
    g_net = net;  // the reference made here keeps it for good
    root.set_dynamic(kPids);
    return {};
}

void render_self_link(Sink& out, u64) {
    if (Process::exists()) text::format_to(out, "{}", Process::current().pid());
}

void render_thread_self_link(Sink& out, u64) {
    if (Process::exists()) text::format_to(out, "{}/task/{}", Process::current().pid(), proc::current_tid());
}

}  // namespace procfs
