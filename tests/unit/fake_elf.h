// ELF files written by hand for the image tests: an ELF header, a PT_LOAD over the whole
// file, a PT_DYNAMIC with DT_NEEDED/RPATH/RUNPATH/SONAME/FLAGS_1, and a PT_INTERP when the
// spec names an interpreter (a dynamically linked program).
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/types.h"
#include "elf/dynamic.h"
#include "elf/elf64.h"

namespace test_elf {

struct ElfSpec {
    std::vector<std::string> needed = {};
    std::string rpath = {}, runpath = {}, soname = {}, interpreter = {};
    u16 machine = 62;  // EM_X86_64
    u64 flags_1 = 0;
    u16 type = elf::ET_DYN;
};

// A minimal ELF64 shared object (or program, with an interpreter) with a dynamic section.
inline std::vector<u8> make_elf(const ElfSpec& spec) {
    std::string strings(1, '\0');
    auto add_string = [&](const std::string& s) {
        u64 at = strings.size();
        strings += s + '\0';
        return at;
    };
    std::vector<std::pair<i64, u64>> dyn;
    for (auto& n : spec.needed) dyn.emplace_back(elf::DT_NEEDED, add_string(n));
    if (!spec.rpath.empty()) dyn.emplace_back(elf::DT_RPATH, add_string(spec.rpath));
    if (!spec.runpath.empty()) dyn.emplace_back(elf::DT_RUNPATH, add_string(spec.runpath));
    if (!spec.soname.empty()) dyn.emplace_back(elf::DT_SONAME, add_string(spec.soname));
    if (spec.flags_1) dyn.emplace_back(elf::DT_FLAGS_1, spec.flags_1);
    u64 interp_at = spec.interpreter.empty() ? 0 : add_string(spec.interpreter);

    const u64 phnum = spec.interpreter.empty() ? 2 : 3;
    const u64 strtab_offset = 64 + phnum * 56;
    const u64 dynamic_offset = (strtab_offset + strings.size() + 7) & ~u64{7};
    dyn.emplace_back(elf::DT_STRTAB, 0x1000 + strtab_offset);  // vaddr: the file mapped at 0x1000
    dyn.emplace_back(elf::DT_STRSZ, strings.size());
    dyn.emplace_back(elf::DT_NULL, 0);
    const u64 total = dynamic_offset + dyn.size() * 16;

    std::vector<u8> b(total, 0);
    auto put = [&](u64 at, u64 v, int n) { for (int i = 0; i < n; i++) b[at + i] = static_cast<u8>(v >> (8 * i)); };
    const u8 ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1};
    std::memcpy(b.data(), ident, sizeof ident);
    put(16, spec.type, 2);
    put(18, spec.machine, 2);
    put(20, 1, 4);
    put(32, 64, 8);  // e_phoff
    put(52, 64, 2);
    put(54, 56, 2);
    put(56, phnum, 2);
    auto phdr = [&](int index, u32 type, u64 offset, u64 size) {
        u64 at = 64 + index * 56;
        put(at, type, 4);
        put(at + 4, 4, 4);
        put(at + 8, offset, 8);
        put(at + 16, 0x1000 + offset, 8);
        put(at + 24, 0x1000 + offset, 8);
        put(at + 32, size, 8);
        put(at + 40, size, 8);
        put(at + 48, 8, 8);
    };
    phdr(0, elf::PT_LOAD, 0, total);
    phdr(1, elf::PT_DYNAMIC, dynamic_offset, dyn.size() * 16);
    if (!spec.interpreter.empty()) phdr(2, elf::PT_INTERP, strtab_offset + interp_at, spec.interpreter.size() + 1);
    std::memcpy(b.data() + strtab_offset, strings.data(), strings.size());
    for (size_t i = 0; i < dyn.size(); i++) {
        put(dynamic_offset + i * 16, static_cast<u64>(dyn[i].first), 8);
        put(dynamic_offset + i * 16 + 8, dyn[i].second, 8);
    }
    return b;
}

}  // namespace test_elf
