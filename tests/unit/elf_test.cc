#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "elf/elf64.h"


namespace {

using elf::Diagnosis;
using elf::ElfFile;
using elf::Problem;

// Assembles an x86-64 ELF in memory: Ehdr, room for up to 8 Phdrs, payload bytes, then
// .shstrtab and the section header table when any section was added.
class ElfBuilder {
public:
    static constexpr u64 kPayloadStart = 64 + 8 * sizeof(elf::Phdr);

    ElfBuilder() {
        std::memcpy(m_header.e_ident, elf::ELFMAG, 4);
        m_header.e_ident[elf::EI_CLASS] = elf::ELFCLASS64;
        m_header.e_ident[elf::EI_DATA] = elf::ELFDATA2LSB;
        m_header.e_ident[elf::EI_VERSION] = elf::EV_CURRENT;
        m_header.e_type = elf::ET_EXEC;
        m_header.e_machine = elf::EM_X86_64;
        m_header.e_version = elf::EV_CURRENT;
        m_header.e_entry = 0x401000;
        m_header.e_ehsize = sizeof(elf::Ehdr);
        m_header.e_phentsize = sizeof(elf::Phdr);
        m_header.e_shentsize = sizeof(elf::Shdr);
        m_section_names.push_back('\0');
        m_sections.push_back({});
    }

    elf::Ehdr& header() { return m_header; }

    // Appends bytes to the payload; returns their file offset.
    u64 add_data(std::string_view bytes) {
        u64 offset = kPayloadStart + m_payload.size();
        m_payload.insert(m_payload.end(), bytes.begin(), bytes.end());
        return offset;
    }

    void add_segment(u32 type, u32 flags, u64 offset, u64 filesz, u64 vaddr = 0x401000,
                     u64 memsz = 0) {
        m_segments.push_back({type, flags, offset, vaddr, vaddr, filesz,
                              memsz ? memsz : filesz, 0x1000});
    }

    void add_interpreter(std::string_view path_with_nul) {
        u64 offset = add_data(path_with_nul);
        add_segment(elf::PT_INTERP, elf::PF_R, offset, path_with_nul.size(), 0x400200);
    }

    // Returns the new section's index.
    u32 add_section(std::string_view name, elf::Shdr shdr) {
        shdr.sh_name = static_cast<u32>(m_section_names.size());
        m_section_names.insert(m_section_names.end(), name.begin(), name.end());
        m_section_names.push_back('\0');
        m_sections.push_back(shdr);
        return static_cast<u32>(m_sections.size() - 1);
    }

    u32 add_data_section(std::string_view name, u32 type, u64 flags, u64 addr,
                         std::string_view bytes, u32 link = 0, u64 entsize = 0) {
        elf::Shdr shdr{};
        shdr.sh_type = type;
        shdr.sh_flags = flags;
        shdr.sh_addr = addr;
        shdr.sh_offset = add_data(bytes);
        shdr.sh_size = bytes.size();
        shdr.sh_link = link;
        shdr.sh_entsize = entsize;
        return add_section(name, shdr);
    }

    struct SymbolSpec {
        std::string name;
        u64 value;
        u64 size;
        u8 type;
        u8 bind;
        u16 shndx;
    };

    // Adds .strtab and .symtab; returns the .symtab index.
    u32 add_symbols(const std::vector<SymbolSpec>& specs) {
        std::string strings(1, '\0');
        std::string table(sizeof(elf::Sym), '\0');  // the null symbol
        for (const auto& spec : specs) {
            elf::Sym sym{static_cast<u32>(strings.size()),
                         static_cast<u8>((spec.bind << 4) | spec.type), 0, spec.shndx,
                         spec.value, spec.size};
            strings += spec.name;
            strings.push_back('\0');
            table.append(reinterpret_cast<const char*>(&sym), sizeof sym);
        }
        u32 strtab = add_data_section(".strtab", elf::SHT_STRTAB, 0, 0, strings);
        return add_data_section(".symtab", elf::SHT_SYMTAB, 0, 0, table, strtab,
                                sizeof(elf::Sym));
    }

