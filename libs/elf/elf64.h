// ELF64 (x86-64, little-endian) definitions and a bounds-checked reader over a whole file
// held in memory. Shared by the kernel's program loader, the ksyms tool and `osprey inspect`.
//
//   auto file = TRY(elf::ElfFile::parse(bytes));
//   for (elf::Phdr ph : file.program_headers()) ...
//
// The bytes may sit at any alignment (a file read into a byte buffer, a cpio member), so
// structures are copied out with memcpy and handed out by value, never as pointers into
// the buffer. parse() validates the tables; accessors validate whatever they reach further.
#pragma once

#include <cstring>
#include <optional>
#include <span>
#include <string_view>
#include <type_traits>

#include "base/result.h"
#include "base/types.h"

namespace elf {

// e_ident
constexpr u8 ELFMAG[4] = {0x7f, 'E', 'L', 'F'};
constexpr usize EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6, EI_OSABI = 7, EI_NIDENT = 16;
constexpr u8 ELFCLASS32 = 1, ELFCLASS64 = 2;
constexpr u8 ELFDATA2LSB = 1, ELFDATA2MSB = 2;
constexpr u8 EV_CURRENT = 1;

// e_type
constexpr u16 ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;

// e_machine (only the ones we name in error messages)
constexpr u16 EM_SPARC = 2, EM_386 = 3, EM_MIPS = 8, EM_PPC = 20, EM_PPC64 = 21,
              EM_S390 = 22, EM_ARM = 40, EM_SPARCV9 = 43, EM_IA_64 = 50, EM_X86_64 = 62,
              EM_AARCH64 = 183, EM_RISCV = 243, EM_LOONGARCH = 258;

// p_type
constexpr u32 PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4,
              PT_SHLIB = 5, PT_PHDR = 6, PT_TLS = 7, PT_GNU_EH_FRAME = 0x6474e550,
              PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552,
              PT_GNU_PROPERTY = 0x6474e553;

// p_flags
constexpr u32 PF_X = 1, PF_W = 2, PF_R = 4;

// sh_type
constexpr u32 SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
              SHT_HASH = 5, SHT_DYNAMIC = 6, SHT_NOTE = 7, SHT_NOBITS = 8, SHT_REL = 9,
              SHT_DYNSYM = 11, SHT_INIT_ARRAY = 14, SHT_FINI_ARRAY = 15;

// sh_flags
constexpr u64 SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4, SHF_TLS = 0x400;

// Special section indices
constexpr u16 SHN_UNDEF = 0, SHN_LORESERVE = 0xff00, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2,
              SHN_XINDEX = 0xffff;

// st_info
constexpr u8 STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
constexpr u8 STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
             STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;

// d_tag
constexpr i64 DT_NULL = 0, DT_NEEDED = 1, DT_PLTRELSZ = 2, DT_HASH = 4, DT_STRTAB = 5,
              DT_SYMTAB = 6, DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9, DT_STRSZ = 10,
              DT_SYMENT = 11, DT_INIT = 12, DT_FINI = 13, DT_SONAME = 14, DT_RPATH = 15,
              DT_REL = 17, DT_JMPREL = 23, DT_BIND_NOW = 24, DT_RUNPATH = 29,
              DT_FLAGS = 30, DT_FLAGS_1 = 0x6ffffffb;
constexpr u64 DF_1_PIE = 0x08000000;

// x86-64 relocation types the loader handles
constexpr u32 R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_GLOB_DAT = 6,
              R_X86_64_JUMP_SLOT = 7, R_X86_64_RELATIVE = 8, R_X86_64_IRELATIVE = 37;

struct Ehdr {
    u8 e_ident[EI_NIDENT];
    u16 e_type;
    u16 e_machine;
    u32 e_version;
    u64 e_entry;
    u64 e_phoff;
    u64 e_shoff;
    u32 e_flags;
    u16 e_ehsize;
    u16 e_phentsize;
    u16 e_phnum;
    u16 e_shentsize;
    u16 e_shnum;
    u16 e_shstrndx;
};

struct Phdr {
    u32 p_type;
    u32 p_flags;
    u64 p_offset;
    u64 p_vaddr;
    u64 p_paddr;
    u64 p_filesz;
    u64 p_memsz;
    u64 p_align;
};

struct Shdr {
    u32 sh_name;
    u32 sh_type;
    u64 sh_flags;
    u64 sh_addr;
    u64 sh_offset;
    u64 sh_size;
    u32 sh_link;
    u32 sh_info;
    u64 sh_addralign;
    u64 sh_entsize;
};

struct Sym {
    u32 st_name;
    u8 st_info;
    u8 st_other;
    u16 st_shndx;
    u64 st_value;
    u64 st_size;

