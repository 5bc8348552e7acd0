#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "elf/load_plan.h"

namespace {

using elf::ElfFile;
using elf::LoadDiagnosis;
using elf::LoadPlan;
using elf::LoadProblem;
using elf::Phdr;

// Assembles an x86-64 executable in memory: Ehdr, the program header table right after it
// (at offset 64, as linkers place it), then zero bytes up to `file_size`. Segments are
// described exactly as they should appear in the table.
class ImageBuilder {
public:
    explicit ImageBuilder(u16 type = elf::ET_EXEC, u64 file_size = 0x4000) : m_size(file_size) {
        std::memcpy(m_header.e_ident, elf::ELFMAG, 4);
        m_header.e_ident[elf::EI_CLASS] = elf::ELFCLASS64;
        m_header.e_ident[elf::EI_DATA] = elf::ELFDATA2LSB;
        m_header.e_ident[elf::EI_VERSION] = elf::EV_CURRENT;
        m_header.e_type = type;
        m_header.e_machine = elf::EM_X86_64;
        m_header.e_version = elf::EV_CURRENT;
        m_header.e_entry = 0x401000;
        m_header.e_ehsize = sizeof(elf::Ehdr);
        m_header.e_phentsize = sizeof(Phdr);
    }

    elf::Ehdr& header() { return m_header; }
    std::vector<Phdr>& phdrs() { return m_phdrs; }

    ImageBuilder& add(u32 type, u32 flags, u64 offset, u64 vaddr, u64 filesz, u64 memsz,
                      u64 align = 0x1000) {
        m_phdrs.push_back({type, flags, offset, vaddr, vaddr, filesz, memsz, align});
        return *this;
    }

    void put_string(u64 offset, std::string_view text) { m_strings.push_back({offset, std::string(text)}); }

    std::vector<u8> build() const {
        std::vector<u8> image(m_size, 0);
        elf::Ehdr header = m_header;
        header.e_phoff = 64;
        header.e_phnum = static_cast<u16>(m_phdrs.size());
        std::memcpy(image.data(), &header, sizeof header);
        for (usize i = 0; i < m_phdrs.size(); ++i)
            std::memcpy(image.data() + 64 + i * sizeof(Phdr), &m_phdrs[i], sizeof(Phdr));
        for (const auto& [offset, text] : m_strings)
            std::memcpy(image.data() + offset, text.data(), text.size());
        return image;
    }

    // The shape of a modern `gcc -static` binary: headers, text, rodata, data+bss with TLS.
    static ImageBuilder static_executable() {
        ImageBuilder b;
        b.add(elf::PT_LOAD, elf::PF_R, 0, 0x400000, 0x300, 0x300)
            .add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x401000, 0x800, 0x800)
            .add(elf::PT_LOAD, elf::PF_R, 0x2000, 0x402000, 0x400, 0x400)
            .add(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x2f10, 0x403f10, 0x200, 0x3000)
            .add(elf::PT_TLS, elf::PF_R, 0x2f10, 0x403f10, 0x18, 0x60, 8)
            .add(elf::PT_GNU_STACK, elf::PF_R | elf::PF_W, 0, 0, 0, 0, 16);
        return b;
    }

    // The shape of a `gcc -static-pie` binary: linked at 0, with PT_PHDR.
    static ImageBuilder static_pie() {
        ImageBuilder b(elf::ET_DYN);
        b.header().e_entry = 0x1040;
        b.add(elf::PT_PHDR, elf::PF_R, 64, 64, 4 * sizeof(Phdr), 4 * sizeof(Phdr), 8)
            .add(elf::PT_LOAD, elf::PF_R, 0, 0, 0x400, 0x400)
            .add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x1000, 0x100, 0x100)
            .add(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x2e00, 0x3e00, 0x300, 0x1400);
        return b;
    }