    std::vector<u8> build() {
        std::vector<u8> image(kPayloadStart, 0);
        image.insert(image.end(), m_payload.begin(), m_payload.end());
        elf::Ehdr header = m_header;
        header.e_phoff = m_segments.empty() ? 0 : 64;
        header.e_phnum = static_cast<u16>(m_segments.size());
        if (m_sections.size() > 1) {
            elf::Shdr names{};
            names.sh_type = elf::SHT_STRTAB;
            names.sh_name = static_cast<u32>(m_section_names.size());
            for (char c : std::string_view(".shstrtab")) m_section_names.push_back(c);
            m_section_names.push_back('\0');
            names.sh_offset = image.size();
            names.sh_size = m_section_names.size();
            image.insert(image.end(), m_section_names.begin(), m_section_names.end());
            auto sections = m_sections;
            sections.push_back(names);
            image.resize(align_up(image.size(), 8));
            header.e_shoff = image.size();
            header.e_shnum = static_cast<u16>(sections.size());
            header.e_shstrndx = static_cast<u16>(sections.size() - 1);
            for (const auto& s : sections) append(image, s);
        }
        std::memcpy(image.data(), &header, sizeof header);
        for (usize i = 0; i < m_segments.size(); ++i)
            std::memcpy(image.data() + 64 + i * sizeof(elf::Phdr), &m_segments[i],
                        sizeof(elf::Phdr));
        return image;
    }

    // A minimal static executable: one R+X PT_LOAD over a few bytes of code, and .text.
    static ElfBuilder static_executable() {
        ElfBuilder builder;
        // xor edi, edi; mov eax, 60; syscall: exit(0)
        u64 code = builder.add_data(std::string_view("\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05", 9));
        builder.add_segment(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0, code + 9, 0x400000);
        elf::Shdr text{};
        text.sh_type = elf::SHT_PROGBITS;
        text.sh_flags = elf::SHF_ALLOC | elf::SHF_EXECINSTR;
        text.sh_addr = 0x400000 + code;
        text.sh_offset = code;
        text.sh_size = 9;
        builder.add_section(".text", text);
        return builder;
    }

private:
    template <typename T>
    static void append(std::vector<u8>& image, const T& value) {
        auto bytes = reinterpret_cast<const u8*>(&value);
        image.insert(image.end(), bytes, bytes + sizeof value);
    }

    elf::Ehdr m_header{};
    std::vector<u8> m_payload;
    std::vector<elf::Phdr> m_segments;
    std::vector<elf::Shdr> m_sections;
    std::vector<char> m_section_names;
};

template <typename Edit>
std::vector<u8> edit_header(std::vector<u8> image, Edit edit) {
    elf::Ehdr header;
    std::memcpy(&header, image.data(), sizeof header);
    edit(header);
    std::memcpy(image.data(), &header, sizeof header);
    return image;
}

Diagnosis expect_rejected(std::span<const u8> image, Problem problem) {
    Diagnosis diagnosis;
    auto result = ElfFile::parse(image, &diagnosis);
    EXPECT_TRUE(result.is_error());
    EXPECT_EQ(result.error(), ENOEXEC);
    EXPECT_EQ(diagnosis.problem, problem) << "reason: " << diagnosis.reason;
    return diagnosis;
}

TEST(ElfParse, ValidStaticExecutableParses) {
    auto image = ElfBuilder::static_executable().build();
    Diagnosis diagnosis;
    auto result = ElfFile::parse(image, &diagnosis);
    ASSERT_TRUE(result.is_ok()) << diagnosis.reason;
    EXPECT_TRUE(diagnosis.ok());
    const ElfFile& file = result.value();
    EXPECT_EQ(file.header().e_entry, 0x401000u);
    EXPECT_FALSE(file.is_pie_or_shared());
    ASSERT_EQ(file.program_headers().size(), 1u);
    elf::Phdr load = file.program_headers()[0];
    EXPECT_EQ(load.p_type, elf::PT_LOAD);
    EXPECT_EQ(load.p_flags, elf::PF_R | elf::PF_X);
    EXPECT_EQ(load.p_vaddr, 0x400000u);
    EXPECT_EQ(file.segment_data(load).value().size(), load.p_filesz);
    EXPECT_FALSE(file.interpreter().has_value());

    auto text = file.find_section(".text");
    ASSERT_TRUE(text.has_value());
    EXPECT_EQ(text->sh_flags, elf::SHF_ALLOC | elf::SHF_EXECINSTR);
    auto code = file.section_data(*text).value();
    ASSERT_EQ(code.size(), 9u);
    EXPECT_EQ(code[7], 0x0f);
    EXPECT_FALSE(file.find_section(".data").has_value());
    EXPECT_EQ(file.symbols().error(), ENOENT);
}

TEST(ElfParse, ProgramHeadersIterateInOrder) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_GNU_STACK, elf::PF_R | elf::PF_W, 0, 0, 0);
    auto image = builder.build();
    auto file = ElfFile::parse(image).release_value();
    std::vector<u32> types;
    for (elf::Phdr phdr : file.program_headers()) types.push_back(phdr.p_type);
    EXPECT_EQ(types, (std::vector<u32>{elf::PT_LOAD, elf::PT_GNU_STACK}));
}

