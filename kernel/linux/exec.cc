#include "linux/exec.h"

#include <cstring>
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "elf/elf64.h"
#include "elf/load_plan.h"
#include "fs/fd_table.h"
#include "fs/initramfs.h"
#include "fs/vfs.h"
#include "lib/log.h"
#include "lib/random.h"
#include "mm/address_space.h"
#include "drivers/console/console.h"
#include "linux/initial_stack.h"
#include "proc/process.h"
#include "linux/signal_types.h"
#include "linux/signals.h"
#include "linux/thread_exit.h"
#include "mm/user_memory.h"
#include "proc/user_thread.h"
#include "mm/heap.h"
#include "protocol/app_config.h"
#include "sched/thread.h"
#include "sync/wait_queue.h"
#include "vdso/vdso.h"

extern "C" u64 boot_entry_tsc;

namespace linux_abi {

using proc::Process;
using proc::UserThreadStart;
using proc::spawn_user_thread;
using mm::AddressSpace;
using mm::FileImage;
using mm::kTagStack;
using mm::kTagImage;

namespace {

constexpr u64 kPage = 4096;
constexpr u64 kStackTop = 0x00007ffffffff000ull;
constexpr u64 kStackSize = 8 * MiB;            // RLIMIT_STACK
constexpr u64 kStackGap = 128 * MiB;           // between the stack and the mmap area
constexpr u64 kStackRandomPages = 1ull << 22;  // 16 GiB of stack placement, as Linux
constexpr u64 kMmapRandomPages = 1ull << 28;   // 1 TiB of mmap placement (mmap_rnd_bits)
constexpr u64 kPieRandomPages = 1ull << 22;
constexpr u64 kBrkRandomPages = (32 * MiB) / kPage;

// Views into the app config; the arrays come from the heap (128 KiB is a lot of bss).
std::string_view* g_argv_storage = nullptr;
std::string_view* g_env_storage = nullptr;
protocol::AppConfig g_config;

u64 random_pages(bool aslr, u64 range) { return aslr ? (krandom::next_u64() % range) * kPage : 0; }

// What the application's stderr shows when it cannot start (like a shell's message).
template <typename... Args>
Error fail(int error, std::string_view format, const Args&... args) {
    console::StderrSink err;
    text::format_to(err, "osprey: ");
    text::format_to(err, format, args...);
    text::format_to(err, "\n");
    return Error(error);
}


// What /proc/self/{cmdline,environ,auxv,stat} show (Process::start): the argv and env
// strings are views into the app config, which stays in the initramfs; the auxv is copied
// here as placed on the stack.
AuxEntry g_auxv[kMaxAuxEntries + 8];

void remember_start(Process& process, const StackInput& input, const StackLayout& layout, const u8* placed_auxv) {
    usize count = 0;
    while (count < sizeof g_auxv / sizeof g_auxv[0]) {
        memcpy(&g_auxv[count], placed_auxv + count * sizeof(AuxEntry), sizeof(AuxEntry));
        if (g_auxv[count++].type == AT_NULL) break;
    }
    process.start = {input.argv, input.envp, {g_auxv, count}, layout};
}

}  // namespace

// A program's bytes: in place in the initramfs when the file was never written, else read
// into kernel memory (kept: the mappings copy from it).
// name: the name the file was reached by (for /proc/self/maps).
Result<std::span<const u8>> program_bytes(std::string_view path, RefPtr<fs::Dentry>& name) {
    auto inode = TRY(fs::resolve(*fs::root(), path, true, &name));
    if (inode->is_directory()) return Error(EACCES);
    if (inode->type() != fs::InodeType::Regular) return Error(EACCES);
    if (!(inode->m_permissions & 0111)) return Error(EACCES);
    auto bytes = inode->contents_in_place();
    if (!bytes.empty()) return bytes;
    u64 size = inode->size();
    auto buffer = heap::allocate(size ? size : 1);
    if (buffer.is_error()) return Error(ENOMEM);
    usize got = TRY(inode->read(0, fs::IoBuffer::kernel(buffer.value(), size)));
    return std::span<const u8>(static_cast<const u8*>(buffer.value()), got);
}

// Maps each segment as Linux does: its file pages as a private mapping of the file at the
// segment's offset (the rest of the last page reading as zeros), then the bss beyond them
// as anonymous memory.
Result<void> map_image(AddressSpace& memory, std::span<const u8> bytes, const elf::LoadPlan& plan,
                       RefPtr<fs::Dentry> name) {
    for (const auto& segment : plan.segments()) {
        u64 file_end = segment.file_size ? align_up(segment.start + segment.file_size, kPage) : segment.start;
        if (file_end > segment.end) file_end = segment.end;
        if (file_end > segment.start) {
            auto* image = new (std::nothrow) FileImage(bytes.data(), segment.file_offset + segment.file_size, name);
            if (!image) return Error(ENOMEM);
            TRY(memory.map_fixed(segment.start, file_end - segment.start, segment.prot, image, segment.file_offset,
                                 kTagImage));
        }
        if (file_end < segment.end)
            TRY(memory.map_fixed(file_end, segment.end - file_end, segment.prot, nullptr, 0, kTagImage));
    }
    return {};
}

bool has_application() { return initramfs::present() && initramfs::find(protocol::kAppConfigPath).is_ok(); }

Result<void> start_application(bool aslr) {
    // Interruptible waits (sync/wait_queue.h) end for a signal the thread must take.
    WaitQueue::set_signal_check([](const Thread& thread) { return thread.m_user && signals::has_deliverable(*thread.m_user); });
    proc::set_thread_exit_hook(clear_child_tid_at_exit);
    Process::set_signal_sender(signals::send_from_kernel);
    auto config_file = TRY(initramfs::find(protocol::kAppConfigPath));
    std::string_view config_bytes(reinterpret_cast<const char*>(config_file.bytes.data()), config_file.bytes.size());
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

    RefPtr<fs::Dentry> exe_name;
    auto exe = program_bytes(g_config.exe, exe_name);
    if (exe.is_error()) return fail(exe.error(), "{}: {}", exe_path, err::name(exe.error()));
    elf::Diagnosis diagnosis{};
    auto file = elf::ElfFile::parse(exe.value(), &diagnosis);
    if (file.is_error()) return fail(ENOEXEC, "{}: {}", exe_path, diagnosis.reason);
    u64 bias = elf::kDefaultPieBias + random_pages(aslr, kPieRandomPages);
    elf::LoadDiagnosis load_diagnosis{};
    auto planned = elf::plan_load(file.value(), bias, &load_diagnosis);
    if (planned.is_error()) return fail(ENOEXEC, "{}: {}", exe_path, load_diagnosis.reason);
    const elf::LoadPlan& plan = planned.value();

    // A dynamic program: its interpreter (ld.so) is loaded too, and started first.
    static char interpreter_path[4096];
    std::span<const u8> interpreter_bytes;
    RefPtr<fs::Dentry> interpreter_name;
    if (plan.interpreter) {
        if (plan.interpreter->size() >= sizeof interpreter_path) return fail(ENAMETOOLONG, "interpreter path too long");
        memcpy(interpreter_path, plan.interpreter->data(), plan.interpreter->size());
        interpreter_path[plan.interpreter->size()] = '\0';
        auto bytes = program_bytes(*plan.interpreter, interpreter_name);
        if (bytes.is_error())
            return fail(bytes.error(), "{}: its interpreter {}: {}", exe_path, interpreter_path, err::name(bytes.error()));
        interpreter_bytes = bytes.value();
    }

    auto created = AddressSpace::create();
    auto* fds = new (std::nothrow) fs::FdTable;
    if (created.is_error() || !fds) return fail(ENOMEM, "out of memory starting {}", exe_path);
    AddressSpace* memory = created.value();
    Process& process = Process::create(memory, fds);
    process.exe_path = exe_path;
    process.cred.set_all(g_config.uid, g_config.gid);
    console::init(g_config.tty);
    auto workdir = fs::resolve(*fs::root(), g_config.workdir);
    if (workdir.is_error() || !workdir.value()->is_directory())
        return fail(workdir.is_error() ? workdir.error() : ENOTDIR, "working directory {}: {}",
                    g_config.workdir, err::name(workdir.is_error() ? workdir.error() : ENOTDIR));
    process.cwd = workdir.value();
    for (int fd = 0; fd < 3; fd++) TRY(fds->install_at(fd, console::file(static_cast<console::Stream>(fd)), false));

    // The image: each segment is a private mapping of its bytes in the initramfs, the
    // rest of its last page and its bss reading as zeros.
    if (auto mapped = map_image(*memory, exe.value(), plan, exe_name); mapped.is_error())
        return fail(mapped.error(), "out of memory loading {}", exe_path);

    // Layout: stack at the top, mmap area below it, brk after the image; each randomized.
    u64 stack_top = kStackTop - random_pages(aslr, kStackRandomPages);
    u64 stack_bottom = stack_top - kStackSize;
    u64 mmap_top = stack_bottom - kStackGap - random_pages(aslr, kMmapRandomPages);
    u64 brk_start = align_up(plan.image_end, kPage) + random_pages(aslr, kBrkRandomPages);
    u64 entry = plan.entry;
    u64 interpreter_base = 0;
    if (plan.interpreter) {
        // The interpreter goes at the top of the mmap area, like Linux's first mmap.
        elf::Diagnosis interpreter_diagnosis{};
        auto interpreter_file = elf::ElfFile::parse(interpreter_bytes, &interpreter_diagnosis);
        if (interpreter_file.is_error())
            return fail(ENOEXEC, "{}: interpreter {}: {}", exe_path, interpreter_path, interpreter_diagnosis.reason);
        auto probe = elf::plan_load(interpreter_file.value(), elf::kDefaultPieBias, &load_diagnosis);
        if (probe.is_error()) return fail(ENOEXEC, "{}: interpreter {}: {}", exe_path, interpreter_path, load_diagnosis.reason);
        u64 span = align_up(probe.value().image_end - probe.value().image_start, kPage);
        interpreter_base = align_down(mmap_top - span, probe.value().max_align > kPage ? probe.value().max_align : kPage);
        interpreter_base -= probe.value().image_start - elf::kDefaultPieBias;
        auto interpreter_plan = elf::plan_load(interpreter_file.value(), interpreter_base, &load_diagnosis);
        if (interpreter_plan.is_error())
            return fail(ENOEXEC, "{}: interpreter {}: {}", exe_path, interpreter_path, load_diagnosis.reason);
        if (auto mapped = map_image(*memory, interpreter_bytes, interpreter_plan.value(), interpreter_name);
            mapped.is_error())
            return fail(mapped.error(), "out of memory loading {}", interpreter_path);
        entry = interpreter_plan.value().entry;
        mmap_top = interpreter_base + (probe.value().image_start - elf::kDefaultPieBias) - kPage;
    }
    // The vDSO and its time page go next, below the interpreter (as Linux places them),
    // so they move with the mmap area's randomization.
    auto vdso_base = vdso::map(*memory, align_down(mmap_top, kPage));
    if (vdso_base.is_error()) return fail(vdso_base.error(), "out of memory mapping the vDSO");
    mmap_top = vdso_base.value() - kPage - kPage;  // its time page, then a gap
    memory->set_layout(mmap_top, brk_start);
    u32 stack_prot = 3 | (plan.executable_stack ? 4u : 0u);
    TRY(memory->map_fixed(stack_bottom, kStackSize, stack_prot, nullptr, 0, kTagStack));

    // The initial stack is built in a kernel buffer and copied to the top of the stack.
    AuxList aux;
    auto leaf1 = cpu::cpuid(1);
    aux.add(AT_SYSINFO_EHDR, vdso_base.value());
    aux.add(AT_PHDR, plan.phdr_address);
    aux.add(AT_PHENT, plan.phent);
    aux.add(AT_PHNUM, plan.phnum);
    aux.add(AT_PAGESZ, kPage);
    aux.add(AT_BASE, interpreter_base);
    aux.add(AT_FLAGS, 0);
    aux.add(AT_ENTRY, plan.entry);
    aux.add(AT_UID, process.cred.ruid);
    aux.add(AT_EUID, process.cred.euid);
    aux.add(AT_GID, process.cred.rgid);
    aux.add(AT_EGID, process.cred.egid);
    aux.add(AT_SECURE, 0);
    aux.add(AT_HWCAP, leaf1.edx);
    aux.add(AT_HWCAP2, 0);
    aux.add(AT_CLKTCK, 100);
    aux.add(AT_MINSIGSTKSZ, sizeof(RtSigFrame) + fpu::state_size() + 4 + 128);
    StackInput input;
    input.argv = g_config.argv;
    input.envp = g_config.env;
    input.execfn = g_config.exe;
    input.auxv = aux.entries();
    krandom::fill(input.random.data(), input.random.size());
    input.stack_top = stack_top;
    for (usize window_size = 64 * KiB;; window_size *= 2) {
        if (window_size > kStackSize / 4) return fail(E2BIG, "{}: argument list too long", exe_path);
        auto buffer = heap::allocate(window_size, 16);
        if (buffer.is_error()) return fail(ENOMEM, "out of memory starting {}", exe_path);
        input.window = {static_cast<u8*>(buffer.value()), window_size};
        auto layout = build_initial_stack(input);
        if (layout.is_error()) {
            heap::free(buffer.value());
            if (layout.error() == E2BIG) continue;
            return fail(layout.error(), "{}: cannot build the initial stack ({})", exe_path, err::name(layout.error()));
        }
        u64 used = stack_top - layout.value().rsp;
        u64 copied_from = stack_top - window_size;
        TRY(memory->populate(align_down(layout.value().rsp, kPage), stack_top));
        // The copy goes through the application's own table (this boot thread runs on
        // whichever is loaded; the kernel half is the same in all).
        memory->page_table().activate();
        auto copied = user_memory::copy_to(layout.value().rsp, input.window.data() + (layout.value().rsp - copied_from), used);
        remember_start(process, input, layout.value(), input.window.data() + (layout.value().auxv - copied_from));
        heap::free(buffer.value());
        TRY(copied);

        UserThreadStart start;
        start.frame = {};
        start.frame.rip = entry;
        start.frame.rsp = layout.value().rsp;
        start.frame.rflags = 0x202;
        start.tid = process.pid();  // the first thread's id is the pid
        klog::info("starting {}: entry {:#x}, stack {:#x}, {} bytes of arguments; TSC at PVH entry {}", exe_path,
                   plan.entry, layout.value().rsp, used, boot_entry_tsc);
        TRY(spawn_user_thread(start, "main"));
        return {};
    }
}

}  // namespace linux_abi