private:
    elf::Ehdr m_header{};
    std::vector<Phdr> m_phdrs;
    std::vector<std::pair<u64, std::string>> m_strings;
    u64 m_size;
};

struct Planned {
    std::vector<u8> image;
    LoadDiagnosis diagnosis;
    int error = 0;
    LoadPlan plan{};
};

Planned plan(const ImageBuilder& builder, u64 bias = elf::kDefaultPieBias) {
    Planned out;
    out.image = builder.build();
    auto file = ElfFile::parse(out.image);
    EXPECT_TRUE(file.is_ok()) << "the test image itself must parse";
    if (file.is_error()) return out;
    auto result = elf::plan_load(file.value(), bias, &out.diagnosis);
    if (result.is_error())
        out.error = result.error();
    else
        out.plan = result.value();
    return out;
}

void expect_refused(const ImageBuilder& builder, LoadProblem problem, int phdr_index = -1,
                    u64 bias = elf::kDefaultPieBias) {
    Planned p = plan(builder, bias);
    EXPECT_EQ(p.error, problem == LoadProblem::MisalignedBias ? EINVAL : ENOEXEC);
    EXPECT_EQ(p.diagnosis.problem, problem) << "reason: " << p.diagnosis.reason;
    EXPECT_STREQ(p.diagnosis.reason, elf::reason(problem));
    EXPECT_EQ(p.diagnosis.phdr_index, phdr_index);
}

TEST(LoadPlan, StaticExecutableSegmentsArePageRangesWithExactBss) {
    Planned p = plan(ImageBuilder::static_executable(), 0x7000000000);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    EXPECT_TRUE(p.diagnosis.ok());
    const LoadPlan& plan = p.plan;
    EXPECT_EQ(plan.type, elf::ET_EXEC);
    EXPECT_FALSE(plan.is_pie);
    EXPECT_EQ(plan.bias, 0u) << "ET_EXEC ignores the bias";
    EXPECT_EQ(plan.entry, 0x401000u);
    EXPECT_EQ(plan.phdr_address, 0x400040u) << "e_phoff within the first PT_LOAD";
    EXPECT_EQ(plan.phnum, 6u);
    EXPECT_EQ(plan.phent, sizeof(Phdr));
    ASSERT_EQ(plan.segments().size(), 4u);

    const elf::LoadSegment& text = plan.segments()[1];
    EXPECT_EQ(text.start, 0x401000u);
    EXPECT_EQ(text.end, 0x402000u);
    EXPECT_EQ(text.file_offset, 0x1000u);
    EXPECT_EQ(text.file_size, 0x800u);
    EXPECT_EQ(text.prot, elf::kProtRead | elf::kProtExec);

    const elf::LoadSegment& data = plan.segments()[3];
    EXPECT_EQ(data.start, 0x403000u);
    EXPECT_EQ(data.end, 0x407000u);  // 0x403f10 + 0x3000 rounded up
    EXPECT_EQ(data.file_offset, 0x2000u);
    EXPECT_EQ(data.file_size, 0xf10u + 0x200u);
    EXPECT_EQ(data.bss_start, 0x404110u);
    EXPECT_EQ(data.bss_end, 0x406f10u);
    EXPECT_EQ(data.prot, elf::kProtRead | elf::kProtWrite);
    EXPECT_EQ(data.flags, elf::PF_R | elf::PF_W);

    EXPECT_EQ(plan.image_start, 0x400000u);
    EXPECT_EQ(plan.image_end, 0x407000u);
    EXPECT_EQ(plan.max_align, 0x1000u);
    ASSERT_TRUE(plan.tls.has_value());
    EXPECT_EQ(plan.tls->vaddr, 0x403f10u);
    EXPECT_EQ(plan.tls->file_size, 0x18u);
    EXPECT_EQ(plan.tls->mem_size, 0x60u);
    EXPECT_EQ(plan.tls->align, 8u);
    EXPECT_TRUE(plan.has_gnu_stack);
    EXPECT_EQ(plan.gnu_stack_flags, elf::PF_R | elf::PF_W);
    EXPECT_FALSE(plan.executable_stack);
    EXPECT_FALSE(plan.has_writable_executable_segment);
    EXPECT_FALSE(plan.is_dynamic());
}

