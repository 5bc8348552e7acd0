// What the files already in an image need from the host to run or be loaded in the guest.
// The first program's needs are resolved by compose_image; this covers everything else
// that may be started or loaded later: the programs a shell or `make` execs and the
// modules a runtime dlopens, found in the --add trees, a runtime's module trees and the
// files a trial run recorded.
//
// Under the scanned directories (guest paths):
// - an ELF shared object (".so" in its name) or an ELF file with an execute bit gets its
//   libraries, resolved as ld.so would ($ORIGIN: the object's own image directory); a
//   dynamically linked one also gets its interpreter, /etc/ld.so.cache, glibc's C.UTF-8
//   locale and the libgcc_s.so.1 glibc dlopens (add_loader_files, add_libc_companions);
// - with `scripts`, a file with an execute bit starting "#!" gets its interpreter from
//   the host when the image lacks it (and "#!/usr/bin/env NAME" the first NAME on the
//   guest's PATH), itself resolved in turn, with its module trees when it is a runtime
//   (image/runtime_files.h).
// Whatever cannot be found is a note for the user, not an error: the file may never run.
// Only files with an execute bit or ".so" in their name are opened, and only their first
// bytes unless they are ELF, so large trees of headers and data cost little.
#pragma once

#include <string>
#include <vector>

#include "image/image_tree.h"
#include "image/library_resolver.h"

namespace osprey {

struct DependencyScan {
    std::vector<std::string> directories;  // guest paths (a file's own path scans just it)
    bool scripts = false;                  // also give "#!" scripts their interpreters
    std::string guest_path_variable;       // the guest's PATH, for "#!/usr/bin/env NAME"
};

// false only when the tree refuses a file (a conflict with what is there).
bool add_tree_dependencies(ImageTree& tree, const DependencyScan& scan, const LibrarySearch& search,
                           std::vector<std::string>& notes, std::string& error);

// What every dynamically linked program needs besides its libraries: the interpreter
// (host path, with the symlinks on the way), the loader's cache, and glibc's C.UTF-8
// locale directory, each when the host has it and the tree does not yet.
bool add_loader_files(ImageTree& tree, const std::string& interpreter, std::string& error);

}  // namespace osprey
