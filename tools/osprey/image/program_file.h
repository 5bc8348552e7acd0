// The program `osprey run` is asked to run, found and checked on the host before anything
// is built or started, so the common mistakes get a clear message and no VM.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/types.h"
#include "image/mapped_file.h"

namespace osprey {

// A script's "#!" line, as Linux's binfmt_script reads it: the interpreter's path, then at
// most one argument (the rest of the line, spaces inside kept, trailing ones dropped).
struct Shebang {
    std::string interpreter;
    std::optional<std::string> argument;
};

// The "#!" line of `bytes`, or nullopt when they do not start with "#!". A line without an
// interpreter, or longer than Linux reads (255 bytes without a newline), is an error.
std::optional<Shebang> parse_shebang(std::span<const u8> bytes, std::string& error);

struct ProgramFile {
    std::string typed;      // BINARY as the user typed it: the program's argv[0]
    std::string host_path;  // absolute, with symlinks left as they are; also its image path
    // The content (a symlink's target's), mapped rather than read: a run looks only at its
    // headers, and the image writer maps it again for the copy (issue 17).
    std::shared_ptr<const MappedFile> mapping;
    std::span<const u8> bytes;
    u32 permissions = 0;    // st_mode & 07777 of what it points to
    u32 mtime = 0;
    std::optional<Shebang> shebang;  // a script: its "#!" line (and no ELF checks)

    // How messages name it: the path as typed, or where PATH led for a bare name.
    std::string display_name() const;
};

// BINARY's absolute path: a word with a '/' is a path (made absolute from `cwd`, "." and
// ".." removed without resolving symlinks); a bare name is looked up in `path_variable`
// the way execvp does (the first regular file with an execute bit). nullopt with a
// message when a bare name is not found.
std::optional<std::string> find_program(const std::string& typed, const std::string& path_variable,
                                        const std::string& cwd, std::string& error);

// Finds, reads and checks BINARY: it must exist, be a regular file with an execute bit,
// and be a loadable x86-64 ELF executable (static or dynamic) or a script starting "#!". On failure
// `error` is the message for the user, without the "osprey: " prefix.
std::optional<ProgramFile> load_program(const std::string& typed, const std::string& path_variable,
                                        const std::string& cwd, std::string& error);

// The ELF checks of load_program on bytes already read, for `name` in messages.
bool check_program_elf(std::span<const u8> bytes, const std::string& name, std::string& error);

}  // namespace osprey