TEST(LoadPlan, StaticPieIsPlacedAtTheBias) {
    const u64 bias = 0x7f1234560000;
    Planned p = plan(ImageBuilder::static_pie(), bias);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    const LoadPlan& plan = p.plan;
    EXPECT_TRUE(plan.is_pie);
    EXPECT_EQ(plan.bias, bias);
    EXPECT_EQ(plan.entry, bias + 0x1040);
    EXPECT_EQ(plan.phdr_address, bias + 64) << "from PT_PHDR";
    ASSERT_EQ(plan.segments().size(), 3u);
    EXPECT_EQ(plan.segments()[0].start, bias);
    EXPECT_EQ(plan.segments()[2].start, bias + 0x3000);
    EXPECT_EQ(plan.segments()[2].file_offset, 0x2000u);
    EXPECT_EQ(plan.segments()[2].file_size, 0x1100u);
    EXPECT_EQ(plan.segments()[2].bss_start, bias + 0x4100);
    EXPECT_EQ(plan.segments()[2].bss_end, bias + 0x5200);
    EXPECT_EQ(plan.image_start, bias);
    EXPECT_EQ(plan.image_end, bias + 0x6000);
    EXPECT_FALSE(plan.tls.has_value());
    EXPECT_FALSE(plan.has_gnu_stack);
    EXPECT_TRUE(plan.executable_stack) << "x86-64 Linux default without PT_GNU_STACK";
}

TEST(LoadPlan, PieWithMisalignedBiasIsEINVAL) {
    expect_refused(ImageBuilder::static_pie(), LoadProblem::MisalignedBias, -1, 0x7f0000000800);
}

TEST(LoadPlan, PieAtBiasZeroWouldMapThePageAtNull) {
    expect_refused(ImageBuilder::static_pie(), LoadProblem::SegmentOutOfRange, 1, 0);
}

TEST(LoadPlan, PieBiasReachingTheUpperHalfIsRefused) {
    expect_refused(ImageBuilder::static_pie(), LoadProblem::SegmentOutOfRange, 3,
                   elf::kUserAddressEnd - 0x4000);
    expect_refused(ImageBuilder::static_pie(), LoadProblem::SegmentOutOfRange, 1,
                   0xffff800000000000);
    Planned p = plan(ImageBuilder::static_pie(), elf::kUserAddressEnd - 0x6000);
    EXPECT_EQ(p.error, 0) << "ends exactly at the end of the lower half";
}

TEST(LoadPlan, ExecutableSegmentInTheUpperHalfIsRefused) {
    auto b = ImageBuilder::static_executable();
    b.phdrs()[3].p_vaddr = 0xffffffff80000f10;
    expect_refused(b, LoadProblem::SegmentOutOfRange, 3);
    b = ImageBuilder::static_executable();
    b.phdrs()[3].p_memsz = ~0ull - 0x1000;  // wraps around
    expect_refused(b, LoadProblem::SegmentOutOfRange, 3);
}

TEST(LoadPlan, NoLoadSegmentIsRefused) {
    ImageBuilder b;
    b.add(elf::PT_GNU_STACK, elf::PF_R | elf::PF_W, 0, 0, 0, 0);
    expect_refused(b, LoadProblem::NoLoadSegments);
    ImageBuilder empty;
    expect_refused(empty, LoadProblem::NoLoadSegments);
    ImageBuilder only_empty;
    only_empty.add(elf::PT_LOAD, elf::PF_R, 0, 0x400000, 0, 0);
    expect_refused(only_empty, LoadProblem::NoLoadSegments);
}

