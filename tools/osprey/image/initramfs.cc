#include "image/initramfs.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/errno.h"

namespace osprey {

bool FdSink::write(std::span<const u8> bytes) {
    if (m_buffer.size() + bytes.size() <= kBufferSize) {
        m_buffer.insert(m_buffer.end(), bytes.begin(), bytes.end());
        return true;
    }
    return flush() && (bytes.size() >= kBufferSize ? write_all(bytes) : write(bytes));
}

bool FdSink::flush() {
    bool ok = write_all(m_buffer);
    m_buffer.clear();
    return ok;
}

bool FdSink::write_all(std::span<const u8> bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(m_fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes = bytes.subspan(static_cast<size_t>(n));
    }
    return true;
}

namespace {

// The canonical stored name of an absolute image path ("usr/bin/busybox"), or nullopt.
std::optional<std::string_view> stored_name(std::string_view path) {
    if (path.empty() || path[0] != '/') return std::nullopt;
    return cpio::relative_path(path);
}

}  // namespace

bool InitramfsBuilder::check(Result<void> result, std::string_view what, std::string& error) {
    if (!result.is_error()) return true;
    error = "cannot add " + std::string(what) + " to the image: " +
            (result.error() == EIO ? std::string("write failed: ") + strerror(errno) : strerror(result.error()));
    return false;
}

bool InitramfsBuilder::add_parents(std::string_view relative, std::string& error) {
    for (size_t slash = relative.find('/'); slash != std::string_view::npos; slash = relative.find('/', slash + 1)) {
        std::string_view parent = relative.substr(0, slash);
        if (m_directories.count(parent)) continue;
        if (!check(m_writer.add_directory(parent, kDirectoryPermissions, 0, 0, 0), parent, error)) return false;
        m_directories.emplace(parent);
    }
    return true;
}

bool InitramfsBuilder::add_directory(std::string_view path, std::string& error) {
    auto name = stored_name(path);
    if (!name) {
        error = "bad image path " + std::string(path);
        return false;
    }
    if (name->empty() || m_directories.count(*name)) return true;  // the root always exists
    if (!add_parents(*name, error)) return false;
    if (!check(m_writer.add_directory(*name, kDirectoryPermissions, 0, 0, 0), path, error)) return false;
    m_directories.emplace(*name);
    return true;
}

bool InitramfsBuilder::add_file(std::string_view path, u32 permissions, u32 mtime, std::span<const u8> data,
                                std::string& error) {
    auto name = stored_name(path);
    if (!name || name->empty()) {
        error = "bad image path " + std::string(path);
        return false;
    }
    if (!add_parents(*name, error)) return false;
    return check(m_writer.add_file(*name, permissions & cpio::kPermissionMask, 0, 0, mtime, data), path, error);
}

bool InitramfsBuilder::finish(std::string& error) { return check(m_writer.finish(), "the trailer", error); }

}  // namespace osprey
