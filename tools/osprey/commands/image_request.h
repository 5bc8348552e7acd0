// The image options of `osprey build` and `osprey run` (-f, --add, -e, -w and BINARY
// ARGS) turned into an ImageRequest: the manifest first, the command line over it.
#pragma once

#include <optional>
#include <string>

#include "commands/run_options.h"
#include "image/image_builder.h"

namespace osprey {

struct MergedRequest {
    ImageRequest request;
    std::string memory;  // --memory, else the manifest's; "" for none
    NetworkChoice network;  // the manifest's network keys with the command line's over them
    VolumeOptions volumes;  // the manifest's volumes, then --volume's (which win for a guest path)
};

// The manifest's volumes with the command line's over them: a --volume for a guest path
// the manifest names replaces its entry (for a disk without a guest path: one for the
// same image), others are added; --volume-size replaces.
VolumeOptions override_volumes(const VolumeOptions& base, const VolumeOptions& command_line);

// `default_env` is the environment before any -e. false with a message for a manifest
// that cannot be read, a bad --add or network key, or no program named anywhere.
std::optional<MergedRequest> merge_image_request(const RunArguments& args, std::vector<std::string> default_env,
                                                 const std::string& cwd, std::string& error);

// --add values parsed against `cwd`.
std::optional<std::vector<AddSpec>> parse_add_options(const std::vector<std::string>& options, const std::string& cwd,
                                                      std::string& error);

std::string current_directory();

// The process environment, for -e NAME.
const char* host_getenv(const char* name);

}  // namespace osprey