TEST(LoadPlan, AlignmentThatIsNotAPowerOfTwoIsRefused) {
    auto b = ImageBuilder::static_executable();
    b.phdrs()[1].p_align = 0x3000;
    expect_refused(b, LoadProblem::BadSegmentAlignment, 1);
    b.phdrs()[1].p_align = 0;  // 0 and 1 mean unconstrained
    EXPECT_EQ(plan(b).error, 0);
    b.phdrs()[1].p_align = 0x200000;
    Planned p = plan(b);
    EXPECT_EQ(p.error, 0);
    EXPECT_EQ(p.plan.max_align, 0x200000u);
}

TEST(LoadPlan, AddressAndOffsetDisagreeingWithinThePageIsRefused) {
    auto b = ImageBuilder::static_executable();
    b.phdrs()[3].p_offset = 0x2f00;
    expect_refused(b, LoadProblem::MisalignedSegment, 3);
    EXPECT_STREQ(elf::reason(LoadProblem::MisalignedSegment),
                 "loadable segment address and file offset differ modulo the page size");
}

TEST(LoadPlan, OverlappingOrPageSharingSegmentsAreRefused) {
    auto b = ImageBuilder::static_executable();
    b.phdrs()[2].p_vaddr = 0x401400;  // inside text
    b.phdrs()[2].p_offset = 0x2400;
    expect_refused(b, LoadProblem::SegmentsOverlap, 2);

    b = ImageBuilder::static_executable();
    b.phdrs()[2].p_vaddr = 0x401900;  // after text's last byte, on its last page
    b.phdrs()[2].p_offset = 0x2900;
    expect_refused(b, LoadProblem::SegmentsOverlap, 2);
}

TEST(LoadPlan, SegmentsOutOfAddressOrderAreRefused) {
    auto b = ImageBuilder::static_executable();
    std::swap(b.phdrs()[1], b.phdrs()[2]);
    expect_refused(b, LoadProblem::SegmentsOutOfOrder, 2);
}

TEST(LoadPlan, EntryOutsideEverySegmentIsRefused) {
    auto b = ImageBuilder::static_executable();
    b.header().e_entry = 0x500000;
    expect_refused(b, LoadProblem::EntryOutsideSegments);
    b.header().e_entry = 0x406000;  // in the data segment's bss: loaded, so accepted
    EXPECT_EQ(plan(b).error, 0);
}

TEST(LoadPlan, TooManySegmentsAreRefused) {
    ImageBuilder b(elf::ET_EXEC, 0x20000);
    for (u64 i = 0; i < 17; ++i)
        b.add(elf::PT_LOAD, elf::PF_R | elf::PF_X, i * 0x1000, 0x400000 + i * 0x1000, 0x10, 0x10);
    b.header().e_entry = 0x400000;
    expect_refused(b, LoadProblem::TooManyLoadSegments, 16);
    b.phdrs().pop_back();
    Planned p = plan(b);
    EXPECT_EQ(p.error, 0);
    EXPECT_EQ(p.plan.segments().size(), elf::kMaxLoadSegments);
}

TEST(LoadPlan, WritableAndExecutableSegmentIsAllowedAndReported) {
    auto b = ImageBuilder::static_executable();
    b.phdrs()[3].p_flags = elf::PF_R | elf::PF_W | elf::PF_X;
    b.phdrs()[5].p_flags = elf::PF_R | elf::PF_W | elf::PF_X;
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0);
    EXPECT_TRUE(p.plan.has_writable_executable_segment);
    EXPECT_EQ(p.plan.segments()[3].prot, elf::kProtRead | elf::kProtWrite | elf::kProtExec);
    EXPECT_TRUE(p.plan.executable_stack) << "PT_GNU_STACK with PF_X";
}

