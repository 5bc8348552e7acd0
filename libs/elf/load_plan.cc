#include "elf/load_plan.h"

#include <limits>

namespace elf {

namespace {

constexpr u64 kMaxU64 = std::numeric_limits<u64>::max();

struct Failure {
    LoadProblem problem;
    int phdr_index;
};

u32 prot_of(u32 flags) {
    u32 prot = 0;
    if (flags & PF_R) prot |= kProtRead;
    if (flags & PF_W) prot |= kProtWrite;
    if (flags & PF_X) prot |= kProtExec;
    return prot;
}

// 0 and 1 both mean "no alignment constraint" in ELF. (Not std::has_single_bit: without
// POPCNT it becomes a libgcc call in the kernel.)
bool valid_alignment(u64 align) { return (align & (align - 1)) == 0; }

// [inner, inner + inner_size) lies within [outer, outer + outer_size); sizes already known
// not to wrap.
bool contains(u64 outer, u64 outer_size, u64 inner, u64 inner_size) {
    return inner >= outer && inner - outer <= outer_size &&
           inner_size <= outer_size - (inner - outer);
}

class Planner {
public:
    Planner(const ElfFile& file, u64 bias) : m_file(file), m_header(file.header()) {
        m_plan.type = m_header.e_type;
        m_plan.is_pie = m_header.e_type == ET_DYN;
        m_plan.bias = m_plan.is_pie ? bias : 0;
        m_plan.phnum = m_header.e_phnum;
        m_plan.phent = m_header.e_phentsize;
        m_plan.interpreter = file.interpreter();
    }

    std::optional<Failure> run() {
        if (m_header.e_machine != EM_X86_64 ||
            (m_header.e_type != ET_EXEC && m_header.e_type != ET_DYN))
            return Failure{LoadProblem::NotExecutable, -1};
        if (!is_aligned(m_plan.bias, kPageSize)) return Failure{LoadProblem::MisalignedBias, -1};

        int index = 0;
        std::optional<Phdr> previous;
        for (Phdr phdr : m_file.program_headers()) {
            if (phdr.p_type == PT_LOAD) {
                if (auto failure = add_segment(phdr, index, previous)) return failure;
                if (phdr.p_memsz != 0) previous = phdr;
            }
            ++index;
        }
        if (m_plan.segment_count == 0) return Failure{LoadProblem::NoLoadSegments, -1};

        index = 0;
        for (Phdr phdr : m_file.program_headers()) {
            std::optional<Failure> failure;
            if (phdr.p_type == PT_TLS) failure = add_tls(phdr, index);
            if (phdr.p_type == PT_GNU_STACK) {
                m_plan.has_gnu_stack = true;
                m_plan.gnu_stack_flags = phdr.p_flags;
                m_plan.executable_stack = (phdr.p_flags & PF_X) != 0;
            }
            if (phdr.p_type == PT_PHDR) failure = place_phdrs_from(phdr, index);
            if (failure) return failure;
            ++index;
        }
        if (m_plan.phdr_address == 0) find_phdrs_in_file();

        const u64 entry = m_header.e_entry;
        bool entry_loaded = false;
        for (Phdr phdr : m_file.program_headers()) {
            if (phdr.p_type == PT_LOAD && contains(phdr.p_vaddr, phdr.p_memsz, entry, 1))
                entry_loaded = true;
        }
        if (!entry_loaded) return Failure{LoadProblem::EntryOutsideSegments, -1};
        m_plan.entry = entry + m_plan.bias;
        return std::nullopt;
    }

    const LoadPlan& plan() const { return m_plan; }

private:
    std::optional<Failure> add_segment(const Phdr& phdr, int index,
                                       const std::optional<Phdr>& previous) {
        if (!valid_alignment(phdr.p_align)) return Failure{LoadProblem::BadSegmentAlignment, index};
        if (phdr.p_vaddr % kPageSize != phdr.p_offset % kPageSize)
            return Failure{LoadProblem::MisalignedSegment, index};
        if (phdr.p_filesz > phdr.p_memsz)
            return Failure{LoadProblem::SegmentFileSizeExceedsMemSize, index};
        if (!m_file.segment_in_file(phdr)) return Failure{LoadProblem::SegmentBeyondFile, index};
        // Linux maps nothing for an empty segment.
        if (phdr.p_memsz == 0) return std::nullopt;

        const u64 bias = m_plan.bias;
        if (phdr.p_memsz > kMaxU64 - phdr.p_vaddr || bias >= kUserAddressEnd ||
            phdr.p_vaddr + phdr.p_memsz > kUserAddressEnd - bias)
            return Failure{LoadProblem::SegmentOutOfRange, index};
        const u64 vaddr = phdr.p_vaddr + bias;
        const u64 start = align_down(vaddr, kPageSize);
        if (start < kMinMapAddress) return Failure{LoadProblem::SegmentOutOfRange, index};

        if (previous) {
            if (phdr.p_vaddr < previous->p_vaddr) return Failure{LoadProblem::SegmentsOutOfOrder, index};
            if (start < align_up(previous->p_vaddr + previous->p_memsz + bias, kPageSize))
                return Failure{LoadProblem::SegmentsOverlap, index};
        }
        if (m_plan.segment_count == kMaxLoadSegments)
            return Failure{LoadProblem::TooManyLoadSegments, index};

        LoadSegment& segment = m_plan.segment_storage[m_plan.segment_count++];
        const u64 page_offset = vaddr - start;
        segment.start = start;
        segment.end = align_up(vaddr + phdr.p_memsz, kPageSize);
        // A segment without file bytes takes nothing from the file, not even the bytes before
        // vaddr in its first page: its p_offset may lie past the end (Linux maps it all
        // anonymous too, in elf_load).
        segment.file_offset = phdr.p_filesz == 0 ? 0 : phdr.p_offset - page_offset;
        segment.file_size = phdr.p_filesz == 0 ? 0 : page_offset + phdr.p_filesz;
        segment.bss_start = vaddr + phdr.p_filesz;
        segment.bss_end = vaddr + phdr.p_memsz;
        segment.prot = prot_of(phdr.p_flags);
        segment.flags = phdr.p_flags;

        if ((phdr.p_flags & PF_W) && (phdr.p_flags & PF_X))
            m_plan.has_writable_executable_segment = true;
        if (m_plan.segment_count == 1) m_plan.image_start = segment.start;
        if (segment.end > m_plan.image_end) m_plan.image_end = segment.end;
        if (phdr.p_align > m_plan.max_align) m_plan.max_align = phdr.p_align;
        return std::nullopt;
    }

