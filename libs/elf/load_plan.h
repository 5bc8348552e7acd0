// How to map an executable into a fresh address space: the checks Linux's ELF loader makes
// (and a few more, so that a bad file is refused on the host with a reason instead of
// crashing in the guest), turned into a list of page ranges to map, copy and zero.
//
//   auto file = TRY(elf::ElfFile::parse(bytes));
//   elf::LoadDiagnosis why;
//   auto plan = elf::plan_load(file, random_page_aligned_bias, &why);
//   for (const elf::LoadSegment& s : plan.segments()) {
//       map [s.start, s.end) with s.prot
//       copy file[s.file_offset, s.file_offset + s.file_size) to s.start
//       zero [s.bss_start, s.end)     // the partial page after the file bytes, and bss
//   }
//
// Addresses in the plan include the load bias.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "elf/elf64.h"

namespace elf {

constexpr u64 kPageSize = 4096;
// User addresses end below the x86-64 lower half's end (47-bit addresses).
constexpr u64 kUserAddressEnd = 0x0000800000000000;
// Linux refuses to map below vm.mmap_min_addr (64 KiB by default): a null-pointer guard.
constexpr u64 kMinMapAddress = 0x10000;
// Where Linux puts a PIE without ASLR (ELF_ET_DYN_BASE, 2/3 of the address space).
constexpr u64 kDefaultPieBias = 0x555555554000;
constexpr usize kMaxLoadSegments = 16;

// mmap protection bits, Linux values.
constexpr u32 kProtRead = 1, kProtWrite = 2, kProtExec = 4;

enum class LoadProblem : u8 {
    None,
    NotExecutable,  // not ET_EXEC or ET_DYN, or not x86-64
    NoLoadSegments,
    TooManyLoadSegments,
    BadSegmentAlignment,  // p_align not a power of two
    MisalignedSegment,    // p_vaddr and p_offset differ modulo the page size
    SegmentFileSizeExceedsMemSize,
    SegmentBeyondFile,
    SegmentOutOfRange,  // wraps, or reaches the upper half or the first 64 KiB after bias
    SegmentsOutOfOrder,
    SegmentsOverlap,  // their page ranges overlap (sharing a page counts)
    EntryOutsideSegments,
    BadPhdrSegment,  // PT_PHDR not inside a loaded segment
    MultipleTls,
    BadTls,  // PT_TLS alignment or sizes, or its image not inside a loaded segment
    MisalignedBias,  // the caller's bias is not page-aligned (EINVAL, not ENOEXEC)
};

struct LoadDiagnosis {
    LoadProblem problem = LoadProblem::None;
    // A short lowercase phrase for the user; never null, "ok" when nothing is wrong.
    const char* reason = "ok";
    // Index in the program header table of the offending entry, or -1.
    int phdr_index = -1;
    bool ok() const { return problem == LoadProblem::None; }
};

const char* reason(LoadProblem problem);

struct LoadSegment {
    u64 start = 0;        // page-aligned first address
    u64 end = 0;          // page-aligned end of the memory image (vaddr + memsz rounded up)
    u64 file_offset = 0;  // page-aligned file offset of the byte that goes to `start`
    u64 file_size = 0;    // bytes to copy from file_offset: up to vaddr + filesz; 0 (and
                          // file_offset 0) when the segment has no file bytes
    u64 bss_start = 0;    // vaddr + filesz: everything from here to `end` reads as zero
    u64 bss_end = 0;      // vaddr + memsz, exact
    u32 prot = 0;         // kProtRead | kProtWrite | kProtExec
    u32 flags = 0;        // p_flags as in the file
};

struct TlsInfo {
    u64 vaddr = 0;  // of the initialization image (biased)
    u64 file_size = 0;
    u64 mem_size = 0;
    u64 align = 1;
};

struct LoadPlan {
    u16 type = 0;      // ET_EXEC or ET_DYN
    bool is_pie = false;  // ET_DYN: placed at `bias`
    u64 bias = 0;      // added to every p_vaddr; 0 for ET_EXEC
    u64 entry = 0;     // e_entry + bias
    // The program headers in memory (AT_PHDR): PT_PHDR, else the loaded bytes at e_phoff.
    // 0 when no segment loads them; the kernel must then place a copy itself.
    u64 phdr_address = 0;
    u16 phnum = 0;  // AT_PHNUM
    u16 phent = 0;  // AT_PHENT

    std::array<LoadSegment, kMaxLoadSegments> segment_storage{};
    usize segment_count = 0;
    std::span<const LoadSegment> segments() const { return {segment_storage.data(), segment_count}; }

    u64 image_start = 0;  // page-aligned start of the lowest segment
    u64 image_end = 0;    // page-aligned end of the highest segment: where brk starts
    u64 max_align = kPageSize;  // largest p_align of PT_LOAD; a PIE bias aligned to it is best

    std::optional<TlsInfo> tls;
    bool has_gnu_stack = false;
    u32 gnu_stack_flags = 0;
    // x86-64 Linux gives an executable stack when PT_GNU_STACK is absent.
    bool executable_stack = true;
    bool has_writable_executable_segment = false;  // allowed, worth a warning

    // PT_INTERP: the program is dynamically linked; whether to run it is the caller's choice.
    std::optional<std::string_view> interpreter;
    bool is_dynamic() const { return interpreter.has_value(); }
};

// Checks that `file` can be mapped and says how. For ET_DYN, `load_bias_for_pie` (page-
// aligned) is added to every address; it is ignored for ET_EXEC. ENOEXEC for a file that
// cannot be loaded, EINVAL for a misaligned bias; `diagnosis` says why.
Result<LoadPlan> plan_load(const ElfFile& file, u64 load_bias_for_pie,
                           LoadDiagnosis* diagnosis = nullptr);

}  // namespace elf