TEST(ElfParse, ParsesFromAnUnalignedBuffer) {
    auto image = ElfBuilder::static_executable().build();
    std::vector<u8> shifted(image.size() + 3);
    std::memcpy(shifted.data() + 3, image.data(), image.size());
    auto result = ElfFile::parse(std::span<const u8>(shifted).subspan(3));
    ASSERT_TRUE(result.is_ok());
    EXPECT_EQ(result.value().program_headers()[0].p_vaddr, 0x400000u);
    EXPECT_TRUE(result.value().find_section(".text").has_value());
}

TEST(ElfParse, WrongMagicIsNotAnElfFile) {
    auto image = ElfBuilder::static_executable().build();
    image[3] = 'X';
    EXPECT_STREQ(expect_rejected(image, Problem::NotElf).reason, "not an ELF file");
    expect_rejected({}, Problem::NotElf);
    std::vector<u8> script = {'#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n'};
    expect_rejected(script, Problem::NotElf);
}

TEST(ElfParse, ThirtyTwoBitClassIsRejectedByName) {
    auto image = ElfBuilder::static_executable().build();
    image[elf::EI_CLASS] = elf::ELFCLASS32;
    image.resize(52);  // an Elf32_Ehdr: shorter than ours, still named correctly
    EXPECT_STREQ(expect_rejected(image, Problem::Elf32).reason, "32-bit ELF is not supported");
}

TEST(ElfParse, BigEndianIsRejected) {
    auto image = ElfBuilder::static_executable().build();
    image[elf::EI_DATA] = elf::ELFDATA2MSB;
    expect_rejected(image, Problem::BigEndian);
}

TEST(ElfParse, UnknownClassOrVersionIsRejected) {
    auto image = ElfBuilder::static_executable().build();
    image[elf::EI_CLASS] = 7;
    expect_rejected(image, Problem::BadIdent);
    image = ElfBuilder::static_executable().build();
    image[elf::EI_VERSION] = 2;
    expect_rejected(image, Problem::BadIdent);
}

TEST(ElfParse, OtherMachineIsNamedInTheReason) {
    auto image = edit_header(ElfBuilder::static_executable().build(),
                             [](elf::Ehdr& h) { h.e_machine = elf::EM_AARCH64; });
    Diagnosis diagnosis = expect_rejected(image, Problem::NotX86_64);
    EXPECT_STREQ(diagnosis.reason, "not x86-64 (it is aarch64)");
    EXPECT_EQ(diagnosis.machine, elf::EM_AARCH64);
    EXPECT_STREQ(elf::machine_name(diagnosis.machine), "aarch64");

    image = edit_header(image, [](elf::Ehdr& h) { h.e_machine = 0x1234; });
    EXPECT_STREQ(expect_rejected(image, Problem::NotX86_64).reason,
                 "not x86-64 (unknown machine)");
}

TEST(ElfParse, RelocatableObjectIsNotExecutable) {
    auto image = edit_header(ElfBuilder::static_executable().build(),
                             [](elf::Ehdr& h) { h.e_type = elf::ET_REL; });
    expect_rejected(image, Problem::NotExecutable);
}

TEST(ElfParse, TruncatedHeaderIsRejected) {
    auto image = ElfBuilder::static_executable().build();
    image.resize(40);
    EXPECT_STREQ(expect_rejected(image, Problem::TruncatedHeader).reason,
                 "truncated ELF header");
    image.resize(10);
    expect_rejected(image, Problem::TruncatedHeader);
}

