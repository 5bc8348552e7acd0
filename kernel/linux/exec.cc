#include "linux/exec.h"

#include <cstring>
#include <new>

#include "boot/startup.h"
#include "drivers/console/console.h"
#include "fs/fd_table.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "lib/log.h"
#include "lib/random.h"
#include "linux/loader.h"
#include "linux/signals.h"
#include "linux/thread_exit.h"
#include "proc/process.h"
#include "proc/user_thread.h"
#include "protocol/app_config.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"

extern "C" u64 boot_entry_tsc;

namespace linux_abi {

using proc::Process;
using proc::UserThreadStart;
using proc::spawn_user_thread;

namespace {

// Views into the app config; the arrays come from the heap (128 KiB is a lot of bss).
std::string_view* g_argv_storage = nullptr;
std::string_view* g_env_storage = nullptr;
protocol::AppConfig g_config;
bool g_aslr_on = true;  // start_application's setting, for execve

// What the application's stderr shows when it cannot start (like a shell's message).
template <typename... Args>
Error fail(int error, std::string_view format, const Args&... args) {
    console::StderrSink err;
    text::format_to(err, "osprey: ");
    text::format_to(err, format, args...);
    text::format_to(err, "\n");
    return Error(error);
}

// The app config as the root has it: the initramfs's, or the overlay's (fs/overlay.h), which
// replaces it. Kept for good: g_config's views point into it. Served in place when the
// root's file still lies in the initramfs; copied otherwise (an overlay's, a root disk's).
Result<std::string_view> read_app_config() {
    constexpr u64 kMaxConfigSize = 16 * MiB;  // far above what kMaxArgs and kMaxEnv allow in practice
    auto inode = TRY(fs::resolve(*fs::root(), protocol::kAppConfigPath));
    if (inode->type() != fs::InodeType::Regular) return Error(EINVAL);
    if (auto in_place = inode->contents_in_place(); !in_place.empty())
        return std::string_view(reinterpret_cast<const char*>(in_place.data()), in_place.size());
    u64 size = inode->size();
    if (size > kMaxConfigSize) return Error(E2BIG);
    auto* bytes = new (std::nothrow) char[size + 1];
    if (!bytes) return Error(ENOMEM);
    usize done = 0;
    while (done < size) {
        usize n = TRY(inode->read(done, fs::IoBuffer::kernel(bytes + done, size - done)));
        if (n == 0) break;  // shorter than it said: the parser sees what is there
        done += n;
    }
    return std::string_view(bytes, done);
}

}  // namespace

bool has_application() { return initramfs::present() && initramfs::find(protocol::kAppConfigPath).is_ok(); }

Result<void> start_application(bool aslr) {
    g_aslr_on = aslr;
    // Interruptible waits (sync/wait_queue.h) end for a signal the thread must take.
    WaitQueue::set_signal_check([](const Thread& thread) { return thread.m_user && signals::has_deliverable(*thread.m_user); });
    proc::set_thread_exit_hook(clear_child_tid_at_exit);
    Process::set_signal_sender(signals::send_from_kernel);
    auto config = read_app_config();
    if (config.is_error())
        return fail(config.error(), "cannot read the app config {}: {}", protocol::kAppConfigPath, err::name(config.error()));
    std::string_view config_bytes = config.value();
    g_argv_storage = new (std::nothrow) std::string_view[protocol::AppConfig::kMaxArgs];
    g_env_storage = new (std::nothrow) std::string_view[protocol::AppConfig::kMaxEnv];
    if (!g_argv_storage || !g_env_storage) return fail(ENOMEM, "out of memory reading the app config");
    if (auto parsed = protocol::parse_app_config(config_bytes, {g_argv_storage, protocol::AppConfig::kMaxArgs},
                                                 {g_env_storage, protocol::AppConfig::kMaxEnv}, g_config);
        parsed.is_error())
        return fail(parsed.error(), "the image's app config is malformed ({})", err::name(parsed.error()));
    if (g_config.has_random) krandom::add_entropy(g_config.random, sizeof g_config.random);

    // The exe path as a NUL-terminated string the process keeps.
    static char exe_path[4096];
    if (g_config.exe.size() >= sizeof exe_path) return fail(ENAMETOOLONG, "program path too long");
    memcpy(exe_path, g_config.exe.data(), g_config.exe.size());
    exe_path[g_config.exe.size()] = '\0';

    auto* loaded = new (std::nothrow) LoadedProgram;
    if (!loaded) return fail(ENOMEM, "out of memory starting {}", exe_path);
    LoadRequest request;
    request.path = g_config.exe;
    request.directory = fs::root();
    request.argv = g_config.argv;
    request.envp = g_config.env;
    request.execfn = g_config.exe;
    request.uid = request.euid = g_config.uid;
    request.gid = request.egid = g_config.gid;
    request.aslr = aslr;
    if (auto done = load_program(request, *loaded); done.is_error()) {
        Error error = loaded->why[0] ? fail(done.error(), "{}", loaded->why) : fail(done.error(), "{}: {}", exe_path, err::name(done.error()));
        delete loaded;
        return error;
    }

    auto* fds = new (std::nothrow) fs::FdTable;
    if (!fds) return fail(ENOMEM, "out of memory starting {}", exe_path);
    Process& process = Process::create(loaded->memory, fds);
    process.exe_path = exe_path;
    process.cred.set_all(g_config.uid, g_config.gid);
    console::init(g_config.tty);
    auto workdir = fs::resolve(*fs::root(), g_config.workdir);
    if (workdir.is_error() || !workdir.value()->is_directory())
        return fail(workdir.is_error() ? workdir.error() : ENOTDIR, "working directory {}: {}",
                    g_config.workdir, err::name(workdir.is_error() ? workdir.error() : ENOTDIR));
    process.cwd = workdir.value();
    for (int fd = 0; fd < 3; fd++) TRY(fds->install_at(fd, console::file(static_cast<console::Stream>(fd)), false));
    // What /proc/self/{cmdline,environ,auxv,stat} show.
    if (process.set_start({g_config.argv, g_config.env, {loaded->auxv, loaded->auxv_count}, loaded->stack}).is_error())
        return fail(ENOMEM, "out of memory starting {}", exe_path);

    UserThreadStart start;
    start.frame = {};
    start.frame.rip = loaded->entry;
    start.frame.rsp = loaded->stack.rsp;
    start.frame.rflags = 0x202;
    start.tid = process.pid();  // the first thread's id is the pid
    startup::mark(startup::Step::ProgramStart);
    klog::info("starting {}: entry {:#x}, stack {:#x}; TSC at PVH entry {}", exe_path, loaded->program_entry,
               loaded->stack.rsp, boot_entry_tsc);
    delete loaded;
    TRY(spawn_user_thread(start, "main"));
    return {};
}

bool aslr_enabled() { return g_aslr_on; }

}  // namespace linux_abi
