// Osprey image files (docs/cli.md, "Image format"): a cpio newc archive, the very
// initramfs the kernel boots from, holding the application's files, /.osprey/app (how to
// run it, libs/protocol/app_config.h) and /.osprey/image.json (what the host tool keeps
// about the image: the program's host path, the default memory, the libraries found).
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "image/app_spec.h"
#include "image/image_tree.h"

namespace osprey {

constexpr const char* kImageInfoPath = "/.osprey/image.json";

// What /.osprey/image.json holds.
struct ImageInfo {
    std::string program;  // the program's host path when built
    std::string memory;   // default --memory, "" for sized from the image
    unsigned cpus = 1;    // default --cpus
    // Default network options of runs (as typed; "" and empty for the defaults).
    std::string network;
    std::string mac;
    std::vector<std::string> publish;
    std::string ip;
    std::string built_by = "osprey 0.1.0";
    std::vector<std::pair<std::string, std::string>> libraries;  // (needed name, path)
    std::optional<std::string> interpreter;
    std::string runtime;                         // "python", "perl", "lua", "java"; "" for none
    std::vector<std::string> runtime_directories;  // added for the runtime (runtime_image.h)
    std::vector<std::string> discovered;           // files a --discover trial run added
    std::string root = "initramfs";                // "ext4" for a disk image (image/disk_image.h)
};

std::string encode_image_info(const ImageInfo& info);
// The two /.osprey files read back; false when malformed.
bool decode_image_info(std::string_view text, ImageInfo& info);
bool decode_app_spec(std::string_view bytes, AppSpec& spec);

// True when the file at `path` starts like a cpio newc archive ("070701"/"070702").
bool looks_like_image(const std::string& path);

// An image file read back: its tree (file contents point into the mapped file, which
// lives as long as this object), how to run it, and its info.
struct LoadedImage {
    std::shared_ptr<void> mapping;
    u64 file_size = 0;
    ImageTree tree;
    AppSpec spec;
    ImageInfo info;
};

// nullopt with a message for a file that is not an Osprey image.
std::optional<LoadedImage> load_image(const std::string& path, std::string& error);

}  // namespace osprey
