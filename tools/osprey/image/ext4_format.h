// Making an empty ext4 file system on the host with Debian's mke2fs (e2fsprogs): for the
// images `--volume` creates and the root disks `osprey build --format ext4` writes.
#pragma once

#include <string>
#include <vector>

namespace osprey {

// mke2fs -q -F -t ext4 OPTIONS... PATH, its output discarded; whether it succeeded. PATH
// must exist at the file system's size (a sparse file: lazy inode tables and journal
// leave it sparse).
bool make_ext4(const std::string& path, const std::vector<std::string>& options);

// What to tell a user when make_ext4 fails.
inline constexpr const char* kMke2fsHint = "with mke2fs (e2fsprogs; scripts/setup.sh installs it)";

}  // namespace osprey
