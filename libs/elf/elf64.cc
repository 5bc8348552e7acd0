#include "elf/elf64.h"

#include <algorithm>
#include <limits>

namespace elf {

namespace {

// Linux refuses longer PT_INTERP paths too (PATH_MAX).
constexpr u64 kMaxInterpreterLength = 4096;

// [offset, offset + size) lies inside a file of file_size bytes. Written so that hostile
// 64-bit values cannot wrap around.
bool range_in_file(u64 file_size, u64 offset, u64 size) {
    return offset <= file_size && size <= file_size - offset;
}

bool table_in_file(u64 file_size, u64 offset, u64 count, u64 entry_size) {
    if (count != 0 && entry_size > std::numeric_limits<u64>::max() / count) return false;
    return range_in_file(file_size, offset, count * entry_size);
}

const char* not_x86_64_reason(u16 machine) {
    switch (machine) {
    case EM_386: return "not x86-64 (it is i386)";
    case EM_AARCH64: return "not x86-64 (it is aarch64)";
    case EM_ARM: return "not x86-64 (it is arm)";
    case EM_RISCV: return "not x86-64 (it is riscv)";
    case EM_PPC: return "not x86-64 (it is powerpc)";
    case EM_PPC64: return "not x86-64 (it is powerpc64)";
    case EM_S390: return "not x86-64 (it is s390)";
    case EM_MIPS: return "not x86-64 (it is mips)";
    case EM_SPARC: return "not x86-64 (it is sparc)";
    case EM_SPARCV9: return "not x86-64 (it is sparc64)";
    case EM_IA_64: return "not x86-64 (it is ia64)";
    case EM_LOONGARCH: return "not x86-64 (it is loongarch)";
    default: return "not x86-64 (unknown machine)";
    }
}

Diagnosis failure(Problem problem, u16 machine = 0) {
    Diagnosis diagnosis;
    diagnosis.problem = problem;
    diagnosis.machine = machine;
    diagnosis.reason =
        problem == Problem::NotX86_64 ? not_x86_64_reason(machine) : reason(problem);
    return diagnosis;
}

}  // namespace

const char* reason(Problem problem) {
    switch (problem) {
    case Problem::None: return "ok";
    case Problem::NotElf: return "not an ELF file";
    case Problem::TruncatedHeader: return "truncated ELF header";
    case Problem::Elf32: return "32-bit ELF is not supported";
    case Problem::BigEndian: return "big-endian ELF is not supported";
    case Problem::BadIdent: return "unsupported ELF class, encoding or version";
    case Problem::NotX86_64: return "not x86-64";
    case Problem::NotExecutable: return "not an executable or shared object";
    case Problem::BadHeaderSize: return "bad ELF header size";
    case Problem::BadProgramHeaderSize: return "bad program header entry size";
    case Problem::TruncatedProgramHeaders: return "truncated program header table";
    case Problem::BadSectionHeaderSize: return "bad section header entry size";
    case Problem::TruncatedSectionHeaders: return "truncated section header table";
    case Problem::BadSectionNameIndex: return "bad section name table";
    case Problem::TruncatedSegment: return "segment extends beyond the end of the file";
    case Problem::SegmentFileSizeExceedsMemSize: return "segment file size exceeds memory size";
    case Problem::MultipleInterpreters: return "more than one PT_INTERP";
    case Problem::BadInterpreter: return "malformed PT_INTERP";
    }
    return "invalid ELF file";
}

const char* machine_name(u16 e_machine) {
    switch (e_machine) {
    case EM_X86_64: return "x86-64";
    case EM_386: return "i386";
    case EM_AARCH64: return "aarch64";
    case EM_ARM: return "arm";
    case EM_RISCV: return "riscv";
    case EM_PPC: return "powerpc";
    case EM_PPC64: return "powerpc64";
    case EM_S390: return "s390";
    case EM_MIPS: return "mips";
    case EM_SPARC: return "sparc";
    case EM_SPARCV9: return "sparc64";
    case EM_IA_64: return "ia64";
    case EM_LOONGARCH: return "loongarch";
    default: return "unknown machine";
    }
}

std::optional<std::string_view> string_at(std::span<const u8> bytes, u64 offset) {
    if (offset >= bytes.size()) return std::nullopt;
    auto start = bytes.begin() + static_cast<isize>(offset);
    auto nul = std::find(start, bytes.end(), u8{0});
    if (nul == bytes.end()) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(&*start),
                            static_cast<usize>(nul - start));
}

