#include "fs/devfs_block.h"

#include <new>

#include "drivers/block/block_device.h"
#include "fs/inode_file.h"
#include "sync/mutex.h"
#include "text/proc_format.h"

namespace devfs {

namespace {

using fs::synthetic::Node;
using fs::synthetic::SyntheticFilesystem;

constexpr u32 kVirtioBlockMajor = 254;
constexpr u32 kMinorsPerDisk = 16;  // room for partitions, as Linux's virtio-blk leaves
constexpr usize kBounceBytes = 64 * KiB;

class DiskNode final : public Node {
public:
    DiskNode(SyntheticFilesystem& filesystem, u64 ino, block::BlockDevice& disk, u32 minor)
        : Node(filesystem, fs::InodeType::BlockDevice, ino, disk.read_only() ? 0440 : 0660, disk.name()),
          m_disk(disk), m_rdev(text::proc::encode_dev(kVirtioBlockMajor, minor)) {}

    block::BlockDevice& disk() { return m_disk; }
    u64 size() override { return m_disk.size(); }

    Result<void> stat(fs::Stat& out) override {
        TRY(Inode::stat(out));
        out.st_rdev = m_rdev;
        out.st_size = 0;  // as Linux: a block special file's size is its device's, asked by ioctl
        out.st_blocks = 0;
        out.st_blksize = m_disk.block_size();
        return {};
    }

    Result<usize> read(u64 offset, const fs::IoBuffer& buffer) override {
        u64 end = m_disk.size();
        if (offset >= end || buffer.length == 0) return 0;
        u64 length = buffer.length < end - offset ? buffer.length : end - offset;
        return transfer(offset, length, buffer, false);
    }

    Result<usize> write(u64 offset, const fs::IoBuffer& buffer) override {
        if (m_disk.read_only()) return Error(EROFS);
        u64 end = m_disk.size();
        if (buffer.length == 0) return 0;
        if (offset >= end) return Error(ENOSPC);
        u64 length = buffer.length < end - offset ? buffer.length : end - offset;
        return transfer(offset, length, buffer, true);
    }

    Result<RefPtr<fs::File>> open(u32 flags) override;

private:
    // Block-aligned chunks of the bounce buffer; returns the bytes done (a fault after
    // some is a short count, as for other files).
    Result<usize> transfer(u64 offset, u64 length, const fs::IoBuffer& buffer, bool write) {
        u8* bounce = new (std::nothrow) u8[kBounceBytes];
        if (!bounce) return Error(ENOMEM);
        MutexLocker lock(m_lock);
        u64 block = m_disk.block_size();
        u64 done = 0;
        Result<usize> result = usize(0);
        while (done < length) {
            u64 at = offset + done;
            u64 start = at - at % block;  // the chunk's first block
            u64 skip = at - start;
            u64 take = kBounceBytes - skip < length - done ? kBounceBytes - skip : length - done;
            u64 chunk = (skip + take + block - 1) / block * block;
            bool partial = skip != 0 || take % block != 0;
            std::span<u8> span(bounce, chunk);
            Result<void> r{};
            if (!write || partial) r = m_disk.read(start, span);
            if (r.is_ok()) r = write ? buffer.copy_in(done, bounce + skip, take) : buffer.copy_out(done, bounce + skip, take);
            if (r.is_ok() && write) r = m_disk.write(start, span);
            if (r.is_error()) {
                result = done ? Result<usize>(done) : Result<usize>(Error(r.error()));
                break;
            }
            done += take;
            result = usize(done);
        }
        delete[] bounce;
        return result;
    }

    block::BlockDevice& m_disk;
    u64 m_rdev;
    Mutex m_lock;  // one transfer at a time: a partial-block write reads, merges and writes
};

class DiskFile final : public fs::InodeFile {
public:
    DiskFile(RefPtr<fs::Inode> inode, u32 flags, block::BlockDevice& disk)
        : InodeFile(static_cast<RefPtr<fs::Inode>&&>(inode), flags), m_disk(disk) {}
    const char* kind() const override { return "block device"; }

    Result<usize> read(const fs::IoBuffer& buffer) override {
        MutexLocker lock(m_offset_lock);
        usize n = TRY(inode().read(m_offset, buffer));
        m_offset += n;
        return n;
    }
    Result<usize> write(const fs::IoBuffer& buffer) override {
        MutexLocker lock(m_offset_lock);
        usize n = TRY(inode().write(m_offset, buffer));
        m_offset += n;
        return n;
    }
    Result<void> sync() override { return m_disk.flush(); }
    u32 poll_events() override { return fs::POLLIN | fs::POLLOUT | fs::POLLRDNORM | fs::POLLWRNORM; }

private:
    block::BlockDevice& m_disk;
};

Result<RefPtr<fs::File>> DiskNode::open(u32 flags) {
    if (flags & fs::O_PATH) return fs::open_inode_file(*this, flags);
    if (m_disk.read_only() && (flags & fs::O_ACCMODE) != fs::O_RDONLY) return Error(EROFS);
    auto* file = new (std::nothrow) DiskFile(RefPtr<fs::Inode>(this), flags, m_disk);
    if (!file) return Error(ENOMEM);
    return RefPtr<fs::File>::adopt(file);
}

}  // namespace

block::BlockDevice* disk_of_device_number(u64 rdev) {
    for (usize i = 0; i < block::device_count(); i++)
        if (text::proc::encode_dev(kVirtioBlockMajor, u32(i * kMinorsPerDisk)) == rdev) return block::device(i);
    return nullptr;
}

Result<void> add_block_devices(fs::synthetic::Directory& directory) {
    auto& filesystem = static_cast<SyntheticFilesystem&>(directory.filesystem());
    for (usize i = 0; i < block::device_count(); i++) {
        auto* node = new (std::nothrow)
            DiskNode(filesystem, filesystem.allocate_ino(), *block::device(i), u32(i * kMinorsPerDisk));
        if (!node) return Error(ENOMEM);
        directory.add_node(*node);
        node->unref();
    }
    return {};
}

}  // namespace devfs
