// The initramfs the boot loader handed over (a cpio "newc" archive in memory). Until the
// file-system layer exists, the loader and the app config find their files here directly;
// file data is served in place, never copied.
#pragma once

#include <optional>
#include <span>
#include <string_view>

#include "base/result.h"

namespace initramfs {

// Remembers the archive (kept reserved by the memory manager) and checks it.
Result<void> init(std::span<const u8> archive);
bool present();
// True when [address, address + length) lies in the archive's memory: pages there are never
// freed, so a mapping may use them in place (ramfs keeps a file's whole pages there).
bool holds(const void* address, usize length);

struct FileData {
    std::span<const u8> bytes;
    u32 mode;
};
// A regular file by absolute path ("/usr/bin/busybox"); ENOENT, or EISDIR/EACCES-like
// errors for what is not a regular file.
Result<FileData> find(std::string_view path);

// Builds the root file system from the archive: directories, symlinks, and regular files
// whose data stays in the archive's pages until written. Missing parent directories are
// created (mode 0755).
Result<void> populate_root();

// Copies the entries of `archive`, a cpio newc archive, onto the root file system: the
// initramfs onto a root disk (osprey build --format ext4), or the run's overlay (kernel
// command line overlay=) onto either root. Files and symlinks there are replaced by new
// ones holding copies of the data, directories kept (symlinks to them followed), missing
// parents made. `source` names the archive on the kernel log ("the overlay"). The archive
// is not referenced afterwards: the caller may free it.
Result<void> copy_onto_root(std::span<const u8> archive, std::string_view source);
// The same for the initramfs.
Result<void> copy_onto_root();

}  // namespace initramfs
