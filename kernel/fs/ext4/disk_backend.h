// The block cache's view of a disk (block::Backend over block::BlockDevice), for an ext4
// mount. The disk takes only device-visible buffers: the cache's (in the heap) go straight
// to it; any other (the superblock check reads onto a kernel stack) through a bounce
// buffer.
#pragma once

#include <new>

#include "block/cache.h"
#include "drivers/block/block_device.h"

namespace fs::ext4fs {

class DiskBackend final : public block::Backend {
public:
    explicit DiskBackend(block::BlockDevice& disk) : m_disk(disk) {}
    Result<void> read_block(u64 index, std::span<u8> out) override {
        if (reachable(out.data(), out.size())) return m_disk.read(index * out.size(), out);
        TRY(ensure_bounce(out.size()));
        TRY(m_disk.read(index * out.size(), {m_bounce, out.size()}));
        __builtin_memcpy(out.data(), m_bounce, out.size());
        return {};
    }
    Result<void> write_block(u64 index, std::span<const u8> data) override {
        if (reachable(data.data(), data.size())) return m_disk.write(index * data.size(), data);
        TRY(ensure_bounce(data.size()));
        __builtin_memcpy(m_bounce, data.data(), data.size());
        return m_disk.write(index * data.size(), {m_bounce, data.size()});
    }
    Result<void> read_blocks(u64 first, u32 block_size, std::span<u8> out) override {
        if (reachable(out.data(), out.size())) return m_disk.read(first * block_size, out);
        return Backend::read_blocks(first, block_size, out);
    }
    Result<void> write_blocks(u64 first, u32 block_size, std::span<const u8> data) override {
        if (reachable(data.data(), data.size())) return m_disk.write(first * block_size, data);
        return Backend::write_blocks(first, block_size, data);
    }

private:
    static bool reachable(const void* data, usize size) { return block::device_visible(data, size); }
    Result<void> ensure_bounce(usize size) {
        if (size <= m_bounce_size) return {};
        delete[] m_bounce;
        m_bounce = new (std::nothrow) u8[size];
        m_bounce_size = m_bounce ? size : 0;
        if (!m_bounce) return Error(ENOMEM);
        return {};
    }
    block::BlockDevice& m_disk;
    u8* m_bounce = nullptr;  // guarded by the file system's lock: one caller at a time
    usize m_bounce_size = 0;
};

}  // namespace fs::ext4fs
