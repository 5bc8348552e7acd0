#include "elf/dynamic.h"

namespace elf {

std::optional<u64> file_offset_of(const ElfFile& file, u64 vaddr) {
    for (Phdr ph : file.program_headers()) {
        if (ph.p_type != PT_LOAD || vaddr < ph.p_vaddr) continue;
        u64 into = vaddr - ph.p_vaddr;
        if (into < ph.p_filesz) return ph.p_offset + into;
    }
    return std::nullopt;
}

Result<DynamicSection> DynamicSection::parse(const ElfFile& file) {
    std::optional<Phdr> dynamic;
    for (Phdr ph : file.program_headers())
        if (ph.p_type == PT_DYNAMIC) dynamic = ph;
    if (!dynamic) return Error(ENOENT);
    auto bytes = file.segment_data(*dynamic);
    if (bytes.is_error()) return Error(ENOEXEC);
    std::span<const u8> data = bytes.value();

    DynamicSection section;
    usize count = 0;
    u64 strtab = 0, strsz = 0;
    bool have_strtab = false;
    for (usize at = 0; at + sizeof(Dyn) <= data.size(); at += sizeof(Dyn)) {
        Dyn d = *read_at<Dyn>(data, at);
        if (d.d_tag == DT_NULL) break;
        if (d.d_tag == DT_STRTAB) strtab = d.d_val, have_strtab = true;
        if (d.d_tag == DT_STRSZ) strsz = d.d_val;
        count++;
    }
    section.m_entries = Table<Dyn>(data.subspan(0, count * sizeof(Dyn)), count, sizeof(Dyn));
    if (have_strtab) {
        auto offset = file_offset_of(file, strtab);
        std::span<const u8> whole = file.bytes();
        if (!offset || *offset > whole.size()) return Error(ENOEXEC);
        u64 available = whole.size() - *offset;
        // A missing or oversized DT_STRSZ is clipped to the file: strings are checked one
        // by one anyway.
        section.m_strings = whole.subspan(*offset, strsz && strsz < available ? strsz : available);
    }
    return section;
}

std::optional<std::string_view> DynamicSection::string(u64 offset) const { return string_at(m_strings, offset); }

std::optional<std::string_view> DynamicSection::find_string(i64 tag) const {
    for (Dyn d : m_entries)
        if (d.d_tag == tag) return string(d.d_val);
    return std::nullopt;
}

u64 DynamicSection::value(i64 tag) const {
    for (Dyn d : m_entries)
        if (d.d_tag == tag) return d.d_val;
    return 0;
}

}  // namespace elf
