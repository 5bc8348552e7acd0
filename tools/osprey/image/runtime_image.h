// Puts what a program loads at run time into its image: a recognised runtime's module
// trees (image/runtime_files.h) and the unwinder glibc loads by itself. The libraries of
// what those trees hold are image/tree_dependencies.h's.
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

// glibc loads one library by itself, at run time: libgcc_s.so.1, to unwind a thread's
// stack in pthread_exit and pthread_cancel (and for backtrace). When `libraries` (the
// program's) include libc.so.6, it is added from the loader's cache or default
// directories, if the host has it; `added` is its path then. false only when the tree
// refuses it.
bool add_libc_companions(ImageTree& tree, const std::vector<ResolvedLibrary>& libraries, const LibrarySearch& search,
                         std::string& added, std::string& error);

}  // namespace osprey
