// Finds the ELF interpreter and every shared library a dynamically linked program needs,
// searching the way glibc's dynamic loader does (ld.so(8)), so that the image holds
// exactly what the loader in the guest will look for:
//
//   for each DT_NEEDED name of each object, breadth first from the program:
//     a name with a '/' is a path;
//     a name already loaded (as a needed name or a DT_SONAME) is not searched again;
//     else, in order:
//       1. DT_RPATH of the object and of each object that loaded it, up to the program
//          (only when the object has no DT_RUNPATH)
//       2. LD_LIBRARY_PATH (the guest's: set with -e)
//       3. DT_RUNPATH of the object
//       4. /etc/ld.so.cache (unless the object has DF_1_NODEFLIB)
//       5. the default directories (unless DF_1_NODEFLIB)
//   In RPATH and RUNPATH, $ORIGIN is the directory of the object (the program's image
//   path for the program), $LIB is lib/x86_64-linux-gnu and $PLATFORM x86_64, also as
//   ${...}. A candidate that is not a 64-bit x86-64 ELF is skipped, as the loader does.
//
// The file system is behind an interface so tests can use a fake one.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/types.h"
#include "image/ld_cache.h"

namespace osprey {

class LibraryFiles {
public:
    virtual ~LibraryFiles() = default;
    // The content of the regular file at `path`, symlinks followed; nullopt when there is
    // none.
    virtual std::optional<std::vector<u8>> read(const std::string& path) = 0;
};

// The host's files.
class HostLibraryFiles final : public LibraryFiles {
public:
    std::optional<std::vector<u8>> read(const std::string& path) override;
};

struct LibrarySearch {
    std::vector<std::string> library_path;  // LD_LIBRARY_PATH, split
    std::vector<LdCacheEntry> cache;        // /etc/ld.so.cache
    std::vector<std::string> default_directories = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
                                                    "/usr/lib64", "/lib", "/usr/lib"};
};

struct ResolvedLibrary {
    std::string name;       // as in DT_NEEDED
    std::string path;       // where it was found (lexically normal, symlinks kept)
    std::string needed_by;  // the first object that needed it
    std::string found_by;   // "RUNPATH", "RPATH", "LD_LIBRARY_PATH", "ld.so.cache", "default", "path"
};

struct LibraryResolution {
    std::optional<std::string> interpreter;  // PT_INTERP, e.g. /lib64/ld-linux-x86-64.so.2
    std::vector<ResolvedLibrary> libraries;  // breadth first, each once
};

// `program_path` is the program's path in the image (its $ORIGIN). A static program gives
// no interpreter and no libraries. nullopt with a message (naming the library, who needs
// it, and every place searched) when a library cannot be found or a file is malformed.
std::optional<LibraryResolution> resolve_libraries(const std::string& program_path, std::span<const u8> program,
                                                   LibraryFiles& files, const LibrarySearch& search,
                                                   std::string& error);

// Splits a colon-separated list of directories, dropping empty entries.
std::vector<std::string> split_search_path(const std::string& list);

// The host's search settings: its /etc/ld.so.cache (none when unreadable) and
// `ld_library_path` (the guest's LD_LIBRARY_PATH, may be empty).
LibrarySearch host_library_search(const std::string& ld_library_path);

}  // namespace osprey
