// execve: the calling process's program replaced by another (linux/loader.cc), as Linux
// does it. The arguments and environment are copied in and the new image is loaded while
// the old one still runs, so every error (ENOENT, EACCES, ENOEXEC, E2BIG, ENOMEM...) comes
// back to the caller with nothing changed. Past that point the other threads are killed,
// the address space is swapped, close-on-exec descriptors are closed, caught signals go
// back to their default action, and the call "returns" into the new program's entry.
// A file starting with "#!" runs its interpreter, up to four levels deep, as Linux does.
#include <cstring>
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "fs/fd_table.h"
#include "fs/inode_file.h"
#include "fs/vfs.h"
#include "linux/exec.h"
#include "linux/loader.h"
#include "linux/path_args.h"
#include "linux/syscall_adapter.h"
#include "mm/heap.h"
#include "mm/user_memory.h"
#include "proc/process.h"
#include "proc/user_thread.h"
#include "sched/thread.h"
#include "text/format.h"

namespace linux_abi {

using proc::Process;
using proc::UserContext;
using proc::current_user;

namespace {

constexpr usize kMaxStringBytes = 2 * MiB;  // a quarter of the 8 MiB stack, as Linux allows
constexpr usize kMaxStrings = 1u << 17;
constexpr int kMaxInterpreterDepth = 4;     // #! scripts naming #! scripts
constexpr usize kScriptHeadBytes = 256;     // BINPRM_BUF_SIZE

// argv and envp, copied in: one growing block of bytes, each string an offset and a
// length into it; views() makes string_views of a range (valid until the next add).
class Strings {
public:
    ~Strings() {
        delete[] m_bytes;
        delete[] m_entries;
        delete[] m_views;
    }
    Result<void> add(std::string_view s) {
        if (m_count == kMaxStrings || m_used + s.size() > kMaxStringBytes) return Error(E2BIG);
        if (m_count == m_entry_capacity) TRY(grow_entries());
        if (m_used + s.size() > m_capacity) {
            // s may be one of ours, in the block about to move: copy it by offset.
            bool ours = m_bytes && s.data() >= m_bytes && s.data() < m_bytes + m_used;
            usize offset = ours ? static_cast<usize>(s.data() - m_bytes) : 0;
            TRY(grow_bytes(m_used + s.size()));
            if (ours) s = {m_bytes + offset, s.size()};
        }
        memmove(m_bytes + m_used, s.data(), s.size());
        m_entries[m_count++] = {m_used, s.size()};
        m_used += s.size();
        return {};
    }
    // Copies a NULL-terminated array of user string pointers (a null array is empty).
    Result<void> add_user_array(u64 array) {
        if (!array) return {};
        constexpr usize kLongest = 128 * KiB;  // MAX_ARG_STRLEN
        char* buffer = new (std::nothrow) char[kLongest];
        if (!buffer) return Error(ENOMEM);
        Result<void> result{};
        for (u64 i = 0;; i++) {
            auto pointer = UserPtr<u64>(array + i * 8).read();
            if (pointer.is_error()) {
                result = Error(pointer.error());
                break;
            }
            if (!pointer.value()) break;
            auto length = user_memory::copy_string(buffer, kLongest, pointer.value());
            if (length.is_error()) {
                result = Error(length.error() == ENAMETOOLONG ? E2BIG : length.error());
                break;
            }
            if (auto added = add({buffer, length.value()}); added.is_error()) {
                result = added;
                break;
            }
        }
        delete[] buffer;
        return result;
    }
    usize count() const { return m_count; }
    std::span<const std::string_view> views(usize first, usize count) {
        for (usize i = first; i < first + count; i++) m_views[i] = {m_bytes + m_entries[i].offset, m_entries[i].length};
        return {m_views + first, count};
    }

private:
    struct Entry {
        usize offset, length;
    };
    Result<void> grow_bytes(usize needed) {
        usize capacity = m_capacity ? m_capacity * 2 : 4096;
        while (capacity < needed) capacity *= 2;
        auto* bytes = new (std::nothrow) char[capacity];
        if (!bytes) return Error(ENOMEM);
        if (m_used) memcpy(bytes, m_bytes, m_used);
        delete[] m_bytes;
        m_bytes = bytes;
        m_capacity = capacity;
        return {};
    }
    Result<void> grow_entries() {
        usize capacity = m_entry_capacity ? m_entry_capacity * 2 : 64;
        auto* entries = new (std::nothrow) Entry[capacity];
        auto* views = new (std::nothrow) std::string_view[capacity];
        if (!entries || !views) {
            delete[] entries;
            delete[] views;
            return Error(ENOMEM);
        }
        for (usize i = 0; i < m_count; i++) entries[i] = m_entries[i];
        delete[] m_entries;
        delete[] m_views;
        m_entries = entries;
        m_views = views;
        m_entry_capacity = capacity;
        return {};
    }

