// Shared by the ext4_*_test.cc files: volumes made by Debian's mke2fs at test time, read
// through a BlockReader over the image file or over bytes in memory (for corrupted copies).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ext4/bytes.h"
#include "ext4/volume.h"

namespace ext4_test {

namespace fs = std::filesystem;

inline bool have_e2fsprogs() {
    return std::system("command -v mke2fs >/dev/null 2>&1 && command -v debugfs >/dev/null 2>&1 && "
                       "command -v e2fsck >/dev/null 2>&1") == 0;
}

// Standard output of a shell command, and its exit status.
inline std::string run(const std::string& command, int* status = nullptr) {
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return output;
    char buffer[4096];
    usize n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    int code = pclose(pipe);
    if (status) *status = WIFEXITED(code) ? WEXITSTATUS(code) : -1;
    return output;
}

inline std::string quote(const fs::path& path) { return "'" + path.string() + "'"; }

// A fresh directory under the system's temporary folder, removed with its contents.
class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "osprey-ext4-XXXXXX").string();
        m_path = mkdtemp(pattern.data()) ? fs::path(pattern) : fs::path();
    }
    ~TempDir() {
        std::error_code ignored;
        if (!m_path.empty()) fs::remove_all(m_path, ignored);
    }
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

// mke2fs -t ext4 -d `source` with `options`, `size` (mke2fs syntax, e.g. "64M"); true when
// it succeeded.
inline bool make_image(const fs::path& source, const fs::path& image, const std::string& options,
                       const std::string& size) {
    std::string command = "mke2fs -q -F -t ext4 " + options + " -d " + quote(source) + " " + quote(image) + " " +
                          size + " >/dev/null 2>&1";
    return std::system(command.c_str()) == 0;
}

// `e2fsck -fn` says the image is clean.
inline bool fsck_clean(const fs::path& image, std::string* report = nullptr) {
    int status = -1;
    std::string output = run("e2fsck -fn " + quote(image) + " 2>&1", &status);
    if (report) *report = output;
    return status == 0;
}

inline std::vector<u8> read_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::vector<u8>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const fs::path& path, const std::vector<u8>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// Reads the image file with pread: images hold sparse files of several GiB in a few MiB.
class FileReader final : public ext4::BlockReader {
public:
    explicit FileReader(const fs::path& path) : m_fd(::open(path.c_str(), O_RDONLY)) {}
    ~FileReader() {
        if (m_fd >= 0) ::close(m_fd);
    }
    Result<void> read(u64 offset, std::span<u8> out) override {
        reads++;
        ssize_t n = pread(m_fd, out.data(), out.size(), off_t(offset));
        if (n != ssize_t(out.size())) return Error(EIO);
        return {};
    }
    bool ok() const { return m_fd >= 0; }
    u64 reads = 0;

private:
    int m_fd;
};

// Reads bytes in memory: a whole (small) image, corrupted by a test.
class MemoryReader final : public ext4::BlockReader {
public:
    explicit MemoryReader(std::vector<u8> bytes) : bytes(std::move(bytes)) {}
    Result<void> read(u64 offset, std::span<u8> out) override {
        if (offset > bytes.size() || out.size() > bytes.size() - offset) return Error(EIO);
        std::copy_n(bytes.begin() + std::ptrdiff_t(offset), out.size(), out.begin());
        return {};
    }
    std::vector<u8> bytes;
};

// An image held in memory and the volume open on it, for tests that change the image's
// bytes themselves: reopen() after a change; block() and bytes_at() are views into it.
class ImageInMemory {
public:
    void load(std::vector<u8> image) {
        reader = std::make_unique<MemoryReader>(std::move(image));
        reopen();
    }
    void reopen() {
        auto opened = ext4::Volume::open(*reader);
        ASSERT_TRUE(opened.is_ok()) << opened.error();
        volume.emplace(opened.release_value());
        sb = volume->superblock();
        scratch.assign(volume->scratch_size(), 0);
    }
    std::span<u8> bytes_at(u64 offset, usize length) { return std::span<u8>(reader->bytes).subspan(offset, length); }
    std::span<u8> block(u64 number) { return bytes_at(number * sb.block_size, sb.block_size); }
    std::span<u8> superblock_bytes() { return bytes_at(ext4::kSuperblockOffset, ext4::kSuperblockSize); }
    void fix_superblock_checksum() {
        ext4::put32(superblock_bytes(), 0x3FC, ext4::superblock_checksum(superblock_bytes()));
    }
    ext4::Inode inode(const std::string& path) {
        u32 number = volume->resolve(path, scratch).value_or(0);
        auto parsed = volume->read_inode(number, scratch);
        EXPECT_TRUE(parsed.is_ok()) << path;
        return parsed.value_or(ext4::Inode{});
    }
    // The inode's bytes in the image.
    std::span<u8> inode_bytes(u32 number) {
        u32 group = (number - 1) / sb.inodes_per_group;
        u64 table = volume->group(group, scratch).value().inode_table;
        return bytes_at(table * sb.block_size + u64((number - 1) % sb.inodes_per_group) * sb.inode_size, sb.inode_size);
    }

    std::unique_ptr<MemoryReader> reader;
    std::optional<ext4::Volume> volume;
    ext4::Superblock sb;
    std::vector<u8> scratch;
};

}  // namespace ext4_test
