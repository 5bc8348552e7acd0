#include "image/program_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "elf/elf64.h"

namespace osprey {

namespace fs = std::filesystem;

namespace {

bool is_executable_file(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

std::string absolute_lexical(const std::string& path, const std::string& cwd) {
    fs::path p(path);
    if (p.is_relative()) p = fs::path(cwd) / p;
    std::string normal = p.lexically_normal().string();
    // lexically_normal keeps a trailing separator ("/usr/bin/" for "/usr/bin/."); the
    // image wants none.
    while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    return normal;
}

}  // namespace

std::optional<Shebang> parse_shebang(std::span<const u8> bytes, std::string& error) {
    if (bytes.size() < 2 || bytes[0] != '#' || bytes[1] != '!') return std::nullopt;
    // Linux reads 256 bytes (BINPRM_BUF_SIZE) and wants the line to end inside them.
    constexpr size_t kLineMax = 256;
    size_t end = 2;
    while (end < bytes.size() && end < kLineMax && bytes[end] != '\n') end++;
    if (end == kLineMax) {
        error = "its #! line is longer than the 255 bytes Linux reads";
        return std::nullopt;
    }
    std::string line(bytes.begin() + 2, bytes.begin() + static_cast<long>(end));
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    size_t i = 0;
    while (i < line.size() && blank(line[i])) i++;
    size_t start = i;
    while (i < line.size() && !blank(line[i])) i++;
    Shebang shebang;
    shebang.interpreter = line.substr(start, i - start);
    if (shebang.interpreter.empty()) {
        error = "its #! line names no interpreter";
        return std::nullopt;
    }
    while (i < line.size() && blank(line[i])) i++;
    size_t last = line.size();
    while (last > i && blank(line[last - 1])) last--;
    if (last > i) shebang.argument = line.substr(i, last - i);
    return shebang;
}

std::string ProgramFile::display_name() const {
    return typed.find('/') == std::string::npos ? host_path : typed;
}

std::optional<std::string> find_program(const std::string& typed, const std::string& path_variable,
                                        const std::string& cwd, std::string& error) {
    if (typed.empty()) {
        error = "the program name is empty";
        return std::nullopt;
    }
    if (typed.find('/') != std::string::npos) return absolute_lexical(typed, cwd);
    size_t start = 0;
    while (start <= path_variable.size()) {
        size_t end = path_variable.find(':', start);
        if (end == std::string::npos) end = path_variable.size();
        std::string dir = path_variable.substr(start, end - start);
        if (dir.empty()) dir = ".";  // an empty PATH entry means the current directory
        std::string candidate = absolute_lexical(dir + "/" + typed, cwd);
        if (is_executable_file(candidate)) return candidate;
        start = end + 1;
    }
    error = typed + ": not found on the host's PATH";
    return std::nullopt;
}

bool check_program_elf(std::span<const u8> bytes, const std::string& name, std::string& error) {
    elf::Diagnosis diagnosis;
    auto parsed = elf::ElfFile::parse(bytes, &diagnosis);
    if (parsed.is_error()) {
        error = name + ": " + diagnosis.reason;
        return false;
    }
    const elf::ElfFile& file = parsed.value();
    bool loadable = false;
    for (elf::Phdr ph : file.program_headers()) loadable |= ph.p_type == elf::PT_LOAD;
    if (!loadable) {
        error = name + ": not a loadable program (no PT_LOAD segment)";
        return false;
    }
    return true;
}

std::optional<ProgramFile> load_program(const std::string& typed, const std::string& path_variable,
                                        const std::string& cwd, std::string& error) {
    auto host_path = find_program(typed, path_variable, cwd, error);
    if (!host_path) return std::nullopt;
    ProgramFile program;
    program.typed = typed;
    program.host_path = *host_path;
    const std::string name = program.display_name();

    struct stat st;
    if (stat(host_path->c_str(), &st) != 0) {
        error = name + ": " + (errno == ENOENT ? std::string("no such file") : strerror(errno));
        return std::nullopt;
    }
    if (S_ISDIR(st.st_mode)) {
        error = name + ": is a directory";
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        error = name + ": not a regular file";
        return std::nullopt;
    }
    if (!(st.st_mode & 0111)) {
        error = name + ": not executable (it has no execute permission; chmod +x it)";
        return std::nullopt;
    }
    auto mapping = std::make_shared<MappedFile>();
    std::string why_not;
    if (!mapping->open(*host_path, why_not)) {
        // why_not is "cannot read PATH: REASON"; the user is told in the program's name.
        error = name + ": cannot read it: " + why_not.substr(why_not.rfind(": ") + 2);
        return std::nullopt;
    }
    program.bytes = mapping->bytes();
    program.mapping = std::move(mapping);
    program.permissions = st.st_mode & 07777;
    program.mtime = static_cast<u32>(st.st_mtime);
    std::string why;
    program.shebang = parse_shebang(program.bytes, why);
    if (!why.empty()) {
        error = name + ": " + why;
        return std::nullopt;
    }
    if (!program.shebang && !check_program_elf(program.bytes, name, error)) return std::nullopt;
    return program;
}

}  // namespace osprey