    char* m_bytes = nullptr;
    usize m_used = 0, m_capacity = 0;
    Entry* m_entries = nullptr;
    std::string_view* m_views = nullptr;
    usize m_count = 0, m_entry_capacity = 0;
};

// A "#!" line: the interpreter and its one optional argument, as Linux splits it (the rest
// of the line after the first run of blanks is a single argument).
struct Shebang {
    char line[kScriptHeadBytes];
    std::string_view interpreter, argument;
};

// Reads the start of the file; true when it is a "#!" script (then `out` is filled).
Result<bool> read_shebang(RefPtr<fs::Inode> inode, Shebang& out) {
    if (inode->type() != fs::InodeType::Regular) return false;  // the loader says why
    usize got = TRY(inode->read(0, fs::IoBuffer::kernel(out.line, sizeof out.line - 1)));
    if (got < 2 || out.line[0] != '#' || out.line[1] != '!') return false;
    if (!(inode->m_permissions & 0111) || inode->filesystem().no_exec) return Error(EACCES);
    usize end = 2;
    while (end < got && out.line[end] != '\n') end++;
    if (end == got && got == sizeof out.line - 1) return Error(ENOEXEC);  // a line too long to hold
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    usize i = 2;
    while (i < end && blank(out.line[i])) i++;
    usize name_start = i;
    while (i < end && !blank(out.line[i])) i++;
    if (i == name_start) return Error(ENOEXEC);  // "#!" and nothing
    out.interpreter = {out.line + name_start, i - name_start};
    while (i < end && blank(out.line[i])) i++;
    usize argument_end = end;
    while (argument_end > i && blank(out.line[argument_end - 1])) argument_end--;
    out.argument = {out.line + i, argument_end - i};
    return true;
}

// Loads `clean` (fpu::allocate_initial_state) as the thread's FPU state, and frees it.
void reset_fpu(Thread& self, void* clean) {
    cpu::disable_interrupts();
    memcpy(self.m_fpu_state, clean, fpu::state_size());
    if (this_cpu()->fpu_owner == &self) fpu::restore(self.m_fpu_state);
    cpu::enable_interrupts();
    fpu::free_state(clean);
}

// Back to SIG_DFL for every caught signal (ignored ones stay ignored); no alternate stack.
void reset_signals(Process& process, UserContext& user) {
    IrqSpinLockGuard guard(process.signal_lock);
    for (int sig = 1; sig <= kSignalCount; sig++) {
        KernelSigaction& action = process.actions[sig];
        if (action.handler != SIG_IGN) action = {};
    }
    user.altstack = {0, SS_DISABLE, 0, 0};
    user.has_saved_mask = false;
}

// What execve or execveat runs: the file a path names from its directory, or (an empty
// path with AT_EMPTY_PATH) a descriptor's own file; and the name the new program goes by
// (Linux's bprm->filename: its AT_EXECFN, a script's argument): the path for execve or an
// absolute path, else "/dev/fd/N" or "/dev/fd/N/path".
struct Target {
    OwnPtr<PathArg> path;
    RefPtr<fs::Inode> directory;  // null for a descriptor
    RefPtr<fs::Inode> file;       // the descriptor's file
    RefPtr<fs::Dentry> file_name;
    PathArg name;
    // A name through a close-on-exec descriptor: gone once the new program runs, so an
    // interpreter could not open it; a script gets ENOENT, as Linux answers.
    bool name_inaccessible = false;
};

Result<void> find_target(Process& process, int dirfd, UserPath user_path, u32 flags, Target& target) {
    target.path = TRY(read_path(user_path, flags & AT_EMPTY_PATH));  // ENOENT for "" comes first
    if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return Error(EINVAL);
    const PathArg& path = *target.path;
    if (path.empty()) {
        if (dirfd == AT_FDCWD) return Error(EACCES);  // the working directory: not a program
        auto file = TRY(process.fds().get(dirfd));
        auto* inode_file = fs::as_inode_file(*file);
        if (!inode_file) return Error(EACCES);  // a pipe, a socket...
        target.file = inode_file->inode_ref();
        target.file_name = inode_file->dentry_ref();
    } else {
        target.directory = TRY(base_for(dirfd, path));
        if (flags & AT_SYMLINK_NOFOLLOW) {
            auto last = TRY(fs::resolve(*target.directory, path.view(), false));
            if (last->type() == fs::InodeType::Symlink) return Error(ELOOP);
        }
    }
    if (dirfd == AT_FDCWD || path.text[0] == '/') {
        target.name = path;
        return {};
    }
    auto name = path.empty() ? text::format_into(target.name.text, sizeof target.name.text, "/dev/fd/{}", dirfd)
                             : text::format_into(target.name.text, sizeof target.name.text, "/dev/fd/{}/{}", dirfd,
                                                 path.view());
    if (name.size() >= sizeof target.name.text - 1) return Error(ENAMETOOLONG);
    target.name.length = name.size();
    target.name_inaccessible = TRY(process.fds().cloexec(dirfd));
    return {};
}

// argv and envp are arrays of string pointers, each ended by a null one.
Result<u64> exec(TrapFrame& frame, int dirfd, UserPath user_path, UserPtr<u64> user_argv, UserPtr<u64> user_envp,
                 u32 flags) {
    Process& process = Process::current();
    auto target = OwnPtr<Target>::make();  // two paths: too big for the kernel stack
    if (!target) return Error(ENOMEM);
    TRY(find_target(process, dirfd, user_path, flags, *target));
    auto working_directory = process.working_directory();

    Strings strings;
    TRY(strings.add_user_array(user_argv.address()));
    usize argc = strings.count();
    TRY(strings.add_user_array(user_envp.address()));
    usize envc = strings.count() - argc;

    // A script: its interpreter runs with [interpreter, argument, script, argv[1:]...].
    // The new argv is built at the end of the block, then used in place of the old.
    // The program is the target, or (for a script) the interpreter named in `strings`,
    // found from the working directory as Linux does.
    static constexpr usize kTarget = ~usize{0};
    usize program_index = kTarget;
    auto program = [&]() -> std::string_view {
        return program_index == kTarget ? target->name.view() : strings.views(program_index, 1)[0];
    };
    auto program_file = [&]() -> Result<RefPtr<fs::Inode>> {
        if (program_index != kTarget) return fs::resolve(*working_directory, program(), true);
        if (target->file) return target->file;
        return fs::resolve(*target->directory, target->path->view(), true);
    };
    usize argv_first = 0, argv_count = argc;
    Shebang shebang;
    for (int depth = 0;; depth++) {
        bool script = TRY(read_shebang(TRY(program_file()), shebang));
        if (!script) break;
        if (target->name_inaccessible) return Error(ENOENT);
        if (depth == kMaxInterpreterDepth) return Error(ELOOP);
        usize first = strings.count();
        TRY(strings.add(shebang.interpreter));
        if (!shebang.argument.empty()) TRY(strings.add(shebang.argument));
        TRY(strings.add(program()));
        for (usize i = 1; i < argv_count; i++) TRY(strings.add(strings.views(argv_first + i, 1)[0]));
        argv_first = first;
        argv_count = strings.count() - first;
        program_index = first;
    }

    auto* loaded = new (std::nothrow) LoadedProgram;
    if (!loaded) return Error(ENOMEM);
    LoadRequest request;
    if (program_index != kTarget) {
        request.path = program();
        request.directory = working_directory;
    } else if (target->file) {
        request.path = program();
        request.directory = working_directory;  // for a relative PT_INTERP, as Linux opens it
        request.file = target->file;
        request.file_name = target->file_name;
    } else {
        request.path = target->path->view();
        request.directory = target->directory;
    }
    request.argv = strings.views(argv_first, argv_count);
    request.envp = strings.views(argc, envc);
    request.execfn = target->name.view();
    request.uid = process.cred.ruid;
    request.euid = process.cred.euid;
    request.gid = process.cred.rgid;
    request.egid = process.cred.egid;
    request.aslr = aslr_enabled();
    request.stack_limit = process.limit(proc::RLIMIT_STACK).soft;
    if (auto done = load_program(request, *loaded); done.is_error()) {
        delete loaded;
        return Error(done.error());
    }
    // The exe path the process keeps (for its reports and /proc/self/exe): the file's own
    // path, not the name it was reached by (that may be a link, even /proc/self/exe).
    // Made before the point of no return.
    std::string_view exe = program();
    auto* exe_path = new (std::nothrow) char[fs::kPathMax];
    if (!exe_path || process.set_start({request.argv, request.envp, {loaded->auxv, loaded->auxv_count},
                                        loaded->stack}).is_error()) {
        delete[] exe_path;
        delete loaded->memory;
        delete loaded;
        return Error(ENOMEM);
    }
    auto length = loaded->exe ? fs::path_of(*loaded->exe, exe_path, fs::kPathMax) : Result<usize>(Error(ENOENT));
    if (length.is_ok() && length.value() < fs::kPathMax) {
        exe_path[length.value()] = '\0';
    } else {
        usize n = exe.size() < fs::kPathMax - 1 ? exe.size() : fs::kPathMax - 1;
        memcpy(exe_path, exe.data(), n);
        exe_path[n] = '\0';
    }

    // The new program starts with a clean FPU (x87, MXCSR, vector registers), as on
    // Linux: the state is made now, while failing can still leave the caller unchanged.
    auto clean_fpu = fpu::allocate_initial_state();
    if (clean_fpu.is_error()) {
        delete[] exe_path;
        delete loaded->memory;
        delete loaded;
        return Error(ENOMEM);
    }

    // The point of no return.
    process.kill_other_threads_for_exec();
    mm::AddressSpace::release(process.replace_memory(loaded->memory));
    process.vfork_release();  // a vfork parent goes on once its child has its own memory
    process.set_exe_path(exe_path);
    process.fds().close_on_exec();
    UserContext& user = current_user();
    reset_signals(process, user);
    user.clear_child_tid = 0;
    user.robust_list = 0;
    user.robust_list_length = 0;
    proc::set_current_fs_base(0);
    proc::set_current_gs_base(0);
    reset_fpu(*current_thread(), clean_fpu.value());
    u64 rflags = frame.rflags, cs = frame.cs, ss = frame.ss;
    frame = {};
    frame.rip = loaded->entry;
    frame.rsp = loaded->stack.rsp;
    frame.rflags = (rflags & ~0xcd5ull) | 0x202;
    frame.cs = cs;
    frame.ss = ss;
    frame.vector = ~0ull;  // not inside a syscall any more: nothing to restart
    delete loaded;
    return 0;
}

}  // namespace

// The new program starts from the caller's frame, rewritten.
Result<u64> sys_execve(TrapFrame& frame, UserPath path, UserPtr<u64> argv, UserPtr<u64> envp) {
    return exec(frame, AT_FDCWD, path, argv, envp, 0);
}
// The descriptor is Linux's int, the flags its int (checked as unsigned here).
Result<u64> sys_execveat(TrapFrame& frame, int dirfd, UserPath path, UserPtr<u64> argv, UserPtr<u64> envp, u32 flags) {
    return exec(frame, dirfd, path, argv, envp, flags);
}

OSPREY_CALLS(execve, execveat)

}  // namespace linux_abi