TEST(LoadPlan, TlsMustBeSingleAlignedAndInsideLoadedBytes) {
    auto b = ImageBuilder::static_executable();
    b.add(elf::PT_TLS, elf::PF_R, 0x2f10, 0x403f10, 0x8, 0x8, 8);
    expect_refused(b, LoadProblem::MultipleTls, 6);

    b = ImageBuilder::static_executable();
    b.phdrs()[4].p_align = 24;
    expect_refused(b, LoadProblem::BadTls, 4);

    b = ImageBuilder::static_executable();
    b.phdrs()[4].p_filesz = 0x300;  // runs past the data segment's file bytes
    b.phdrs()[4].p_memsz = 0x300;
    expect_refused(b, LoadProblem::BadTls, 4);

    b = ImageBuilder::static_executable();
    b.phdrs()[4].p_filesz = 0;  // only .tbss: no image to check
    b.phdrs()[4].p_vaddr = 0;
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0);
    EXPECT_EQ(p.plan.tls->file_size, 0u);
}

TEST(LoadPlan, PhdrSegmentMustBeLoaded) {
    auto b = ImageBuilder::static_pie();
    b.phdrs()[0].p_vaddr = 0x2000;  // between segments: nothing loads it
    expect_refused(b, LoadProblem::BadPhdrSegment, 0, 0x10000000);
}

TEST(LoadPlan, PhdrAddressIsZeroWhenNoSegmentLoadsTheTable) {
    ImageBuilder b;
    b.add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x401000, 0x800, 0x800);
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    EXPECT_EQ(p.plan.phdr_address, 0u);
    EXPECT_EQ(p.plan.image_start, 0x401000u);
}

TEST(LoadPlan, ExecutableWithInterpreterReportsItAndIsStillPlanned) {
    auto b = ImageBuilder::static_executable();
    b.add(elf::PT_INTERP, elf::PF_R, 0x200, 0x400200, 28, 28, 1);
    b.put_string(0x200, std::string_view("/lib64/ld-linux-x86-64.so.2\0", 28));
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    EXPECT_TRUE(p.plan.is_dynamic());
    EXPECT_EQ(p.plan.interpreter, "/lib64/ld-linux-x86-64.so.2");
}

// A bss-only segment takes nothing from the file, whatever its p_offset: before, its plan
// copied the bytes below vaddr in its first page from p_offset, which may lie past the end
// of the file (the kernel would have read beyond it).
TEST(LoadPlan, SegmentWithoutFileBytesIsAllAnonymous) {
    ImageBuilder b(elf::ET_EXEC, 0x2000);
    b.add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0, 0x400000, 0x1000, 0x1000)
        .add(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x5f10, 0x401f10, 0, 0x2000)
        .add(elf::PT_TLS, elf::PF_R, 0x5f10, 0x401f10, 0, 0x10, 8);
    b.header().e_entry = 0x400100;
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    ASSERT_EQ(p.plan.segments().size(), 2u);
    const elf::LoadSegment& bss = p.plan.segments()[1];
    EXPECT_EQ(bss.start, 0x401000u);
    EXPECT_EQ(bss.end, 0x404000u);
    EXPECT_EQ(bss.file_offset, 0u);
    EXPECT_EQ(bss.file_size, 0u);
    EXPECT_EQ(bss.bss_start, 0x401f10u);
    EXPECT_EQ(bss.bss_end, 0x403f10u);
    ASSERT_TRUE(p.plan.tls.has_value());
    EXPECT_EQ(p.plan.tls->mem_size, 0x10u);
}

TEST(LoadPlan, EmptyLoadSegmentsAreSkipped) {
    auto b = ImageBuilder::static_executable();
    b.add(elf::PT_LOAD, elf::PF_R, 0, 0x400000, 0, 0);  // out of order but maps nothing
    Planned p = plan(b);
    ASSERT_EQ(p.error, 0) << p.diagnosis.reason;
    EXPECT_EQ(p.plan.segments().size(), 4u);
}

