#include "image/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace osprey {

MappedFile::~MappedFile() {
    if (m_data) munmap(m_data, m_size);
}

bool MappedFile::open(const std::string& path, std::string& error) {
    auto fail = [&](int code) {
        error = "cannot read " + path + ": " + strerror(code);
        return false;
    };
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int code = errno;
        close(fd);
        return fail(code);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(EINVAL);
    }
    size_t size = static_cast<size_t>(st.st_size);
    if (size > 0) {
        void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (data == MAP_FAILED) {
            int code = errno;
            close(fd);
            return fail(code);
        }
        m_data = data;
        m_size = size;
    }
    close(fd);
    return true;
}

}  // namespace osprey
