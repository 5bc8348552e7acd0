// Puts what a program loads at run time into its image: a recognised runtime's module
// trees (image/runtime_files.h) and, for every ELF shared object added that way or with
// --add, the libraries it needs, resolved as for the program.
#pragma once

#include <string>
#include <vector>

#include "image/image_file.h"
#include "image/image_tree.h"
#include "image/library_resolver.h"

namespace osprey {

struct RuntimeAdditions {
    std::string runtime;                   // "" when the program is not a recognised runtime
    std::vector<std::string> directories;  // added whole, symlinks resolved
    std::vector<std::string> notes;        // for the user: what could not be found
};

// Adds the runtime trees of `program` (absolute host path) to `tree`. false only when the
// tree refuses a file (a conflict with what is there).
bool add_runtime_files(ImageTree& tree, const std::string& program, RuntimeAdditions& added, std::string& error);

// Resolves and adds the libraries of every ELF shared object stored under `directories`
// (guest paths) that the tree does not hold yet. A library that cannot be found is a
// note, not an error: the object may never be loaded.
bool add_shared_object_libraries(ImageTree& tree, const std::vector<std::string>& directories,
                                 const LibrarySearch& search, std::vector<std::string>& notes, std::string& error);

}  // namespace osprey