TEST(ElfParse, ProgramHeaderTableBeyondFileIsRejected) {
    auto image = ElfBuilder::static_executable().build();
    u64 size = image.size();
    image = edit_header(image, [&](elf::Ehdr& h) { h.e_phoff = size - sizeof(elf::Phdr) / 2; });
    EXPECT_STREQ(expect_rejected(image, Problem::TruncatedProgramHeaders).reason,
                 "truncated program header table");
    image = edit_header(image, [&](elf::Ehdr& h) {
        h.e_phoff = 64;
        h.e_phnum = 0xffff;
    });
    expect_rejected(image, Problem::TruncatedProgramHeaders);
}

TEST(ElfParse, HugeProgramHeaderOffsetDoesNotWrapAround) {
    for (u64 phoff : {u64{~0ull}, u64{~0ull - 8}, u64{1} << 63, u64{~0ull - 56 * 2 + 1}}) {
        auto image = edit_header(ElfBuilder::static_executable().build(),
                                 [&](elf::Ehdr& h) { h.e_phoff = phoff; h.e_phnum = 2; });
        expect_rejected(image, Problem::TruncatedProgramHeaders);
    }
}

TEST(ElfParse, WrongProgramHeaderEntrySizeIsRejected) {
    auto image = edit_header(ElfBuilder::static_executable().build(),
                             [](elf::Ehdr& h) { h.e_phentsize = 32; });
    expect_rejected(image, Problem::BadProgramHeaderSize);
}

TEST(ElfParse, SectionHeaderTableBeyondFileIsRejected) {
    for (u64 shoff : {u64{~0ull}, u64{~0ull - 63}, u64{1} << 40}) {
        auto image = edit_header(ElfBuilder::static_executable().build(),
                                 [&](elf::Ehdr& h) { h.e_shoff = shoff; });
        expect_rejected(image, Problem::TruncatedSectionHeaders);
    }
    auto image = edit_header(ElfBuilder::static_executable().build(),
                             [](elf::Ehdr& h) { h.e_shnum = 0xfff0; });
    expect_rejected(image, Problem::TruncatedSectionHeaders);
}

TEST(ElfParse, MissingSectionHeadersAreAllowed) {
    // sstrip'ed binaries have none; the loader only needs program headers.
    auto image = edit_header(ElfBuilder::static_executable().build(), [](elf::Ehdr& h) {
        h.e_shoff = 0;
        h.e_shnum = 0;
        h.e_shstrndx = 0;
    });
    auto result = ElfFile::parse(image);
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result.value().section_headers().empty());
    EXPECT_FALSE(result.value().find_section(".text").has_value());
}

TEST(ElfParse, BadSectionNameIndexIsRejected) {
    auto image = edit_header(ElfBuilder::static_executable().build(),
                             [](elf::Ehdr& h) { h.e_shstrndx = 1; });  // .text, not STRTAB
    expect_rejected(image, Problem::BadSectionNameIndex);
    image = edit_header(image, [](elf::Ehdr& h) { h.e_shstrndx = 99; });
    expect_rejected(image, Problem::BadSectionNameIndex);
}

TEST(ElfParse, SegmentBeyondFileIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_LOAD, elf::PF_R, 0x100, 0x100000, 0x600000);
    expect_rejected(builder.build(), Problem::TruncatedSegment);

    auto wrapping = ElfBuilder::static_executable();
    wrapping.add_segment(elf::PT_NOTE, elf::PF_R, ~0ull - 1, 4, 0);
    expect_rejected(wrapping.build(), Problem::TruncatedSegment);
}

