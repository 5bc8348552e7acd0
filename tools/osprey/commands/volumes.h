// `--volume HOST_IMAGE[:GUEST_PATH][:ro]` (docs/cli.md, docs/storage.md): a disk image on
// the host attached as a virtio-blk drive, its ext4 mounted on GUEST_PATH in the guest at
// boot, or, without one, left for the program to mount (mount(2) of /dev/vdX). The parsing
// is pure (unit-tested); preparing the image touches the host's file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "base/types.h"
#include "vm/vm_config.h"

namespace osprey {

// The size of an image osprey creates when none is given (--volume-size): sparse, so
// it takes no room on the host until written.
constexpr u64 kDefaultVolumeBytes = u64{1} << 30;

struct VolumeSpec {
    std::string host_path;   // as typed (relative to the current directory, or absolute)
    std::string guest_path;  // absolute, or "" for a disk the kernel does not mount
    bool read_only = false;
    bool operator==(const VolumeSpec&) const = default;
};

// One --volume value. The host path may itself contain ':' (the guest path is after the
// last one, an optional ":ro" or ":rw" after that). The guest path must be absolute, not
// "/", and free of white space, '"' and ',' (it travels on the kernel command line).
// Without a ':' there is none: "disk.img" and "disk.img:ro" attach a disk not mounted at
// boot (a host path holding ':' then needs a guest path). nullopt with a message naming
// the value otherwise.
std::optional<VolumeSpec> parse_volume(std::string_view text, std::string& error);

// Every --volume value; a guest path given twice is refused too (an image given twice is
// refused by QEMU's lock on it).
std::optional<std::vector<VolumeSpec>> parse_volumes(const std::vector<std::string>& values, std::string& error);

// --volume-size: "1G", "512M", "4096K", "1T" (powers of 1024; a bare number is bytes), a
// whole number of 512-byte sectors, from 1 MiB to 16 TiB. nullopt with a message.
std::optional<u64> parse_volume_size(std::string_view text, std::string& error);

// The image behind a volume, ready for QEMU: an existing regular file (or block device)
// that can be read, and written unless read-only; or, when there is none, a new sparse
// file of `new_size` bytes (never for a read-only volume: there would be nothing to
// read). `created` says which. false with a message otherwise (a directory, no
// permission, a missing parent directory...).
bool prepare_volume_image(const VolumeSpec& volume, u64 new_size, bool& created, std::string& error);

// The drives for the VM: serial numbers vol0, vol1... in order.
std::vector<VolumeConfig> volume_configs(const std::vector<VolumeSpec>& volumes);

// The kernel command line's words for them: "volume=vol0:/data volume=vol1:/logs"; none
// for a volume without a guest path (the drive is there, with its serial, unmounted).
std::string volume_kernel_args(const std::vector<VolumeConfig>& volumes);

// --volume and --volume-size as typed on a command (run and boot).
struct VolumeOptions {
    std::vector<std::string> volumes;  // in order
    std::string size;                  // "" for the default
};
void add_volume_options(CLI::App& command, VolumeOptions& options);

// Parses the options and prepares every image (saying on stderr which it created): the
// drives for VmConfig::volumes.
std::optional<std::vector<VolumeConfig>> resolve_volumes(const VolumeOptions& options, std::string& error);

}  // namespace osprey
