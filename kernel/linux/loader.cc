#include "linux/loader.h"

#include <cstring>
#include <new>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/layout.h"
#include "elf/elf64.h"
#include "elf/load_plan.h"
#include "fs/vfs.h"
#include "lib/random.h"
#include "linux/signal_types.h"
#include "mm/heap.h"
#include "text/format.h"
#include "vdso/vdso.h"

namespace linux_abi {

using mm::AddressSpace;
using mm::FileImage;
using mm::kTagImage;
using mm::kTagStack;

namespace {

constexpr u64 kPage = 4096;
constexpr u64 kStackTop = 0x00007ffffffff000ull;
constexpr u64 kMinStackSize = 128 * KiB;
constexpr u64 kMaxStackSize = 4 * GiB;
constexpr u64 kMinArgumentRoom = 128 * KiB;    // ARG_MAX
constexpr u64 kStackGap = 128 * MiB;           // between the stack and the mmap area
constexpr u64 kStackRandomPages = 1ull << 22;  // 16 GiB of stack placement, as Linux
constexpr u64 kMmapRandomPages = 1ull << 28;   // 1 TiB of mmap placement (mmap_rnd_bits)
constexpr u64 kPieRandomPages = 1ull << 22;
constexpr u64 kBrkRandomPages = (32 * MiB) / kPage;

u64 random_pages(bool aslr, u64 range) { return aslr ? (krandom::next_u64() % range) * kPage : 0; }

// Records why loading failed and returns the error.
template <typename... Args>
Error failed(LoadedProgram& out, int error, std::string_view format, const Args&... args) {
    text::BufferSink sink(out.why, sizeof out.why);
    text::format_to(sink, format, args...);
    return Error(error);
}

// A program's bytes: in place in the initramfs when the file was never written, else read
// into kernel memory (kept: the mappings copy from it).
// name: the name the file was reached by (for /proc/self/maps).
Result<std::span<const u8>> file_bytes(RefPtr<fs::Inode> inode);

Result<std::span<const u8>> program_bytes(fs::Inode& start, std::string_view path, RefPtr<fs::Dentry>& name) {
    return file_bytes(TRY(fs::resolve(start, path, true, &name)));
}

// The bytes of a file to run: EACCES unless it is a regular file someone may execute, on a
// file system mounted without MS_NOEXEC.
Result<std::span<const u8>> file_bytes(RefPtr<fs::Inode> inode) {
    if (inode->is_directory()) return Error(EACCES);
    if (inode->type() != fs::InodeType::Regular) return Error(EACCES);
    if (!(inode->m_permissions & 0111) || inode->filesystem().no_exec) return Error(EACCES);
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

// Copies into pages of `memory` that are backed already (populate), through the direct
// map: the address space need not be the one loaded.
Result<void> write_backed(const AddressSpace& memory, u64 address, const u8* bytes, u64 length) {
    while (length) {
        auto phys = memory.page_table().translate(address);
        if (!phys) return Error(EFAULT);
        u64 chunk = kPage - (address & (kPage - 1));
        if (chunk > length) chunk = length;
        memcpy(layout::phys_to_virt(*phys), bytes, chunk);
        address += chunk;
        bytes += chunk;
        length -= chunk;
    }
    return {};
}

// Everything after the address space exists; `memory` is freed by the caller on error.
Result<void> load_into(AddressSpace& memory, const LoadRequest& request, LoadedProgram& out) {
    RefPtr<fs::Dentry> exe_name = request.file_name;
    auto exe = request.file ? file_bytes(request.file) : program_bytes(*request.directory, request.path, exe_name);
    if (exe.is_error()) return failed(out, exe.error(), "{}: {}", request.path, err::name(exe.error()));
    out.exe = exe_name;
    elf::Diagnosis diagnosis{};
    auto file = elf::ElfFile::parse(exe.value(), &diagnosis);
    if (file.is_error()) return failed(out, ENOEXEC, "{}: {}", request.path, diagnosis.reason);
    u64 bias = elf::kDefaultPieBias + random_pages(request.aslr, kPieRandomPages);
    elf::LoadDiagnosis load_diagnosis{};
    auto planned = elf::plan_load(file.value(), bias, &load_diagnosis);
    if (planned.is_error()) return failed(out, ENOEXEC, "{}: {}", request.path, load_diagnosis.reason);
    const elf::LoadPlan& plan = planned.value();

    // A dynamic program: its interpreter (ld.so) is loaded too, and started first.
    std::span<const u8> interpreter_bytes;
    RefPtr<fs::Dentry> interpreter_name;
    std::string_view interpreter_path;
    if (plan.interpreter) {
        interpreter_path = std::string_view(plan.interpreter->data(), plan.interpreter->size());
        auto bytes = program_bytes(*request.directory, interpreter_path, interpreter_name);
        if (bytes.is_error())
            return failed(out, bytes.error(), "{}: its interpreter {}: {}", request.path, interpreter_path,
                          err::name(bytes.error()));
        interpreter_bytes = bytes.value();
    }

    // The image: each segment is a private mapping of its bytes, the rest of its last
    // page and its bss reading as zeros.
    if (map_image(memory, exe.value(), plan, exe_name).is_error())
        return failed(out, ENOMEM, "out of memory loading {}", request.path);

    // Layout: stack at the top, mmap area below it, brk after the image; each randomized.
    u64 stack_size = request.stack_limit < kMinStackSize   ? kMinStackSize
                     : request.stack_limit > kMaxStackSize ? kMaxStackSize
                                                           : align_up(request.stack_limit, kPage);
    u64 argument_room = stack_size / 4 > kMinArgumentRoom ? stack_size / 4 : kMinArgumentRoom;
    u64 stack_top = kStackTop - random_pages(request.aslr, kStackRandomPages);
    u64 stack_bottom = stack_top - stack_size;
    u64 mmap_top = stack_bottom - kStackGap - random_pages(request.aslr, kMmapRandomPages);
    u64 brk_start = align_up(plan.image_end, kPage) + random_pages(request.aslr, kBrkRandomPages);
    out.entry = out.program_entry = plan.entry;
    u64 interpreter_base = 0;
    if (plan.interpreter) {
        // The interpreter goes at the top of the mmap area, like Linux's first mmap.
        elf::Diagnosis interpreter_diagnosis{};
        auto interpreter_file = elf::ElfFile::parse(interpreter_bytes, &interpreter_diagnosis);
        if (interpreter_file.is_error())
            return failed(out, ENOEXEC, "{}: interpreter {}: {}", request.path, interpreter_path,
                          interpreter_diagnosis.reason);
        auto probe = elf::plan_load(interpreter_file.value(), elf::kDefaultPieBias, &load_diagnosis);
        if (probe.is_error())
            return failed(out, ENOEXEC, "{}: interpreter {}: {}", request.path, interpreter_path, load_diagnosis.reason);
        u64 span = align_up(probe.value().image_end - probe.value().image_start, kPage);
        interpreter_base = align_down(mmap_top - span, probe.value().max_align > kPage ? probe.value().max_align : kPage);
        interpreter_base -= probe.value().image_start - elf::kDefaultPieBias;
        auto interpreter_plan = elf::plan_load(interpreter_file.value(), interpreter_base, &load_diagnosis);
        if (interpreter_plan.is_error())
            return failed(out, ENOEXEC, "{}: interpreter {}: {}", request.path, interpreter_path, load_diagnosis.reason);
        if (map_image(memory, interpreter_bytes, interpreter_plan.value(), interpreter_name).is_error())
            return failed(out, ENOMEM, "out of memory loading {}", interpreter_path);
        out.entry = interpreter_plan.value().entry;
        mmap_top = interpreter_base + (probe.value().image_start - elf::kDefaultPieBias) - kPage;
    }
    // The vDSO and its time page go next, below the interpreter (as Linux places them),
    // so they move with the mmap area's randomization.
    auto vdso_base = vdso::map(memory, align_down(mmap_top, kPage));
    if (vdso_base.is_error()) return failed(out, vdso_base.error(), "out of memory mapping the vDSO");
    mmap_top = vdso_base.value() - kPage - kPage;  // its time page, then a gap
    memory.set_layout(mmap_top, brk_start);
    u32 stack_prot = 3 | (plan.executable_stack ? 4u : 0u);
    if (memory.map_fixed(stack_bottom, stack_size, stack_prot, nullptr, 0, kTagStack).is_error())
        return failed(out, ENOMEM, "out of memory for the stack of {}", request.path);

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
    aux.add(AT_UID, request.uid);
    aux.add(AT_EUID, request.euid);
    aux.add(AT_GID, request.gid);
    aux.add(AT_EGID, request.egid);
    aux.add(AT_SECURE, 0);
    aux.add(AT_HWCAP, leaf1.edx);
    aux.add(AT_HWCAP2, 0);
    aux.add(AT_CLKTCK, 100);
    aux.add(AT_MINSIGSTKSZ, sizeof(RtSigFrame) + fpu::state_size() + 4 + 128);
    StackInput input;
    input.argv = request.argv;
    input.envp = request.envp;
    input.execfn = request.execfn;
    input.auxv = aux.entries();
    krandom::fill(input.random.data(), input.random.size());
    input.stack_top = stack_top;
    for (usize window_size = 64 * KiB;; window_size *= 2) {
        if (window_size > argument_room) return failed(out, E2BIG, "{}: argument list too long", request.path);
        auto buffer = heap::allocate(window_size, 16);
        if (buffer.is_error()) return failed(out, ENOMEM, "out of memory starting {}", request.path);
        input.window = {static_cast<u8*>(buffer.value()), window_size};
        auto layout = build_initial_stack(input);
        if (layout.is_error()) {
            heap::free(buffer.value());
            if (layout.error() == E2BIG) continue;
            return failed(out, layout.error(), "{}: cannot build the initial stack ({})", request.path,
                          err::name(layout.error()));
        }
        u64 used = stack_top - layout.value().rsp;
        u64 copied_from = stack_top - window_size;
        Result<void> copied = memory.populate(align_down(layout.value().rsp, kPage), stack_top);
        if (copied.is_ok())
            copied = write_backed(memory, layout.value().rsp, input.window.data() + (layout.value().rsp - copied_from), used);
        const u8* placed_auxv = input.window.data() + (layout.value().auxv - copied_from);
        out.auxv_count = 0;
        while (out.auxv_count < sizeof out.auxv / sizeof out.auxv[0]) {
            memcpy(&out.auxv[out.auxv_count], placed_auxv + out.auxv_count * sizeof(AuxEntry), sizeof(AuxEntry));
            if (out.auxv[out.auxv_count++].type == AT_NULL) break;
        }
        heap::free(buffer.value());
        if (copied.is_error()) return failed(out, ENOMEM, "out of memory starting {}", request.path);
        out.stack = layout.value();
        return {};
    }
}

}  // namespace

Result<void> load_program(const LoadRequest& request, LoadedProgram& out) {
    out.why[0] = '\0';
    auto created = AddressSpace::create();
    if (created.is_error()) return failed(out, ENOMEM, "out of memory starting {}", request.path);
    if (auto loaded = load_into(*created.value(), request, out); loaded.is_error()) {
        delete created.value();
        return loaded;
    }
    out.memory = created.value();
    return {};
}

}  // namespace linux_abi