// What GNU ld writes for a program whose only thread-local variables are zero (.tbss):
// its PT_TLS has no file bytes and the offset .tdata would have had, past the end of the
// file (seen with a seed of the elf fuzz target: gcc -static -nostdlib, 1432 bytes, PT_TLS
// at offset 0x1000). Linux runs it; parse() refused it as truncated.
TEST(ElfParse, SegmentWithoutFileBytesMayHaveItsOffsetPastTheEnd) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_TLS, elf::PF_R, 0x1000, 0, 0x401000, 4);
    auto image = builder.build();
    ASSERT_LT(image.size(), 0x1000u);
    Diagnosis diagnosis;
    auto file = ElfFile::parse(image, &diagnosis);
    ASSERT_TRUE(file.is_ok()) << diagnosis.reason;
    elf::Phdr tls = file.value().program_headers()[1];
    auto data = file.value().segment_data(tls);
    ASSERT_TRUE(data.is_ok());
    EXPECT_TRUE(data.value().empty());

    // One byte of file data at that offset is outside the file.
    auto truncated = ElfBuilder::static_executable();
    truncated.add_segment(elf::PT_TLS, elf::PF_R, 0x1000, 1, 0x401000, 4);
    expect_rejected(truncated.build(), Problem::TruncatedSegment);
}

TEST(ElfParse, LoadSegmentWithFileSizeAboveMemorySizeIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0, 0x40, 0x600000, 0x20);
    expect_rejected(builder.build(), Problem::SegmentFileSizeExceedsMemSize);
}

TEST(ElfInterp, InterpreterPathIsReturnedWithoutItsNul) {
    auto builder = ElfBuilder::static_executable();
    builder.header().e_type = elf::ET_DYN;
    builder.add_interpreter(std::string_view("/lib64/ld-linux-x86-64.so.2\0", 28));
    auto image = builder.build();
    auto result = ElfFile::parse(image);
    ASSERT_TRUE(result.is_ok());
    EXPECT_TRUE(result.value().is_pie_or_shared());
    EXPECT_EQ(result.value().interpreter(), "/lib64/ld-linux-x86-64.so.2");
}

TEST(ElfInterp, InterpreterWithoutTerminatingNulIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_interpreter("/lib/ld-musl-x86_64.so.1");
    expect_rejected(builder.build(), Problem::BadInterpreter);
}

TEST(ElfInterp, InterpreterWithEmbeddedNulIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_interpreter(std::string_view("/lib/ld\0evil.so\0", 16));
    expect_rejected(builder.build(), Problem::BadInterpreter);
}

TEST(ElfInterp, EmptyInterpreterIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_interpreter(std::string_view("\0", 1));
    expect_rejected(builder.build(), Problem::BadInterpreter);
}

TEST(ElfInterp, InterpreterOutsideFileIsRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_INTERP, elf::PF_R, 0x7fff0000, 28, 0);
    expect_rejected(builder.build(), Problem::TruncatedSegment);
}

TEST(ElfInterp, TwoInterpretersAreRejected) {
    auto builder = ElfBuilder::static_executable();
    builder.add_interpreter(std::string_view("/a\0", 3));
    builder.add_interpreter(std::string_view("/b\0", 3));
    expect_rejected(builder.build(), Problem::MultipleInterpreters);
}

TEST(ElfSymbols, SymbolsAreListedWithNames) {
    auto builder = ElfBuilder::static_executable();
    builder.add_symbols({
        {"_start", 0x400200, 9, elf::STT_FUNC, elf::STB_GLOBAL, 1},
        {"loop", 0x400204, 0, elf::STT_NOTYPE, elf::STB_LOCAL, 1},
    });
    auto image = builder.build();
    auto file = ElfFile::parse(image).release_value();
    auto symbols = file.symbols();
    ASSERT_TRUE(symbols.is_ok());
    ASSERT_EQ(symbols.value().size(), 3u);  // with the null symbol
    std::vector<std::string> names;
    for (elf::Symbol symbol : symbols.value()) names.emplace_back(symbol.name);
    EXPECT_EQ(names, (std::vector<std::string>{"", "_start", "loop"}));
    elf::Symbol start = symbols.value()[1];
    EXPECT_EQ(start.sym.type(), elf::STT_FUNC);
    EXPECT_EQ(start.sym.bind(), elf::STB_GLOBAL);
    EXPECT_EQ(start.sym.st_value, 0x400200u);
    EXPECT_EQ(start.sym.st_size, 9u);
}

