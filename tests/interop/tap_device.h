// A TAP device of the host's Linux kernel: the Ethernet link between libs/net and Linux's
// own stack. Linux sees an ordinary interface (the interop script gives it the peer's
// address); this side reads and writes whole Ethernet frames through /dev/net/tun.
#pragma once

#include "base/result.h"
#include "base/types.h"

namespace interop {

class TapDevice {
public:
    // Attaches to the TAP interface `name` (IFF_TAP | IFF_NO_PI: no packet-information
    // prefix, no virtio header, so Linux hands over frames with complete checksums). A
    // missing interface is created, and goes away with the descriptor. ENOENT without
    // /dev/net/tun, EPERM/EACCES without CAP_NET_ADMIN, EBUSY when another process holds it.
    static Result<TapDevice> open(const char* name);

    TapDevice(TapDevice&& other) : m_fd(other.m_fd) { other.m_fd = -1; }
    TapDevice& operator=(TapDevice&&) = delete;
    TapDevice(const TapDevice&) = delete;
    ~TapDevice();

    int fd() const { return m_fd; }
    // One frame into `buffer`; EAGAIN when none waits (the descriptor is non-blocking).
    Result<usize> read(u8* buffer, usize size);
    // One whole frame. A write to a TAP device is Linux receiving it: it does not block.
    Result<void> write(const u8* frame, usize length);

private:
    explicit TapDevice(int fd) : m_fd(fd) {}
    int m_fd;
};

}  // namespace interop
