// A host folder in the guest: a file system whose files live on the other side of a
// virtio-9p device (QEMU's 9P server, `osprey run -v HOST_DIR:GUEST_PATH[:ro]`). Every
// operation is a 9P2000.L request: nothing is cached but the inodes themselves (by the
// server's qid), so what the host changes shows at once, and what the guest writes is on
// the host when the call returns. docs/storage.md.
#pragma once

#include <string_view>

#include "base/result.h"
#include "fs/inode.h"
#include "fs/vfs.h"

namespace fs::ninep {

// Mounts the folder of the virtio-9p device whose mount tag is `tag` on `path` (created if
// missing). ENODEV when no device has that tag; EPROTONOSUPPORT when its server does not
// speak 9P2000.L. `read_only`: every change is refused with EROFS.
Result<void> mount(std::string_view tag, std::string_view path, bool read_only);
// The same on a directory already found, with mount(2)'s flags.
Result<void> mount_on(std::string_view tag, RefPtr<Inode> directory, MountFlags flags);

}  // namespace fs::ninep