    u8 bind() const { return st_info >> 4; }
    u8 type() const { return st_info & 0xf; }
};

struct Dyn {
    i64 d_tag;
    u64 d_val;
};

struct Rela {
    u64 r_offset;
    u64 r_info;
    i64 r_addend;

    u32 type() const { return static_cast<u32>(r_info); }
    u32 symbol() const { return static_cast<u32>(r_info >> 32); }
};

struct Nhdr {
    u32 n_namesz;
    u32 n_descsz;
    u32 n_type;
};

static_assert(sizeof(Ehdr) == 64 && sizeof(Phdr) == 56 && sizeof(Shdr) == 64);
static_assert(sizeof(Sym) == 24 && sizeof(Dyn) == 16 && sizeof(Rela) == 24);

// Why a file was refused. Each value has one fixed human-readable reason (see reason()).
enum class Problem : u8 {
    None,
    NotElf,
    TruncatedHeader,
    Elf32,
    BigEndian,
    BadIdent,  // unknown class, data encoding or version
    NotX86_64,
    NotExecutable,  // ET_REL, ET_CORE, ...
    BadHeaderSize,
    BadProgramHeaderSize,
    TruncatedProgramHeaders,
    BadSectionHeaderSize,
    TruncatedSectionHeaders,
    BadSectionNameIndex,
    TruncatedSegment,
    SegmentFileSizeExceedsMemSize,
    MultipleInterpreters,
    BadInterpreter,
};

struct Diagnosis {
    Problem problem = Problem::None;
    u16 machine = 0;  // e_machine, meaningful for NotX86_64
    // A short lowercase phrase for the user ("not x86-64 (it is aarch64)"); never null.
    const char* reason = "";
    bool ok() const { return problem == Problem::None; }
};

// The fixed reason for a problem, without machine detail.
const char* reason(Problem problem);
// "aarch64", "i386", ... or "unknown machine".
const char* machine_name(u16 e_machine);

// Copies a T out of bytes[offset..] if it fits entirely.
template <typename T>
std::optional<T> read_at(std::span<const u8> bytes, u64 offset) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, bytes.data() + offset, sizeof(T));
    return value;
}

// The NUL-terminated string at bytes[offset..]; nullopt if it runs off the end.
std::optional<std::string_view> string_at(std::span<const u8> bytes, u64 offset);

// A table of fixed-size records inside an already bounds-checked byte range, read by value.
template <typename T>
class Table {
public:
    Table() = default;
    Table(std::span<const u8> bytes, usize count, usize stride)
        : m_bytes(bytes), m_count(count), m_stride(stride) {}

    usize size() const { return m_count; }
    bool empty() const { return m_count == 0; }
    T operator[](usize index) const {
        T value;
        std::memcpy(&value, m_bytes.data() + index * m_stride, sizeof(T));
        return value;
    }

    class Iterator {
    public:
        Iterator(const Table* table, usize index) : m_table(table), m_index(index) {}
        T operator*() const { return (*m_table)[m_index]; }
        Iterator& operator++() {
            ++m_index;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_index == other.m_index; }

    private:
        const Table* m_table;
        usize m_index;
    };
    Iterator begin() const { return {this, 0}; }
    Iterator end() const { return {this, m_count}; }

private:
    std::span<const u8> m_bytes;
    usize m_count = 0;
    usize m_stride = sizeof(T);
};

struct Symbol {
    Sym sym;
    std::string_view name;  // empty when st_name is 0 or points outside the string table
};

