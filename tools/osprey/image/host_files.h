// Copies host files into an ImageTree: a file at its own path with the symlinks that lead
// to it (libraries, the interpreter), and whole trees for --add.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "image/image_tree.h"

namespace osprey {

// Adds the host file `path` (absolute) at the same path in the image, storing every symlink
// met on the way as a symlink and the file it ends at as a regular file: with the host's
// /lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 and
// /lib -> usr/lib, the image gets both symlinks and /usr/lib/x86_64-linux-gnu/ld-linux....
bool add_host_path_keeping_links(ImageTree& tree, const std::string& path, std::string& error);

// One --add: HOST (absolute after parsing) and GUEST (absolute).
struct AddSpec {
    std::string host;
    std::string guest;
};

// "HOST:GUEST" or "HOST". GUEST starts at the last ":/"; without one GUEST is HOST's
// absolute path. A relative HOST is taken from `base` (the current directory, or a
// manifest's directory).
std::optional<AddSpec> parse_add_spec(const std::string& text, const std::string& base, std::string& error);

// HOST and GUEST given apart (a manifest's { host = ..., guest = ... }), so that a ":/" in
// either is part of its path; GUEST "" means HOST's absolute path. Otherwise as
// parse_add_spec; nullopt when GUEST is not absolute.
std::optional<AddSpec> make_add_spec(const std::string& host, const std::string& guest, const std::string& base);

// Adds HOST at GUEST. HOST itself is followed if it is a symlink; below it, symlinks are
// stored as symlinks, directories and regular files with their modes and modification
// times. A file added at a GUEST that ends in '/' or is a directory in the image goes
// inside it. Sockets, FIFOs and devices are skipped. `files` counts what was added.
bool add_host_tree(ImageTree& tree, const AddSpec& spec, std::string& error);

// add_host_tree for a directory, leaving out every subdirectory (at any depth) whose name
// `skip_directory` accepts.
bool add_host_tree_except(ImageTree& tree, const AddSpec& spec,
                          const std::function<bool(const std::string& name)>& skip_directory, std::string& error);

}  // namespace osprey
