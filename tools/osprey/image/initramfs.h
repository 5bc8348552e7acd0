// Writes the initramfs (cpio newc) an application boots from, with every file's parent
// directories before it, as the kernel's unpacker expects.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"
#include "cpio/newc.h"

namespace osprey {

// A host file descriptor as the writer's sink (not closed here). Small writes (a cpio
// header, a name, its padding: four per file) are gathered into one buffer, so an image
// costs a few system calls rather than hundreds; a large one goes straight through.
// flush() must be called at the end: what is still buffered is not written otherwise.
class FdSink final : public cpio::ByteSink {
public:
    explicit FdSink(int fd) : m_fd(fd) {}
    bool write(std::span<const u8> bytes) override;
    bool flush();

private:
    static constexpr size_t kBufferSize = 64 * 1024;
    bool write_all(std::span<const u8> bytes);

    int m_fd;
    std::vector<u8> m_buffer;
};

class InitramfsBuilder {
public:
    static constexpr u32 kDirectoryPermissions = 0755;

    explicit InitramfsBuilder(cpio::ByteSink& sink) : m_writer(sink) {}

    // Paths are absolute image paths ("/usr/bin/busybox"). Missing parents are added
    // first (mode 0755); a directory already added is not added again. false with a
    // message on a bad path or a write failure.
    bool add_directory(std::string_view path, std::string& error);
    bool add_file(std::string_view path, u32 permissions, u32 mtime, std::span<const u8> data,
                  std::string& error);
    bool finish(std::string& error);

    u64 bytes_written() const { return m_writer.bytes_written(); }

private:
    bool add_parents(std::string_view relative, std::string& error);
    bool check(Result<void> result, std::string_view what, std::string& error);

    cpio::NewcWriter m_writer;
    std::set<std::string, std::less<>> m_directories;  // relative paths already written
};

}  // namespace osprey
