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
using mm::Backing;
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

// A program's file. In the initramfs and never written, its bytes are in place and its
// segments map them; anywhere else (a disk, a file written since boot) only its head is
// read at exec, and its segments are filled from the file as they are touched, so a
// program of any size runs and nothing of it stays in kernel memory after its last
// mapping. Linux refuses writes to a running program (ETXTBSY); Osprey does not yet, so a
// page not yet touched would see such a write.
class ProgramFile {
public:
    ProgramFile() = default;
    ProgramFile(const ProgramFile&) = delete;
    ProgramFile& operator=(const ProgramFile&) = delete;
    ~ProgramFile() { heap::free(m_head_buffer); }

    // EACCES unless `inode` is a regular file someone may execute, on a file system
    // mounted without MS_NOEXEC.
    Result<void> open(RefPtr<fs::Inode> inode) {
        if (inode->is_directory()) return Error(EACCES);
        if (inode->type() != fs::InodeType::Regular) return Error(EACCES);
        if (!(inode->m_permissions & 0111) || inode->filesystem().no_exec) return Error(EACCES);
        m_inode = inode;
        m_in_place = inode->contents_in_place();
        m_size = m_in_place.empty() ? inode->size() : m_in_place.size();
        return {};
    }

    // Parsed from the bytes in place, or from a head read from the file: its first 64 KiB,
    // or its first 1 MiB when the program headers or PT_INTERP lie past those.
    Result<elf::ElfFile> parse(elf::Diagnosis& diagnosis) {
        if (!m_in_place.empty()) return elf::ElfFile::parse(m_in_place, &diagnosis);
        for (u64 limit : {64 * KiB, 1 * MiB}) {
            u64 length = m_size < limit ? m_size : limit;
            TRY(read_head(length));
            auto parsed = elf::ElfFile::parse_head(m_head, m_size, &diagnosis);
            bool may_need_more = diagnosis.problem == elf::Problem::TruncatedProgramHeaders ||
                                 diagnosis.problem == elf::Problem::BadInterpreter;
            if (parsed.is_ok() || !may_need_more || length == m_size) return parsed;
        }
        return Error(ENOEXEC);
    }

    // The pages of a segment's file bytes, [0, end) of the file.
    Backing* segment_pages(u64 end, RefPtr<fs::Dentry> name);

private:
    Result<void> read_head(u64 length) {
        heap::free(m_head_buffer);
        m_head_buffer = nullptr;
        m_head = {};
        m_head_buffer = TRY(heap::allocate(length ? length : 1));
        usize got = TRY(m_inode->read(0, fs::IoBuffer::kernel(m_head_buffer, length)));
        m_head = {static_cast<const u8*>(m_head_buffer), got};
        return {};
    }

    RefPtr<fs::Inode> m_inode;
    std::span<const u8> m_in_place;
    u64 m_size = 0;
    void* m_head_buffer = nullptr;
    std::span<const u8> m_head;
};

// A segment's pages read from the program's file when touched (a private mapping: the
// process writes to its own copies), bytes past `end` reading as zeros.
class ProgramPages final : public Backing {
public:
    ProgramPages(RefPtr<fs::Inode> inode, u64 end, RefPtr<fs::Dentry> name)
        : m_inode(static_cast<RefPtr<fs::Inode>&&>(inode)), m_end(end), m_name(static_cast<RefPtr<fs::Dentry>&&>(name)) {}
    Result<void> fill(u64 offset, u8* page) override {
        usize got = 0;
        if (offset < m_end) {
            u64 wanted = m_end - offset < kPage ? m_end - offset : kPage;
            got = TRY(m_inode->read(offset, fs::IoBuffer::kernel(page, wanted)));
        }
        memset(page + got, 0, kPage - got);
        return {};
    }
    fs::Dentry* dentry() const override { return m_name.get(); }
    bool freed_with_last_mapping() const override { return true; }

private:
    RefPtr<fs::Inode> m_inode;
    u64 m_end;
    RefPtr<fs::Dentry> m_name;
};

Backing* ProgramFile::segment_pages(u64 end, RefPtr<fs::Dentry> name) {
    if (!m_in_place.empty()) return new (std::nothrow) FileImage(m_in_place.data(), end, name);
    return new (std::nothrow) ProgramPages(m_inode, end, name);
}

Result<void> open_program(fs::Inode& start, std::string_view path, RefPtr<fs::Dentry>& name, ProgramFile& out) {
    return out.open(TRY(fs::resolve(start, path, true, &name)));
}

// Maps each segment as Linux does: its file pages as a private mapping of the file at the
// segment's offset (the rest of the last page reading as zeros), then the bss beyond them
// as anonymous memory.
Result<void> map_image(AddressSpace& memory, ProgramFile& program, const elf::LoadPlan& plan,
                       RefPtr<fs::Dentry> name) {
    for (const auto& segment : plan.segments()) {
        u64 file_end = segment.file_size ? align_up(segment.start + segment.file_size, kPage) : segment.start;
        if (file_end > segment.end) file_end = segment.end;
        if (file_end > segment.start) {
            Backing* pages = program.segment_pages(segment.file_offset + segment.file_size, name);
            if (!pages) return Error(ENOMEM);
            TRY(memory.map_fixed(segment.start, file_end - segment.start, segment.prot, pages, segment.file_offset,
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
    ProgramFile exe;
    auto opened = request.file ? exe.open(request.file) : open_program(*request.directory, request.path, exe_name, exe);
    if (opened.is_error()) return failed(out, opened.error(), "{}: {}", request.path, err::name(opened.error()));
    out.exe = exe_name;
    elf::Diagnosis diagnosis{};
    auto file = exe.parse(diagnosis);
    if (file.is_error() && file.error() != ENOEXEC)
        return failed(out, file.error(), "{}: {}", request.path, err::name(file.error()));
    if (file.is_error()) return failed(out, ENOEXEC, "{}: {}", request.path, diagnosis.reason);
    u64 bias = elf::kDefaultPieBias + random_pages(request.aslr, kPieRandomPages);
    elf::LoadDiagnosis load_diagnosis{};
    auto planned = elf::plan_load(file.value(), bias, &load_diagnosis);
    if (planned.is_error()) return failed(out, ENOEXEC, "{}: {}", request.path, load_diagnosis.reason);
    const elf::LoadPlan& plan = planned.value();

    // A dynamic program: its interpreter (ld.so) is loaded too, and started first.
    ProgramFile interpreter;
    RefPtr<fs::Dentry> interpreter_name;
    std::string_view interpreter_path;
    if (plan.interpreter) {
        interpreter_path = std::string_view(plan.interpreter->data(), plan.interpreter->size());
        auto found = open_program(*request.directory, interpreter_path, interpreter_name, interpreter);
        if (found.is_error())
            return failed(out, found.error(), "{}: its interpreter {}: {}", request.path, interpreter_path,
                          err::name(found.error()));
    }

    // The image: each segment is a private mapping of its bytes, the rest of its last
    // page and its bss reading as zeros.
    if (map_image(memory, exe, plan, exe_name).is_error())
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
        auto interpreter_file = interpreter.parse(interpreter_diagnosis);
        if (interpreter_file.is_error() && interpreter_file.error() != ENOEXEC)
            return failed(out, interpreter_file.error(), "{}: interpreter {}: {}", request.path, interpreter_path,
                          err::name(interpreter_file.error()));
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
        if (map_image(memory, interpreter, interpreter_plan.value(), interpreter_name).is_error())
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
