// The run's own files over the root: `osprey run` passes the image unchanged as the
// initramfs and the run's own /.osprey/app (its arguments, environment, random seed) as a
// second cpio newc archive, a fw_cfg file named on the kernel command line (overlay=NAME).
#pragma once

#include <string_view>

#include "base/result.h"

namespace fs {

// Reads the fw_cfg file `name` ("opt/osprey/overlay"), checks it is a cpio newc archive,
// and copies its entries onto the root (initramfs::copy_onto_root: files and symlinks
// replaced, directories kept); its memory is freed afterwards. Every failure is said on the
// kernel log with its cause: EINVAL (a name fw_cfg cannot hold, a malformed archive or
// fw_cfg directory), ENODEV (no fw_cfg device), ENOENT (no such file), EIO (a DMA error),
// ENOMEM, or the error of an entry that cannot be copied.
Result<void> apply_overlay(std::string_view name);

}  // namespace fs
