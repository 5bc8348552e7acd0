#include "tap_device.h"

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace interop {

Result<TapDevice> TapDevice::open(const char* name) {
    if (std::strlen(name) >= IFNAMSIZ) return Error(EINVAL);
    int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return Error(errno);
    ifreq request{};
    std::strncpy(request.ifr_name, name, IFNAMSIZ - 1);
    request.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &request) < 0) {
        int error = errno;
        ::close(fd);
        return Error(error);
    }
    return TapDevice(fd);
}

TapDevice::~TapDevice() {
    if (m_fd >= 0) ::close(m_fd);
}

Result<usize> TapDevice::read(u8* buffer, usize size) {
    for (;;) {
        ssize_t n = ::read(m_fd, buffer, size);
        if (n >= 0) return static_cast<usize>(n);
        if (errno == EINTR) continue;
        return Error(errno == EWOULDBLOCK ? EAGAIN : errno);
    }
}

Result<void> TapDevice::write(const u8* frame, usize length) {
    for (;;) {
        ssize_t n = ::write(m_fd, frame, length);
        if (n == static_cast<ssize_t>(length)) return {};
        if (n >= 0) return Error(EIO);  // a TAP device takes a frame whole or not at all
        if (errno == EINTR) continue;
        return Error(errno);
    }
}

}  // namespace interop
