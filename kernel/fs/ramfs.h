// A file system in memory: the root file system (filled from the initramfs, whose file
// data it serves in place until a file is written) and tmpfs mounts.
#pragma once

#include <span>

#include "fs/inode.h"

namespace fs {

class RamFilesystem final : public Filesystem {
public:
    // name: "rootfs" or "tmpfs" (statfs magic and /proc/mounts follow it).
    static RamFilesystem* create(const char* name, u64 device);
    const char* name() const override { return m_name; }
    u64 magic() const override;
    RefPtr<Inode> root() override { return m_root; }
    u64 blocks_total() override;
    u64 blocks_free() override;

    // A regular file whose data is `backing` (read-only memory, e.g. the initramfs) until
    // it is first written.
    Result<RefPtr<Inode>> create_backed_file(Inode& directory, std::string_view name, u32 permissions, u32 uid,
                                             u32 gid, std::span<const u8> backing);

    // Gives an empty file made by create_backed_file its data afterwards (an archive may
    // store a hard-linked file's data with a later name). EBUSY when it has data already.
    static Result<void> back_empty_file(Inode& file, std::span<const u8> backing);

    // Adds an inode made elsewhere (a device, a special file) under `name` in `directory`.
    static Result<void> attach(Inode& directory, std::string_view name, RefPtr<Inode> inode);

private:
    RamFilesystem(const char* name, u64 device) : Filesystem(device), m_name(name) {}
    const char* m_name;
    RefPtr<Inode> m_root;
};

}  // namespace fs