Symbol SymbolTable::operator[](usize index) const {
    Symbol symbol{m_symbols[index], {}};
    symbol.name = string_at(m_strings, symbol.sym.st_name).value_or(std::string_view{});
    return symbol;
}

Result<ElfFile> ElfFile::parse(std::span<const u8> file, Diagnosis* diagnosis) {
    ElfFile elf;
    Diagnosis result = elf.load(file, file.size(), false);
    if (diagnosis) *diagnosis = result;
    if (!result.ok()) return Error(ENOEXEC);
    return elf;
}

Result<ElfFile> ElfFile::parse_head(std::span<const u8> head, u64 file_size, Diagnosis* diagnosis) {
    ElfFile elf;
    Diagnosis result =
        head.size() > file_size ? failure(Problem::TruncatedHeader) : elf.load(head, file_size, true);
    if (diagnosis) *diagnosis = result;
    if (!result.ok()) return Error(ENOEXEC);
    return elf;
}

Diagnosis diagnose(std::span<const u8> file) {
    Diagnosis diagnosis;
    (void)ElfFile::parse(file, &diagnosis);
    return diagnosis;
}

Diagnosis ElfFile::load(std::span<const u8> file, u64 file_size, bool head_only) {
    // Headers and tables are read from what is at hand; segments are checked against the
    // whole file.
    const u64 size = file.size();
    m_file = file;
    m_file_size = file_size;

    // Identification first: its 16 bytes are laid out the same for every class, so a
    // 32-bit or big-endian file is named as such even when it is shorter than an Ehdr.
    if (size < 4 || std::memcmp(file.data(), ELFMAG, 4) != 0) return failure(Problem::NotElf);
    if (size < EI_NIDENT) return failure(Problem::TruncatedHeader);
    if (file[EI_CLASS] == ELFCLASS32) return failure(Problem::Elf32);
    if (file[EI_CLASS] != ELFCLASS64) return failure(Problem::BadIdent);
    if (file[EI_DATA] == ELFDATA2MSB) return failure(Problem::BigEndian);
    if (file[EI_DATA] != ELFDATA2LSB || file[EI_VERSION] != EV_CURRENT)
        return failure(Problem::BadIdent);

    auto header = read_at<Ehdr>(file, 0);
    if (!header) return failure(Problem::TruncatedHeader);
    m_header = *header;
    if (m_header.e_machine != EM_X86_64) return failure(Problem::NotX86_64, m_header.e_machine);
    if (m_header.e_version != EV_CURRENT) return failure(Problem::BadIdent);
    if (m_header.e_type != ET_EXEC && m_header.e_type != ET_DYN)
        return failure(Problem::NotExecutable);
    if (m_header.e_ehsize < sizeof(Ehdr)) return failure(Problem::BadHeaderSize);

    if (m_header.e_phnum != 0) {
        if (m_header.e_phentsize != sizeof(Phdr)) return failure(Problem::BadProgramHeaderSize);
        if (!table_in_file(size, m_header.e_phoff, m_header.e_phnum, sizeof(Phdr)))
            return failure(Problem::TruncatedProgramHeaders);
        m_program_headers = Table<Phdr>(file.subspan(m_header.e_phoff), m_header.e_phnum,
                                        sizeof(Phdr));
    }
    for (Phdr phdr : m_program_headers) {
        // A segment without file bytes has no file range to check: GNU ld gives a PT_TLS
        // holding only .tbss the offset .tdata would have had, past the end of a file that
        // ends before it, and Linux runs such a program.
        if (phdr.p_filesz != 0 && !range_in_file(file_size, phdr.p_offset, phdr.p_filesz))
            return failure(Problem::TruncatedSegment);
        if (phdr.p_type == PT_LOAD && phdr.p_filesz > phdr.p_memsz)
            return failure(Problem::SegmentFileSizeExceedsMemSize);
        if (phdr.p_type != PT_INTERP) continue;
        if (m_interpreter) return failure(Problem::MultipleInterpreters);
        // The path is stored with its NUL; an embedded NUL would make the kernel and a
        // C-string consumer disagree on which file is meant.
        if (phdr.p_filesz < 2 || phdr.p_filesz > kMaxInterpreterLength)
            return failure(Problem::BadInterpreter);
        auto path = string_at(file, phdr.p_offset);
        if (!path || path->size() != phdr.p_filesz - 1) return failure(Problem::BadInterpreter);
        m_interpreter = path;
    }

    // e_shoff == 0 means "no section headers" whatever e_shnum says (sstrip'ed files).
    if (m_header.e_shoff == 0 || head_only) return {};
    if (m_header.e_shentsize != sizeof(Shdr)) return failure(Problem::BadSectionHeaderSize);
    // With 0xff00 sections or more, e_shnum is 0 and e_shstrndx SHN_XINDEX; the real values
    // live in section 0's sh_size and sh_link.
    auto section0 = read_at<Shdr>(file, m_header.e_shoff);
    if (!section0) return failure(Problem::TruncatedSectionHeaders);
    u64 count = m_header.e_shnum != 0 ? m_header.e_shnum : section0->sh_size;
    u64 names_index =
        m_header.e_shstrndx == SHN_XINDEX ? section0->sh_link : m_header.e_shstrndx;
    if (!table_in_file(size, m_header.e_shoff, count, sizeof(Shdr)))
        return failure(Problem::TruncatedSectionHeaders);
    m_section_headers = Table<Shdr>(file.subspan(m_header.e_shoff), count, sizeof(Shdr));

    if (names_index == SHN_UNDEF) return {};
    if (names_index >= count) return failure(Problem::BadSectionNameIndex);
    Shdr names = m_section_headers[names_index];
    if (names.sh_type != SHT_STRTAB || !range_in_file(size, names.sh_offset, names.sh_size))
        return failure(Problem::BadSectionNameIndex);
    m_section_names = file.subspan(names.sh_offset, names.sh_size);
    return {};
}

