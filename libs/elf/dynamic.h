// The dynamic section of an ELF file (PT_DYNAMIC) as the dynamic loader reads it: the
// libraries it needs (DT_NEEDED), where to look for them (DT_RPATH, DT_RUNPATH), its own
// name (DT_SONAME) and DT_FLAGS_1. Used by `osprey build` to find every library a program
// needs; freestanding like the rest of libs/elf.
//
//   auto dynamic = TRY(elf::DynamicSection::parse(file));   // ENOENT: no PT_DYNAMIC
//   for (elf::Dyn d : dynamic.entries())
//       if (d.d_tag == elf::DT_NEEDED) use(dynamic.string(d.d_val));
//
// String offsets point into DT_STRTAB, which is a virtual address: it is mapped back to
// the file through the PT_LOAD segments, as a file on disk has not been relocated.
#pragma once

#include <optional>
#include <string_view>

#include "base/result.h"
#include "elf/elf64.h"

namespace elf {

constexpr u64 DF_1_NODEFLIB = 0x800;

class DynamicSection {
public:
    // ENOENT when the file has no PT_DYNAMIC (a static program); ENOEXEC when the section
    // or its string table lies outside the file.
    static Result<DynamicSection> parse(const ElfFile& file);

    // The entries up to (not including) DT_NULL.
    Table<Dyn> entries() const { return m_entries; }
    // The NUL-terminated string at `offset` in DT_STRTAB; nullopt when out of bounds.
    std::optional<std::string_view> string(u64 offset) const;

    // The value string of the first entry with `tag` (DT_SONAME, DT_RPATH, DT_RUNPATH).
    std::optional<std::string_view> find_string(i64 tag) const;
    // The value of the first entry with `tag`, 0 when absent.
    u64 value(i64 tag) const;

private:
    Table<Dyn> m_entries;
    std::span<const u8> m_strings;
};

// The file offset of virtual address `vaddr`, through the PT_LOAD segment holding it in
// its file-backed part; nullopt when no segment does.
std::optional<u64> file_offset_of(const ElfFile& file, u64 vaddr);

}  // namespace elf
