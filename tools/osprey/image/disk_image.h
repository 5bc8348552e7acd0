// An image whose root is an ext4 disk (`osprey build --format ext4`; docs/cli.md, "Disk
// images"): for applications too large to hold in memory as an initramfs. The disk holds
// the same tree an initramfs image would (the application's files, /.osprey/app and
// /.osprey/image.json), written by libs/ext4 into a file system mke2fs made: owners root,
// each file's permissions and time as the tree has them, hard links kept. `osprey run`
// attaches it as a virtio-blk drive whose writes go to a temporary overlay QEMU drops at
// exit (every run starts from the image as built); a small initramfs carries what the run
// changes, and the kernel mounts the disk as "/" (root=, docs/host-guest-contract.md).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "base/types.h"
#include "image/image_file.h"
#include "image/image_tree.h"

namespace osprey {

// The serial number the root drive carries, which the kernel's root= names.
constexpr const char* kRootDiskSerial = "osprey-root";

struct DiskImageFigures {
    u64 size = 0;       // the file system's size (the file is sparse)
    u64 allocated = 0;  // what the file takes on the host's disk
    u64 files = 0;
};

// Writes the tree as a new ext4 disk image at `path` (created or replaced). Its size is
// what the tree needs plus room for the runs' writes (docs/cli.md). `stopped` is polled
// between files: true ends the write early (false, error empty).
bool write_disk_image(const ImageTree& tree, const std::string& path, DiskImageFigures& figures, std::string& error,
                      const std::function<bool()>& stopped = {});

// True when the file at `path` holds an ext4 superblock (magic 0xEF53 at byte 1080).
bool looks_like_disk_image(const std::string& path);

// A disk image read back: how to run it and its info, from the /.osprey files on the disk;
// with_tree: its files listed in `tree` (no contents: for osprey inspect). nullopt with a
// message for a disk that is not an Osprey image.
struct LoadedDiskImage {
    AppSpec spec;
    ImageInfo info;
    ImageTree tree;
    u64 used_bytes = 0;  // the file system's blocks in use
    u64 file_size = 0;   // of the image file (sparse)
};
std::optional<LoadedDiskImage> load_disk_image(const std::string& path, bool with_tree, std::string& error);

}  // namespace osprey