TEST(LoadPlan, EveryByteFlipOfTheHeadersIsHandledWithoutCrashing) {
    auto image = ImageBuilder::static_executable().build();
    u32 seed = 777;
    for (int round = 0; round < 20000; ++round) {
        auto copy = image;
        for (int flips = 0; flips < 3; ++flips) {
            seed = seed * 1103515245 + 12345;
            copy[(seed >> 8) % 0x1c0] ^= static_cast<u8>(1u << ((seed >> 4) & 7));
        }
        auto file = ElfFile::parse(copy);
        if (file.is_error()) continue;
        LoadDiagnosis diagnosis;
        auto result = elf::plan_load(file.value(), elf::kDefaultPieBias, &diagnosis);
        if (result.is_error()) {
            EXPECT_FALSE(diagnosis.ok());
            continue;
        }
        for (const elf::LoadSegment& s : result.value().segments()) {
            ASSERT_LT(s.start, s.end);
            ASSERT_LE(s.end, elf::kUserAddressEnd);
            ASSERT_LE(s.bss_start, s.bss_end);
            ASSERT_LE(s.file_offset + s.file_size, copy.size());
        }
    }
}

// --- Real binaries from the host ---

std::vector<u8> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Checks a plan against the file: every PT_LOAD's bytes land where the plan says.
void check_against_file(const ElfFile& file, const LoadPlan& plan) {
    usize index = 0;
    for (Phdr phdr : file.program_headers()) {
        if (phdr.p_type != elf::PT_LOAD || phdr.p_memsz == 0) continue;
        ASSERT_LT(index, plan.segments().size());
        const elf::LoadSegment& s = plan.segments()[index++];
        EXPECT_EQ(s.start % elf::kPageSize, 0u);
        EXPECT_EQ(s.end % elf::kPageSize, 0u);
        EXPECT_EQ(s.file_offset % elf::kPageSize, 0u);
        EXPECT_EQ(s.file_offset + (phdr.p_vaddr + plan.bias - s.start), phdr.p_offset);
        EXPECT_EQ(s.bss_start, phdr.p_vaddr + plan.bias + phdr.p_filesz);
        EXPECT_EQ(s.bss_end, phdr.p_vaddr + plan.bias + phdr.p_memsz);
        EXPECT_LE(s.file_offset + s.file_size, file.bytes().size());
    }
    EXPECT_EQ(index, plan.segments().size());
    ASSERT_NE(plan.phdr_address, 0u);
    EXPECT_EQ(plan.phnum, file.header().e_phnum);
    EXPECT_EQ(plan.entry, file.header().e_entry + plan.bias);
    EXPECT_TRUE(plan.has_gnu_stack);
    EXPECT_FALSE(plan.executable_stack);
    EXPECT_FALSE(plan.is_dynamic());
    EXPECT_TRUE(plan.tls.has_value());  // glibc's static binaries carry TLS (errno, ...)
}

// The memory at `address` as the plan would fill it, read back from the file.
std::optional<u64> loaded_offset(const LoadPlan& plan, u64 address) {
    for (const elf::LoadSegment& s : plan.segments()) {
        if (address >= s.start && address < s.bss_start) return s.file_offset + (address - s.start);
    }
    return std::nullopt;
}

void plan_host_binary(const std::filesystem::path& path, u64 bias, bool expect_pie) {
    auto bytes = read_file(path);
    elf::Diagnosis parse_diagnosis;
    auto file = ElfFile::parse(bytes, &parse_diagnosis);
    ASSERT_TRUE(file.is_ok()) << parse_diagnosis.reason;
    LoadDiagnosis diagnosis;
    auto result = elf::plan_load(file.value(), bias, &diagnosis);
    ASSERT_TRUE(result.is_ok()) << path << ": " << diagnosis.reason << " (phdr "
                                << diagnosis.phdr_index << ")";
    const LoadPlan& plan = result.value();
    EXPECT_EQ(plan.is_pie, expect_pie);
    check_against_file(file.value(), plan);
    // AT_PHDR must point at a copy of the program header table.
    auto offset = loaded_offset(plan, plan.phdr_address);
    ASSERT_TRUE(offset.has_value());
    EXPECT_EQ(std::memcmp(bytes.data() + *offset, bytes.data() + file.value().header().e_phoff,
                          file.value().header().e_phnum * sizeof(Phdr)),
              0);
}

