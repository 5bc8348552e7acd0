#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <utility>

namespace interop {

namespace {

class Descriptor {
public:
    explicit Descriptor(int fd) : m_fd(fd) {}
    ~Descriptor() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Descriptor(const Descriptor&) = delete;
    Descriptor& operator=(const Descriptor&) = delete;
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd;
};

}  // namespace

Result<std::vector<u8>> read_file(const std::string& path) {
    Descriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Error(errno);
    struct stat st {};
    if (fstat(fd.get(), &st) < 0) return Error(errno);
    if (!S_ISREG(st.st_mode)) return Error(EINVAL);
    std::vector<u8> bytes(static_cast<usize>(st.st_size));
    usize done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return Error(errno);
        if (n == 0) return Error(EIO);  // shrank while we read it
        done += static_cast<usize>(n);
    }
    return bytes;
}

Result<void> write_file(const std::string& path, std::span<const u8> bytes) {
    std::string temporary = path + ".partial";
    Descriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) return Error(errno);
    usize done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int error = errno;
            ::unlink(temporary.c_str());
            return Error(error);
        }
        done += static_cast<usize>(n);
    }
    if (::close(fd.release()) < 0 || ::rename(temporary.c_str(), path.c_str()) < 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        return Error(error);
    }
    return {};
}

}  // namespace interop
