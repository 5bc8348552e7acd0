// Files a program loads at run time that no ELF header names: the standard library of an
// interpreter, its extension modules and their shared libraries. docs/runtime-files.md
// says how Osprey decides; in short:
//
// - A program is recognised as a runtime by its file name (or the name its symlinks end
//   at): python, python3, python3.11 ...; perl, perl5.36.0 ...; lua, lua5.4 ...; java.
// - The runtime itself is asked where it looks (it is the host's own interpreter, run
//   with a clean environment and nothing but a print statement): Python's sys.path
//   without site directories, Perl's @INC, Lua's package.path and package.cpath. Every
//   existing directory it names goes into the image, less what only developers use
//   (Python's test suite, IDLE, turtledemo, tkinter and its config-* build directory).
//   Java is not asked: its JAVA_HOME (the parent of the launcher's real bin/) goes in,
//   less jmods, headers, licences and manuals.
// - Every ELF shared object in those trees gets its own libraries resolved, as the
//   dynamic loader will do when the runtime dlopens it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace osprey {

struct RuntimeFiles {
    std::string runtime;                   // "python", "perl", "lua", "java"
    std::vector<std::string> directories;  // host directories, absolute, existing, each once
    // Names of subdirectories (at any depth) left out of every tree; "config-*" is a prefix.
    std::vector<std::string> skipped_directories;

    bool skips(const std::string& directory_name) const;
};

// The runtime `program` (an absolute host path) is, and where it finds its modules;
// nullopt when it is not one Osprey recognises. When the interpreter cannot be asked
// (it does not run on this host, or takes too long), `note` says so and nullopt is
// returned: the image is still built, and --add or --discover covers the rest.
std::optional<RuntimeFiles> recognise_runtime(const std::string& program, std::string& note);

// The runtime name for a program file name, or "" ("python3.11" -> "python").
std::string runtime_for_name(const std::string& file_name);

// The directories named by a Lua search template ("/usr/share/lua/5.4/?.lua;./?.lua"):
// the part of each entry before its first '?' or the directory of a fixed path, absolute
// entries only, each once, in order.
std::vector<std::string> lua_template_directories(const std::string& templates);

}  // namespace osprey