    // Whether [vaddr, vaddr + size) (unbiased) holds bytes loaded from the file.
    bool file_backed(u64 vaddr, u64 size) const {
        for (Phdr phdr : m_file.program_headers()) {
            if (phdr.p_type == PT_LOAD && contains(phdr.p_vaddr, phdr.p_filesz, vaddr, size))
                return true;
        }
        return false;
    }

    std::optional<Failure> add_tls(const Phdr& phdr, int index) {
        if (m_plan.tls) return Failure{LoadProblem::MultipleTls, index};
        if (!valid_alignment(phdr.p_align) || phdr.p_filesz > phdr.p_memsz ||
            phdr.p_memsz > kMaxU64 - phdr.p_vaddr)
            return Failure{LoadProblem::BadTls, index};
        if (phdr.p_filesz != 0 && !file_backed(phdr.p_vaddr, phdr.p_filesz))
            return Failure{LoadProblem::BadTls, index};
        m_plan.tls = TlsInfo{phdr.p_vaddr + m_plan.bias, phdr.p_filesz, phdr.p_memsz,
                             phdr.p_align == 0 ? 1 : phdr.p_align};
        return std::nullopt;
    }

    u64 phdr_table_size() const { return u64{m_header.e_phnum} * m_header.e_phentsize; }

    std::optional<Failure> place_phdrs_from(const Phdr& phdr, int index) {
        if (phdr.p_vaddr > kMaxU64 - phdr_table_size() ||
            !file_backed(phdr.p_vaddr, phdr_table_size()))
            return Failure{LoadProblem::BadPhdrSegment, index};
        m_plan.phdr_address = phdr.p_vaddr + m_plan.bias;
        return std::nullopt;
    }

    // Without PT_PHDR (many static binaries), the table is wherever e_phoff's bytes land.
    void find_phdrs_in_file() {
        const u64 offset = m_header.e_phoff;
        for (Phdr phdr : m_file.program_headers()) {
            if (phdr.p_type != PT_LOAD || phdr.p_memsz == 0) continue;
            if (contains(phdr.p_offset, phdr.p_filesz, offset, phdr_table_size())) {
                m_plan.phdr_address = phdr.p_vaddr + (offset - phdr.p_offset) + m_plan.bias;
                return;
            }
        }
    }

    const ElfFile& m_file;
    const Ehdr& m_header;
    LoadPlan m_plan;
};

}  // namespace

const char* reason(LoadProblem problem) {
    switch (problem) {
    case LoadProblem::None: return "ok";
    case LoadProblem::NotExecutable: return "not an x86-64 executable or shared object";
    case LoadProblem::NoLoadSegments: return "no loadable (PT_LOAD) segment";
    case LoadProblem::TooManyLoadSegments: return "more than 16 loadable segments";
    case LoadProblem::BadSegmentAlignment:
        return "loadable segment alignment is not a power of two";
    case LoadProblem::MisalignedSegment:
        return "loadable segment address and file offset differ modulo the page size";
    case LoadProblem::SegmentFileSizeExceedsMemSize:
        return "segment file size exceeds memory size";
    case LoadProblem::SegmentBeyondFile: return "segment extends beyond the end of the file";
    case LoadProblem::SegmentOutOfRange:
        return "loadable segment lies outside the user address range";
    case LoadProblem::SegmentsOutOfOrder: return "loadable segments are not in address order";
    case LoadProblem::SegmentsOverlap: return "loadable segments overlap or share a page";
    case LoadProblem::EntryOutsideSegments: return "entry point is not inside a loaded segment";
    case LoadProblem::BadPhdrSegment:
        return "PT_PHDR does not lie inside a loaded segment";
    case LoadProblem::MultipleTls: return "more than one PT_TLS";
    case LoadProblem::BadTls: return "malformed PT_TLS";
    case LoadProblem::MisalignedBias: return "load bias is not page-aligned";
    }
    return "cannot be loaded";
}

Result<LoadPlan> plan_load(const ElfFile& file, u64 load_bias_for_pie, LoadDiagnosis* diagnosis) {
    Planner planner(file, load_bias_for_pie);
    std::optional<Failure> failure = planner.run();
    if (diagnosis) {
        *diagnosis = {};
        if (failure) *diagnosis = {failure->problem, reason(failure->problem), failure->phdr_index};
    }
    if (!failure) return planner.plan();
    return Error(failure->problem == LoadProblem::MisalignedBias ? EINVAL : ENOEXEC);
}

}  // namespace elf
