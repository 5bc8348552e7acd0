// libFuzzer target: arbitrary bytes as an ELF file, through everything libs/elf offers the
// kernel's loader and `osprey build`: ElfFile::parse and diagnose, segment and section
// data, section names, symbol tables, the load plan at two biases, and the dynamic section
// with the strings `osprey build` follows (DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH).
//
// Beyond not crashing: parse and diagnose agree and every refusal has a reason; every view
// handed out lies inside the file; a load plan is one the kernel can map as it is (pages in
// order without overlap inside the user range, file bytes inside the file, the entry point
// and the program headers inside what is loaded); a PIE's plan at another bias is the same
// plan moved by the difference.
#include <cstddef>
#include <cstdint>
#include <span>

#include "elf/dynamic.h"
#include "elf/elf64.h"
#include "elf/load_plan.h"
#include "fuzz_check.h"

namespace {

using namespace elf;

constexpr u64 kOtherBias = 0x7f0000000000;

bool is_power_of_two(u64 value) { return value != 0 && (value & (value - 1)) == 0; }

bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

void check_file(const ElfFile& file, std::span<const u8> bytes) {
    FUZZ_CHECK(file.bytes().data() == bytes.data() && file.bytes().size() == bytes.size());
    FUZZ_CHECK(file.program_headers().size() == file.header().e_phnum);

    usize interpreters = 0;
    for (Phdr ph : file.program_headers()) {
        auto data = file.segment_data(ph);
        FUZZ_CHECK(data.is_ok());
        FUZZ_CHECK(data.value().size() == ph.p_filesz && within(bytes, data.value()));
        if (ph.p_type == PT_INTERP) interpreters++;
    }
    FUZZ_CHECK(interpreters == (file.interpreter() ? 1u : 0u));
    if (auto interpreter = file.interpreter())
        FUZZ_CHECK(!interpreter->empty() && !has_nul(*interpreter) && within(bytes, *interpreter));

    for (Shdr sh : file.section_headers()) {
        if (auto name = file.section_name(sh)) {
            FUZZ_CHECK(within(bytes, *name) && !has_nul(*name));
            auto found = file.find_section(*name);
            FUZZ_CHECK(found && file.section_name(*found) == name);
        }
        auto data = file.section_data(sh);
        if (data.is_ok() && sh.sh_type != SHT_NOBITS)
            FUZZ_CHECK(data.value().size() == sh.sh_size && within(bytes, data.value()));
    }

    for (u32 type : {SHT_SYMTAB, SHT_DYNSYM}) {
        auto symbols = file.symbols(type);
        if (symbols.is_error()) {
            FUZZ_CHECK(symbols.error() == ENOENT || symbols.error() == ENOEXEC);
            continue;
        }
        for (Symbol symbol : symbols.value()) FUZZ_CHECK(within(bytes, symbol.name) && !has_nul(symbol.name));
    }
}

// [address, address + size) lies in the part of one segment that holds file bytes.
bool in_file_part_of_a_segment(const LoadPlan& plan, u64 address, u64 size) {
    for (const LoadSegment& s : plan.segments()) {
        if (s.file_size == 0) continue;
        if (address >= s.start && address <= s.bss_start && size <= s.bss_start - address) return true;
    }
    return false;
}

void check_plan(const ElfFile& file, const LoadPlan& plan, u64 bias) {
    const Ehdr& header = file.header();
    const u64 file_size = file.bytes().size();
    FUZZ_CHECK(plan.type == header.e_type && plan.is_pie == (header.e_type == ET_DYN));
    FUZZ_CHECK(plan.bias == (plan.is_pie ? bias : 0));
    FUZZ_CHECK(plan.phnum == header.e_phnum && plan.phent == header.e_phentsize);
    FUZZ_CHECK(plan.segment_count >= 1 && plan.segment_count <= kMaxLoadSegments);
    FUZZ_CHECK(plan.interpreter == file.interpreter());
    FUZZ_CHECK(is_power_of_two(plan.max_align) && plan.max_align >= kPageSize);

    u64 previous_end = 0;
    for (const LoadSegment& s : plan.segments()) {
        FUZZ_CHECK(is_aligned(s.start, kPageSize) && is_aligned(s.end, kPageSize) && is_aligned(s.file_offset, kPageSize));
        FUZZ_CHECK(s.start >= kMinMapAddress && s.start < s.end && s.end <= kUserAddressEnd);
        FUZZ_CHECK(s.start >= previous_end);  // in order, no page shared
        FUZZ_CHECK(s.start <= s.bss_start && s.bss_start <= s.bss_end && s.bss_end <= s.end);
        FUZZ_CHECK(s.end == align_up(s.bss_end, kPageSize));
        // What the kernel copies or maps from the file is inside it.
        FUZZ_CHECK(s.file_offset <= file_size && s.file_size <= file_size - s.file_offset);
        FUZZ_CHECK(s.file_size == 0 || s.start + s.file_size == s.bss_start);
        FUZZ_CHECK((s.prot & ~(kProtRead | kProtWrite | kProtExec)) == 0);
        FUZZ_CHECK(((s.prot & kProtWrite) != 0) == ((s.flags & PF_W) != 0));
        previous_end = s.end;
    }
    FUZZ_CHECK(plan.image_start == plan.segments().front().start && plan.image_end == plan.segments().back().end);

    bool entry_loaded = false;
    for (const LoadSegment& s : plan.segments())
        if (plan.entry >= s.start && plan.entry < s.bss_end) entry_loaded = true;
    FUZZ_CHECK(entry_loaded);
    if (plan.phdr_address != 0)
        FUZZ_CHECK(in_file_part_of_a_segment(plan, plan.phdr_address, u64{plan.phnum} * plan.phent));
    if (plan.tls) {
        FUZZ_CHECK(is_power_of_two(plan.tls->align) && plan.tls->file_size <= plan.tls->mem_size);
        if (plan.tls->file_size != 0) FUZZ_CHECK(in_file_part_of_a_segment(plan, plan.tls->vaddr, plan.tls->file_size));
    }
    FUZZ_CHECK(plan.executable_stack == (!plan.has_gnu_stack || (plan.gnu_stack_flags & PF_X) != 0));
}

// The same plan, `delta` higher (a PIE planned at two biases).
void check_moved(const LoadPlan& low, const LoadPlan& high, u64 delta) {
    FUZZ_CHECK(low.segment_count == high.segment_count);
    for (usize i = 0; i < low.segment_count; i++) {
        const LoadSegment &a = low.segments()[i], &b = high.segments()[i];
        FUZZ_CHECK(b.start == a.start + delta && b.end == a.end + delta && b.bss_start == a.bss_start + delta);
        FUZZ_CHECK(b.file_offset == a.file_offset && b.file_size == a.file_size && b.prot == a.prot);
    }
    FUZZ_CHECK(high.entry == low.entry + delta);
    FUZZ_CHECK((high.phdr_address == 0) == (low.phdr_address == 0));
    if (low.phdr_address != 0) FUZZ_CHECK(high.phdr_address == low.phdr_address + delta);
    FUZZ_CHECK(high.tls.has_value() == low.tls.has_value());
}

std::optional<LoadPlan> plan(const ElfFile& file, u64 bias) {
    LoadDiagnosis diagnosis;
    auto result = plan_load(file, bias, &diagnosis);
    FUZZ_CHECK(result.is_ok() == diagnosis.ok());
    FUZZ_CHECK(diagnosis.reason != nullptr && diagnosis.reason[0] != '\0');
    FUZZ_CHECK(diagnosis.phdr_index >= -1 && diagnosis.phdr_index < int{file.header().e_phnum});
    if (result.is_error()) {
        bool bias_refused = diagnosis.problem == LoadProblem::MisalignedBias;
        FUZZ_CHECK(result.error() == (bias_refused ? EINVAL : ENOEXEC));
        return std::nullopt;
    }
    check_plan(file, result.value(), bias);
    return result.value();
}

void check_plans(const ElfFile& file) {
    auto at_default = plan(file, kDefaultPieBias);
    auto at_other = plan(file, kOtherBias);
    if (at_default && at_other)
        check_moved(*at_default, *at_other, file.is_pie_or_shared() ? kOtherBias - kDefaultPieBias : 0);
    // A bias off a page boundary is refused for a PIE and ignored otherwise.
    LoadDiagnosis diagnosis;
    auto misaligned = plan_load(file, kDefaultPieBias + 1, &diagnosis);
    if (file.is_pie_or_shared())
        FUZZ_CHECK(misaligned.is_error() && misaligned.error() == EINVAL);
    else
        FUZZ_CHECK(misaligned.is_ok() == at_default.has_value());
}

void check_dynamic(const ElfFile& file, std::span<const u8> bytes) {
    bool has_dynamic = false;
    for (Phdr ph : file.program_headers())
        if (ph.p_type == PT_DYNAMIC) has_dynamic = true;
    auto parsed = DynamicSection::parse(file);
    if (parsed.is_error()) {
        FUZZ_CHECK(parsed.error() == (has_dynamic ? ENOEXEC : ENOENT));
        return;
    }
    FUZZ_CHECK(has_dynamic);
    const DynamicSection& dynamic = parsed.value();
    for (Dyn d : dynamic.entries()) {
        FUZZ_CHECK(d.d_tag != DT_NULL);
        if (d.d_tag == DT_NEEDED || d.d_tag == DT_SONAME || d.d_tag == DT_RPATH || d.d_tag == DT_RUNPATH) {
            if (auto text = dynamic.string(d.d_val)) FUZZ_CHECK(within(bytes, *text) && !has_nul(*text));
        }
        if (d.d_tag == DT_STRTAB) {
            if (auto offset = file_offset_of(file, d.d_val)) FUZZ_CHECK(*offset < bytes.size());
        }
    }
    // find_string and value give the first entry with a tag.
    for (i64 tag : {DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH, DT_FLAGS_1, DT_STRSZ}) {
        std::optional<Dyn> first;
        for (Dyn d : dynamic.entries())
            if (d.d_tag == tag && !first) first = d;
        FUZZ_CHECK(dynamic.value(tag) == (first ? first->d_val : 0));
        FUZZ_CHECK(dynamic.find_string(tag) == (first ? dynamic.string(first->d_val) : std::nullopt));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::span<const u8> bytes(data, size);
    Diagnosis diagnosis;
    auto file = ElfFile::parse(bytes, &diagnosis);
    FUZZ_CHECK(file.is_ok() == diagnosis.ok());
    FUZZ_CHECK(diagnose(bytes).problem == diagnosis.problem);
    FUZZ_CHECK(diagnosis.reason != nullptr && (diagnosis.ok() || diagnosis.reason[0] != '\0'));
    FUZZ_CHECK(machine_name(diagnosis.machine) != nullptr);
    if (file.is_error()) {
        FUZZ_CHECK(file.error() == ENOEXEC);
        return 0;
    }
    check_file(file.value(), bytes);
    check_plans(file.value());
    check_dynamic(file.value(), bytes);
    if (auto offset = file_offset_of(file.value(), file.value().header().e_entry)) FUZZ_CHECK(*offset < size);
    return 0;
}
