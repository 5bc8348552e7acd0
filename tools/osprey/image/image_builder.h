// Puts an image together from what the user asked for (the command line, a manifest, or
// an image built before), the one path shared by `osprey build` and `osprey run`.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "image/app_spec.h"
#include "image/host_files.h"
#include "image/image_file.h"
#include "image/image_tree.h"
#include "image/library_resolver.h"

namespace osprey {

// What goes into a new image: the command line merged over a manifest.
struct ImageRequest {
    std::string program;                    // BINARY as typed
    std::vector<std::string> args;          // its arguments (argv[1...])
    std::vector<std::string> env_options;   // -e values in order, manifest first
    std::optional<std::string> workdir;     // absolute guest path
    std::vector<AddSpec> add;               // manifest first, then --add
    std::vector<std::string> default_env;   // the environment before -e
    HostGetenv host_getenv;                 // for -e NAME
    double discover_seconds = 0;            // > 0: a trial run on the host adds what it opens
};

struct ComposedImage {
    ImageTree tree;
    AppSpec spec;
    ImageInfo info;
    std::shared_ptr<void> source;  // what the tree's file views point into (a mapped image)
};

// Finds and checks the program, resolves its interpreter and libraries (dynamic programs),
// and lays out the tree: the generated /etc files, the program at its host path, the
// libraries with the host's symlinks, the host's /etc/ld.so.cache (dynamic programs),
// the --add files, the working directory. /.osprey/ is added by finish_image.
std::optional<ComposedImage> compose_image(const ImageRequest& request, const std::string& cwd, std::string& error);

// Changes to an image at run time (`osprey run IMAGE`, and the run-only parts of
// `osprey run BINARY`).
struct RunOverrides {
    std::vector<std::string> args;         // replace the default arguments when not empty
    std::vector<std::string> env_options;  // -e, applied after the image's environment
    std::optional<std::string> workdir;
    std::vector<AddSpec> add;
    HostGetenv host_getenv;
};
bool apply_run_overrides(ComposedImage& image, const RunOverrides& overrides, std::string& error);

// Adds /.osprey/app and /.osprey/image.json.
bool finish_image(ComposedImage& image, std::string& error);

// Writes the image to a new file at `path` (created 0644, or 0600 when private), with a
// progress line on stderr when it takes more than a moment and stderr is a terminal.
// `stopped` is asked before each write; when it answers true (a Ctrl-C) the write ends
// early. On any failure the file is removed.
bool write_image_file(const ImageTree& tree, const std::string& path, bool private_file, u64& bytes_written,
                      std::string& error, const std::function<bool()>& stopped = nullptr);

// "12.3 MiB", "840 KiB", "12 B".
std::string human_size(u64 bytes);

}  // namespace osprey