TEST(LoadPlanHost, PlansBusyboxStatic) {
    std::filesystem::path busybox = "/bin/busybox";
    if (!std::filesystem::exists(busybox)) GTEST_SKIP() << "busybox-static is not installed";
    auto bytes = read_file(busybox);
    auto file = ElfFile::parse(bytes);
    if (file.is_error() || file.value().interpreter()) GTEST_SKIP() << "busybox is not static";
    plan_host_binary(busybox, elf::kDefaultPieBias, file.value().is_pie_or_shared());
}

TEST(LoadPlanHost, PlansGccStaticAndStaticPieBinaries) {
    if (std::system("command -v gcc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gcc";
    char pattern[] = "/tmp/osprey-loadplan-XXXXXX";
    std::filesystem::path dir = mkdtemp(pattern);
    std::ofstream(dir / "hello.c") << "#include <stdio.h>\n__thread int t = 3;\n"
                                      "int main(void) { printf(\"%d\\n\", t); return 0; }\n";
    std::string base = "cd '" + dir.string() + "' && gcc -O1 -o ";
    bool built_static = std::system((base + "static hello.c -static 2>/dev/null").c_str()) == 0;
    bool built_pie = std::system((base + "pie hello.c -static-pie 2>/dev/null").c_str()) == 0;
    if (!built_static && !built_pie) {
        std::filesystem::remove_all(dir);
        GTEST_SKIP() << "no static libc to link against";
    }
    if (built_static) plan_host_binary(dir / "static", 0, false);
    if (built_pie) plan_host_binary(dir / "pie", 0x7f0000000000, true);
    std::filesystem::remove_all(dir);
}

// Without libc and with only a zero thread-local variable, the file ends before the page
// GNU ld gives PT_TLS as its offset (the elf fuzz target's static_tls seed is one).
TEST(LoadPlanHost, PlansAProgramWhoseOnlyTlsIsBss) {
    if (std::system("command -v gcc >/dev/null 2>&1") != 0) GTEST_SKIP() << "no gcc";
    char pattern[] = "/tmp/osprey-loadplan-XXXXXX";
    std::filesystem::path dir = mkdtemp(pattern);
    std::ofstream(dir / "tbss.c") << "__thread int zero;\nint use;\n"
                                     "void _start(void) { for (;;) use += use ? zero : 0; }\n";
    std::string command = "cd '" + dir.string() +
                          "' && gcc -O1 -static -nostdlib -Wl,-z,noseparate-code -o tbss tbss.c 2>/dev/null";
    bool built = std::system(command.c_str()) == 0;
    auto bytes = built ? read_file(dir / "tbss") : std::vector<u8>{};
    std::filesystem::remove_all(dir);
    if (!built) GTEST_SKIP() << "gcc could not link without libc";
    auto file = ElfFile::parse(bytes);
    ASSERT_TRUE(file.is_ok()) << elf::diagnose(bytes).reason;
    bool tls_without_file_bytes = false;
    for (Phdr ph : file.value().program_headers())
        if (ph.p_type == elf::PT_TLS && ph.p_filesz == 0) tls_without_file_bytes = true;
    EXPECT_TRUE(tls_without_file_bytes);
    auto planned = elf::plan_load(file.value(), 0);
    ASSERT_TRUE(planned.is_ok());
    for (const elf::LoadSegment& s : planned.value().segments())
        EXPECT_LE(s.file_offset + s.file_size, bytes.size());
}

}  // namespace