// The entries of one SHT_SYMTAB or SHT_DYNSYM section, with names from its linked string
// table. Entry 0 (the null symbol) is included, as in the file.
class SymbolTable {
public:
    SymbolTable() = default;
    SymbolTable(Table<Sym> symbols, std::span<const u8> strings)
        : m_symbols(symbols), m_strings(strings) {}

    usize size() const { return m_symbols.size(); }
    Symbol operator[](usize index) const;

    class Iterator {
    public:
        Iterator(const SymbolTable* table, usize index) : m_table(table), m_index(index) {}
        Symbol operator*() const { return (*m_table)[m_index]; }
        Iterator& operator++() {
            ++m_index;
            return *this;
        }
        bool operator==(const Iterator& other) const { return m_index == other.m_index; }

    private:
        const SymbolTable* m_table;
        usize m_index;
    };
    Iterator begin() const { return {this, 0}; }
    Iterator end() const { return {this, size()}; }

private:
    Table<Sym> m_symbols;
    std::span<const u8> m_strings;
};

class ElfFile {
public:
    // Validates the ELF header, the program header table (each segment's file range, and
    // PT_INTERP) and the section header table. Every failure is ENOEXEC; pass `diagnosis`
    // to learn why.
    static Result<ElfFile> parse(std::span<const u8> file, Diagnosis* diagnosis = nullptr);
    // The same checks for a file of `file_size` bytes of which only the first ones, `head`,
    // are at hand (a program the kernel reads from a disk as it is touched): the ELF and
    // program headers and PT_INTERP must lie in the head (TruncatedProgramHeaders,
    // BadInterpreter otherwise), segments in the file. The section headers are not read:
    // section_headers() is empty, and segment_data() holds only what lies in the head.
    static Result<ElfFile> parse_head(std::span<const u8> head, u64 file_size, Diagnosis* diagnosis = nullptr);

    std::span<const u8> bytes() const { return m_file; }
    const Ehdr& header() const { return m_header; }
    bool is_pie_or_shared() const { return m_header.e_type == ET_DYN; }

    Table<Phdr> program_headers() const { return m_program_headers; }
    // The file bytes of a segment (p_offset, p_filesz); checked by parse() for tables
    // obtained from this file, checked again here for any Phdr. Empty when p_filesz is 0,
    // whatever p_offset says.
    Result<std::span<const u8>> segment_data(const Phdr& phdr) const;
    // Whether the segment's file range (p_offset, p_filesz) lies in the file.
    bool segment_in_file(const Phdr& phdr) const;
    // The PT_INTERP path without its NUL ("/lib64/ld-linux-x86-64.so.2"), if any.
    std::optional<std::string_view> interpreter() const { return m_interpreter; }

    Table<Shdr> section_headers() const { return m_section_headers; }
    // The section's name from .shstrtab; nullopt when there is none or it is out of bounds.
    std::optional<std::string_view> section_name(const Shdr& shdr) const;
    std::optional<Shdr> find_section(std::string_view name) const;
    // The file bytes of a section; empty for SHT_NOBITS. ENOEXEC when out of bounds.
    Result<std::span<const u8>> section_data(const Shdr& shdr) const;

    // The first section of `type` (SHT_SYMTAB or SHT_DYNSYM) with its string table.
    // ENOENT when the file has none (e.g. stripped), ENOEXEC when it is malformed.
    Result<SymbolTable> symbols(u32 type = SHT_SYMTAB) const;

private:
    ElfFile() = default;
    Diagnosis load(std::span<const u8> file, u64 file_size, bool head_only);

    std::span<const u8> m_file;  // the whole file, or its head (parse_head)
    u64 m_file_size = 0;
    Ehdr m_header{};
    Table<Phdr> m_program_headers;
    Table<Shdr> m_section_headers;
    std::span<const u8> m_section_names;  // .shstrtab; empty when absent
    std::optional<std::string_view> m_interpreter;
};

// Why parse() would refuse `file` (Problem::None if it would accept it).
Diagnosis diagnose(std::span<const u8> file);

}  // namespace elf
