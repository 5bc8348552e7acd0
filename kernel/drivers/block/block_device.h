// The kernel's block devices: what a file system (ext4, later) sits on, whatever carries
// the disk. Offsets and lengths are in bytes and must be whole logical blocks; a transfer
// longer than the device takes in one request is split by the driver, and its pieces are
// in flight together. Calls block the calling thread until the device has answered.
//
//   block::BlockDevice* disk = block::find("vda");
//   TRY(disk->read(0, std::span(buffer, 4096)));
//   TRY(disk->write(8192, data));
//   TRY(disk->flush());                       // what was written is on stable storage
//
// Buffers are device-visible memory: the kernel heap, frames (both in the direct map) or
// the kernel image's own data; anything else (a kernel stack, user memory) is EFAULT, so
// callers copy through a buffer of their own.
//
// Errors: EINVAL for a range that is not whole blocks, EIO for one past the end and for
// the device's own I/O errors, EROFS for a write or discard on a read-only device,
// EOPNOTSUPP for what the device does not offer (discard).
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "base/types.h"
#include "lib/atomic.h"

namespace block {

// One write of BlockDevice::write_all.
struct Write {
    u64 offset;
    std::span<const u8> data;
};

class BlockDevice {
public:
    virtual ~BlockDevice() = default;

    virtual const char* name() const = 0;   // "vda", "vdb"...
    virtual u64 size() const = 0;           // bytes
    virtual u32 block_size() const = 0;     // the logical block: 512, 4096...
    virtual bool read_only() const = 0;
    // The device's serial number ("" when it has none).
    virtual const char* serial() const = 0;

    virtual Result<void> read(u64 offset, std::span<u8> buffer) = 0;
    virtual Result<void> write(u64 offset, std::span<const u8> data) = 0;
    // Writes in no order among themselves (no two overlap), in flight together where the
    // driver can: one wait for the lot. The first error is returned; what the others did
    // is then unknown. By default, one after another.
    virtual Result<void> write_all(std::span<const Write> writes);
    // Returns once everything written before it is on stable storage.
    virtual Result<void> flush() = 0;
    // Tells the device the range's contents are no longer needed (reads of it may then
    // return anything).
    virtual Result<void> discard(u64 offset, u64 length) = 0;

    // The guest path the host meant this disk for (`volume=` on the command line), or "".
    const char* guest_path() const { return m_guest_path; }
    void set_guest_path(const char* path) { m_guest_path = path; }

    // One file system at a time on a disk (mounted at boot or by mount(2)): a second
    // mount of it is refused with EBUSY until the first is unmounted. claim() says
    // whether the caller got the disk; release() gives it back.
    bool claim() { return !m_claimed.exchange(true); }
    void release() { m_claimed.store(false); }
    bool claimed() const { return m_claimed.load(); }

private:
    const char* m_guest_path = "";
    kstd::Atomic<bool> m_claimed{false};
};

// Whether [data, data + size) is memory a device can reach (the direct map: the heap,
// frames, the kernel image), as every buffer given to a BlockDevice must be.
bool device_visible(const void* data, usize size);

// The registry, filled as drivers find devices (at boot; never shrinks).
void register_device(BlockDevice& device);
usize device_count();
BlockDevice* device(usize index);
BlockDevice* find(std::string_view name);
// The name the next registered device should take: "vda", "vdb"... "vdz", then "vdaa".
void next_virtio_name(char (&name)[8]);

}  // namespace block