Result<std::span<const u8>> ElfFile::segment_data(const Phdr& phdr) const {
    if (phdr.p_filesz == 0) return std::span<const u8>{};
    if (!range_in_file(m_file.size(), phdr.p_offset, phdr.p_filesz)) return Error(ENOEXEC);
    return m_file.subspan(phdr.p_offset, phdr.p_filesz);
}

bool ElfFile::segment_in_file(const Phdr& phdr) const {
    return phdr.p_filesz == 0 || range_in_file(m_file_size, phdr.p_offset, phdr.p_filesz);
}

std::optional<std::string_view> ElfFile::section_name(const Shdr& shdr) const {
    return string_at(m_section_names, shdr.sh_name);
}

std::optional<Shdr> ElfFile::find_section(std::string_view name) const {
    for (Shdr shdr : m_section_headers) {
        if (section_name(shdr) == name) return shdr;
    }
    return std::nullopt;
}

Result<std::span<const u8>> ElfFile::section_data(const Shdr& shdr) const {
    if (shdr.sh_type == SHT_NOBITS) return std::span<const u8>{};
    if (!range_in_file(m_file.size(), shdr.sh_offset, shdr.sh_size)) return Error(ENOEXEC);
    return m_file.subspan(shdr.sh_offset, shdr.sh_size);
}

Result<SymbolTable> ElfFile::symbols(u32 type) const {
    for (Shdr shdr : m_section_headers) {
        if (shdr.sh_type != type) continue;
        if (shdr.sh_entsize != sizeof(Sym)) return Error(ENOEXEC);
        auto data = TRY(section_data(shdr));
        if (shdr.sh_link == 0 || shdr.sh_link >= m_section_headers.size())
            return Error(ENOEXEC);
        Shdr strings = m_section_headers[shdr.sh_link];
        if (strings.sh_type != SHT_STRTAB) return Error(ENOEXEC);
        auto string_data = TRY(section_data(strings));
        return SymbolTable(Table<Sym>(data, data.size() / sizeof(Sym), sizeof(Sym)),
                           string_data);
    }
    return Error(ENOENT);
}

}  // namespace elf