TEST(ElfSymbols, NameOutsideStringTableIsEmpty) {
    auto builder = ElfBuilder::static_executable();
    u32 symtab = builder.add_symbols({{"f", 0x400200, 1, elf::STT_FUNC, elf::STB_GLOBAL, 1}});
    auto image = builder.build();
    auto file = ElfFile::parse(image).release_value();
    elf::Shdr shdr = file.section_headers()[symtab];
    elf::Sym sym = file.symbols().value()[1].sym;
    sym.st_name = 0xfffffff0;
    std::memcpy(image.data() + shdr.sh_offset + sizeof(elf::Sym), &sym, sizeof sym);
    auto reparsed = ElfFile::parse(image).release_value();
    EXPECT_EQ(reparsed.symbols().value()[1].name, "");
}

TEST(ElfSymbols, SymbolTableWithBadLinkOrBoundsIsMalformed) {
    auto builder = ElfBuilder::static_executable();
    u32 symtab = builder.add_symbols({{"f", 0x400200, 1, elf::STT_FUNC, elf::STB_GLOBAL, 1}});
    auto image = builder.build();
    elf::Ehdr header;
    std::memcpy(&header, image.data(), sizeof header);
    u64 shdr_offset = header.e_shoff + symtab * sizeof(elf::Shdr);
    auto patched = [&](auto edit) {
        auto copy = image;
        elf::Shdr shdr;
        std::memcpy(&shdr, copy.data() + shdr_offset, sizeof shdr);
        edit(shdr);
        std::memcpy(copy.data() + shdr_offset, &shdr, sizeof shdr);
        return copy;
    };
    auto bad_link = patched([](elf::Shdr& s) { s.sh_link = 1000; });
    EXPECT_EQ(ElfFile::parse(bad_link).release_value().symbols().error(), ENOEXEC);
    auto link_to_text = patched([](elf::Shdr& s) { s.sh_link = 1; });
    EXPECT_EQ(ElfFile::parse(link_to_text).release_value().symbols().error(), ENOEXEC);
    auto beyond = patched([](elf::Shdr& s) { s.sh_offset = ~0ull - 8; });
    EXPECT_EQ(ElfFile::parse(beyond).release_value().symbols().error(), ENOEXEC);
    auto entsize = patched([](elf::Shdr& s) { s.sh_entsize = 16; });
    EXPECT_EQ(ElfFile::parse(entsize).release_value().symbols().error(), ENOEXEC);
}

TEST(ElfParse, EveryTruncationAndByteFlipIsHandledWithoutCrashing) {
    auto builder = ElfBuilder::static_executable();
    builder.add_interpreter(std::string_view("/lib/ld.so\0", 11));
    builder.add_symbols({{"f", 0x400200, 1, elf::STT_FUNC, elf::STB_GLOBAL, 1}});
    auto image = builder.build();
    ASSERT_TRUE(ElfFile::parse(image).is_ok());
    auto exercise = [](std::span<const u8> bytes) {
        auto result = ElfFile::parse(bytes);
        if (result.is_error()) return;
        const ElfFile& file = result.value();
        for (elf::Phdr phdr : file.program_headers()) (void)file.segment_data(phdr);
        for (elf::Shdr shdr : file.section_headers()) {
            (void)file.section_name(shdr);
            (void)file.section_data(shdr);
        }
        auto symbols = file.symbols();
        if (symbols.is_ok()) {
            for (elf::Symbol symbol : symbols.value()) (void)symbol.name.size();
        }
    };
    for (usize length = 0; length < image.size(); ++length)
        exercise(std::vector<u8>(image.begin(), image.begin() + static_cast<isize>(length)));
    u32 seed = 12345;
    for (int round = 0; round < 20000; ++round) {
        auto copy = image;
        for (int flips = 0; flips < 4; ++flips) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % copy.size()] ^= static_cast<u8>(1u << ((seed >> 4) & 7));
        }
        exercise(copy);
    }
}

}  // namespace

// Linked into this test binary so the host integration test has a known function to find.
extern "C" __attribute__((noinline, used)) int osprey_elf_test_marker(int x) { return x * 3 + 1; }

