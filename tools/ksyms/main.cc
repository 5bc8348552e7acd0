// ksyms INPUT.elf OUTPUT.bin
//
// Writes the kernel's code symbols as a ksyms blob (libs/ksyms/symbol_table.h) for the
// backtrace printer: every function, plus assembly labels in executable sections, with C++
// names demangled so a panic reads like source code.
#include <cxxabi.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <tuple>
#include <vector>

#include "elf/elf64.h"
#include "ksyms/symbol_table.h"


namespace {

// Past this, a backtrace line wraps; template-heavy parameter lists are the usual culprit.
constexpr size_t kLongName = 120;
constexpr size_t kMaxName = 160;

struct Candidate {
    u64 address;
    u64 size;
    std::string name;  // empty: end of an executable section
    u8 type;
    u8 bind;
};

std::string demangle(std::string_view mangled) {
    std::string name(mangled);
    if (name.rfind("_Z", 0) != 0) return name;
    int status = 0;
    char* demangled = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
    if (status != 0 || !demangled) return name;
    name = demangled;
    std::free(demangled);
    return name;
}

// Drops the parameter list of a long demangled name: "ns::f(...)" still says where we are.
std::string shorten(std::string name) {
    if (name.size() <= kLongName) return name;
    size_t close = name.rfind(')');
    if (close != std::string::npos) {
        int depth = 0;
        for (size_t i = close + 1; i-- > 0;) {
            if (name[i] == ')') ++depth;
            if (name[i] == '(' && --depth == 0) {
                if (i > 0) name = name.substr(0, i) + "(...)";
                break;
            }
        }
    }
    if (name.size() > kMaxName) name = name.substr(0, kMaxName - 3) + "...";
    return name;
}

// Of several names for one address, the one a reader expects: a sized function over a
// label, a global over a local alias, "memcpy" over "__memcpy".
auto preference(const Candidate& c) {
    int bind_rank = c.bind == elf::STB_GLOBAL ? 0 : c.bind == elf::STB_WEAK ? 1 : 2;
    return std::make_tuple(c.name.empty(), c.type != elf::STT_FUNC, c.size == 0, bind_rank,
                           !c.name.empty() && c.name[0] == '_', c.name.size(), c.name);
}

bool is_code(const elf::Shdr& section) {
    return (section.sh_flags & elf::SHF_ALLOC) && (section.sh_flags & elf::SHF_EXECINSTR);
}

int fail(const std::string& message) {
    std::cerr << "ksyms: " << message << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: ksyms INPUT.elf OUTPUT.bin\n";
        return 2;
    }
    std::string input = argv[1], output = argv[2];

    std::ifstream in(input, std::ios::binary);
    if (!in) return fail("cannot open " + input + ": " + std::strerror(errno));
    std::vector<u8> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return fail("cannot read " + input);

    elf::Diagnosis diagnosis;
    auto parsed = elf::ElfFile::parse(bytes, &diagnosis);
    if (parsed.is_error()) return fail(input + ": " + diagnosis.reason);
    const elf::ElfFile& file = parsed.value();

    auto table = file.symbols(elf::SHT_SYMTAB);
    if (table.is_error()) {
        return fail(input + (table.error() == ENOENT ? ": no symbol table (stripped?)"
                                                          : ": malformed symbol table"));
    }
    auto sections = file.section_headers();

    std::vector<Candidate> candidates;
    for (elf::Symbol symbol : table.value()) {
        const elf::Sym& sym = symbol.sym;
        u8 type = sym.type();
        if (type != elf::STT_FUNC && type != elf::STT_GNU_IFUNC && type != elf::STT_NOTYPE)
            continue;
        if (sym.st_shndx == elf::SHN_UNDEF || sym.st_shndx >= elf::SHN_LORESERVE ||
            sym.st_shndx >= sections.size())
            continue;
        if (symbol.name.empty() || symbol.name.starts_with(".L")) continue;
        elf::Shdr section = sections[sym.st_shndx];
        bool in_code = is_code(section);
        if (type == elf::STT_NOTYPE ? !in_code : !(section.sh_flags & elf::SHF_ALLOC)) continue;
        candidates.push_back({sym.st_value, sym.st_size, shorten(demangle(symbol.name)),
                              type == elf::STT_GNU_IFUNC ? elf::STT_FUNC : type, sym.bind()});
    }
    // End markers keep a label at the end of .text from claiming whatever follows it.
    for (elf::Shdr section : sections) {
        if (is_code(section) && section.sh_size != 0)
            candidates.push_back({section.sh_addr + section.sh_size, 0, "", elf::STT_NOTYPE,
                                  elf::STB_LOCAL});
    }

    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
        if (a.address != b.address) return a.address < b.address;
        return preference(a) < preference(b);
    });
    std::vector<ksyms::SymbolInput> symbols;
    for (size_t i = 0; i < candidates.size();) {
        size_t j = i;
        u64 size = 0;
        for (; j < candidates.size() && candidates[j].address == candidates[i].address; ++j)
            if (!candidates[j].name.empty()) size = std::max(size, candidates[j].size);
        // An alias's size can only be trusted up to what the 32-bit field holds.
        size = std::min<u64>(size, 0xffffffffu);
        symbols.push_back({candidates[i].address, size, candidates[i].name});
        i = j;
    }

    auto needed = ksyms::encode(symbols, {});
    if (needed.is_error())
        return fail(std::string("cannot encode symbols: ") + err::name(needed.error()));
    std::vector<u8> blob(needed.value());
    if (ksyms::encode(symbols, blob).is_error()) return fail("cannot encode symbols");

    std::ofstream out(output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(blob.data()),
              static_cast<std::streamsize>(blob.size()));
    out.close();
    if (!out) return fail("cannot write " + output + ": " + std::strerror(errno));
    return 0;
}
