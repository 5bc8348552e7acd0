// A BlockReader that can also write: what journal replay and the journal's writer need.
// Writes, like reads, are whole blocks at block-aligned offsets. flush() returns once every
// write before it is durable (virtio-blk's FLUSH): the journal's only ordering tool, so a
// device that reorders writes between flushes is fine and one that loses a flushed write
// is not.
#pragma once

#include <span>

#include "base/result.h"
#include "ext4/volume.h"

namespace ext4 {

// One metadata block of a transaction: its home block number and block_size bytes. The
// writer's Transaction lists them; the journal logs them.
struct DirtyBlock {
    u64 block = 0;
    std::span<const u8> bytes;
};

// One write of BlockDevice::write_all: whole blocks at a block-aligned offset.
struct BlockWrite {
    u64 offset = 0;
    std::span<const u8> bytes;
};

class BlockDevice : public BlockReader {
public:
    virtual Result<void> write(u64 offset, std::span<const u8> bytes) = 0;
    // Writes that may reach the disk in any order among themselves (no two overlap): in
    // flight together where the device allows, so that a commit waits for the device once
    // rather than once a block. The first error is returned; what the other writes did is
    // then unknown, as after any failed write. By default, one after another.
    virtual Result<void> write_all(std::span<const BlockWrite> writes) {
        for (const BlockWrite& w : writes) TRY(write(w.offset, w.bytes));
        return {};
    }
    virtual Result<void> flush() = 0;

protected:
    ~BlockDevice() = default;  // never deleted through this interface
};

}  // namespace ext4