namespace {

TEST(ElfHost, ParsesTheRunningTestBinaryAndFindsAKnownFunction) {
    std::ifstream in("/proc/self/exe", std::ios::binary);
    ASSERT_TRUE(in);
    std::vector<u8> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Diagnosis diagnosis;
    auto result = ElfFile::parse(bytes, &diagnosis);
    ASSERT_TRUE(result.is_ok()) << diagnosis.reason;
    const ElfFile& file = result.value();
    if (auto interp = file.interpreter()) {
        EXPECT_NE(interp->find("ld"), std::string_view::npos);
    }

    auto symbols = file.symbols();
    ASSERT_TRUE(symbols.is_ok()) << "test binary has no .symtab";
    std::optional<elf::Sym> marker;
    for (elf::Symbol symbol : symbols.value()) {
        if (symbol.name == "osprey_elf_test_marker") marker = symbol.sym;
    }
    ASSERT_TRUE(marker.has_value());
    EXPECT_EQ(marker->type(), elf::STT_FUNC);
    EXPECT_GT(marker->st_size, 0u);
    auto text = file.find_section(".text");
    ASSERT_TRUE(text.has_value());
    EXPECT_GE(marker->st_value, text->sh_addr);
    EXPECT_LT(marker->st_value, text->sh_addr + text->sh_size);
    // The runtime address differs from st_value only by the (page-aligned) load bias.
    u64 bias = reinterpret_cast<uptr>(&osprey_elf_test_marker) - marker->st_value;
    EXPECT_EQ(bias % 4096, 0u);
    EXPECT_EQ(osprey_elf_test_marker(2), 7);
}

}  // namespace

// parse_head: what the kernel does with a program on a disk, of which it reads the head.
TEST(ElfParseHead, HeadWithTheHeadersParsesAsTheWholeFileDoes) {
    auto builder = ElfBuilder::static_executable();
    builder.header().e_type = elf::ET_DYN;
    builder.add_interpreter(std::string_view("/lib64/ld-linux-x86-64.so.2\0", 28));
    auto image = builder.build();
    auto whole = ElfFile::parse(image).release_value();
    // The program headers and PT_INTERP come first; the section headers last.
    u64 head_length = 0;
    for (elf::Phdr phdr : whole.program_headers())
        if (phdr.p_type == elf::PT_INTERP) head_length = phdr.p_offset + phdr.p_filesz;
    ASSERT_GT(head_length, 0u);
    ASSERT_LT(head_length, image.size());
    Diagnosis diagnosis;
    auto head = ElfFile::parse_head(std::span<const u8>(image).first(head_length), image.size(), &diagnosis);
    ASSERT_TRUE(head.is_ok()) << diagnosis.reason;
    EXPECT_EQ(head.value().interpreter(), "/lib64/ld-linux-x86-64.so.2");
    EXPECT_EQ(head.value().program_headers().size(), whole.program_headers().size());
    EXPECT_EQ(head.value().section_headers().size(), 0u);  // not read
    for (elf::Phdr phdr : head.value().program_headers()) EXPECT_TRUE(head.value().segment_in_file(phdr));
}

TEST(ElfParseHead, SegmentsAreCheckedAgainstTheWholeFile) {
    auto builder = ElfBuilder::static_executable();
    builder.add_segment(elf::PT_LOAD, elf::PF_R, 0x100, 0x100000, 0x600000);
    auto image = builder.build();
    Diagnosis diagnosis;
    // 0x100 + 0x100000 bytes: past this file, inside a larger one.
    EXPECT_TRUE(ElfFile::parse_head(std::span<const u8>(image).first(200), 0x100100, &diagnosis).is_ok())
        << diagnosis.reason;
    EXPECT_TRUE(ElfFile::parse_head(std::span<const u8>(image).first(200), 0x1000ff, &diagnosis).is_error());
    EXPECT_EQ(diagnosis.problem, Problem::TruncatedSegment);
}

TEST(ElfParseHead, ProgramHeadersPastTheHeadAreTruncated) {
    auto image = ElfBuilder::static_executable().build();
    Diagnosis diagnosis;
    EXPECT_TRUE(ElfFile::parse_head(std::span<const u8>(image).first(80), image.size(), &diagnosis).is_error());
    EXPECT_EQ(diagnosis.problem, Problem::TruncatedProgramHeaders);
    // A head longer than the file it is said to be the head of.
    EXPECT_TRUE(ElfFile::parse_head(image, image.size() - 1, &diagnosis).is_error());
    EXPECT_EQ(diagnosis.problem, Problem::TruncatedHeader);
}
