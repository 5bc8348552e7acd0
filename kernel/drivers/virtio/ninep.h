// virtio-9p (virtio 1.2, 5.11): the transport of QEMU's 9P server, which shares a host folder
// (`osprey run -v HOST_DIR:GUEST_PATH`). Each device carries one mount tag; the 9P client
// (fs/ninep/) finds the device by that tag and sends each request as one chain: the
// message, then room for the reply.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"

namespace virtio {

constexpr u32 kDevice9p = 9;

class NinepDevice {
public:
    virtual ~NinepDevice() = default;
    virtual std::string_view tag() const = 0;
    // Sends `request` and waits (not interruptibly: the server is working on it) for the
    // reply, which lands in `reply`; returns the reply's length. Both buffers must be in
    // the kernel heap or frames (the device reaches them by physical address), not on a
    // kernel stack. Several threads may wait at once. EIO when the device broke.
    virtual Result<usize> transact(std::span<const u8> request, std::span<u8> reply) = 0;
};

// The device whose mount tag is `tag`, or null.
NinepDevice* find_ninep_device(std::string_view tag);

}  // namespace virtio
